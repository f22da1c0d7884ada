// The log side of c2sp.org/tlog-witness add-checkpoint over gRPC: one call
// to a Witness service, with a deadline, that returns the witness's
// cosignature lines or tells the caller which size the witness holds.
//
//   uint64_t held = 0;
//   absl::StatusOr<std::vector<std::string>> lines = PushCheckpoint(
//       *stub, believed_size, proof, signed_note, absl::Seconds(5), &held);
//   if (absl::IsAborted(lines.status())) {
//     // The witness holds `held`: retry once with the proof held -> size.
//   }
//
// Status codes are the witness's (proto/vitrine/v1/witness.proto), passed
// through unchanged (DEADLINE_EXCEEDED and UNAVAILABLE come from gRPC), plus:
//   InvalidArgument: deadline not positive, or null held_size;
//   Unknown: the witness answered ABORTED without a valid
//     "vitrine-witness-size" trailer (it broke the protocol; *held_size is
//     left unchanged).
// The lines are returned as the witness sent them: this helper does not
// verify them (OpenCosignedCheckpoint / VerifyCosignatures do).
//
// Thread-safe as far as the stub is (generated stubs are).
#ifndef VITRINE_MONITOR_WITNESS_WITNESS_CLIENT_H_
#define VITRINE_MONITOR_WITNESS_WITNESS_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::monitor {

// Sends `checkpoint_note` (the log's signed note) with the consistency proof
// from `old_size` (the size the caller believes the witness holds; 0 and an
// empty proof for a witness that holds nothing) and returns the witness's
// cosignature lines ("— <name> <base64>\n" each). On ABORTED, sets
// *held_size to the size the witness holds and returns the Aborted status.
absl::StatusOr<std::vector<std::string>> PushCheckpoint(
    vitrine::v1::Witness::StubInterface& stub, uint64_t old_size,
    absl::Span<const merkle::Hash> proof, absl::string_view checkpoint_note,
    absl::Duration deadline, uint64_t* held_size);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_WITNESS_WITNESS_CLIENT_H_
