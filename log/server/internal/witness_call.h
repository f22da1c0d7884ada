// One add-checkpoint call to a witness (c2sp.org/tlog-witness over the
// Witness gRPC service, proto/vitrine/v1/witness.proto), without blocking a
// thread: the witness pusher starts one per witness and waits for them all.
//
//   grpc::ClientContext context;   // outlives the call; TryCancel stops it
//   context.set_deadline(...);
//   StartAddCheckpoint(*stub, &context, held_size, proof, signed_note,
//                      [](WitnessAnswer answer) { ... });
//
// An ABORTED answer carries the size the witness holds in the trailing
// metadata "vitrine-witness-size" (decimal), read into held_size.
//
// Thread-safety: `done` runs once, on a gRPC thread; it must not block.
#ifndef VITRINE_LOG_SERVER_INTERNAL_WITNESS_CALL_H_
#define VITRINE_LOG_SERVER_INTERNAL_WITNESS_CALL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::server::internal {

struct WitnessAnswer {
  // The call's status, with the gRPC code as the absl code.
  absl::Status status;
  // ABORTED only: the size the witness holds, when the trailer is there and
  // is a decimal number.
  std::optional<uint64_t> held_size;
  // OK only: the cosignature lines, unverified.
  std::vector<std::string> cosignatures;
};

// Sends `checkpoint` with `old_size` and `proof` (RFC 6962 consistency
// proof from old_size to the checkpoint's size) and calls `done` with the
// answer. `context` (with its deadline) must stay alive until `done` runs.
void StartAddCheckpoint(vitrine::v1::Witness::StubInterface& stub,
                        grpc::ClientContext* context, uint64_t old_size,
                        absl::Span<const merkle::Hash> proof,
                        absl::string_view checkpoint,
                        std::function<void(WitnessAnswer)> done);

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_WITNESS_CALL_H_
