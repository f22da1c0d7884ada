// The vitrine.v1.Witness gRPC service (proto/vitrine/v1/witness.proto): thin
// callback-API handlers over Witness::AddCheckpoint and Witness::Latest.
// Each checks the request's limits, makes the one call, and maps the
// answer. On an ABORTED AddCheckpoint it adds the trailing metadata
// "vitrine-witness-size" (proto/vitrine/v1/witness_size.h) with the size the
// witness holds, so the log can retry with the right proof.
//
// GetLatestCheckpoint answers what a log restored from a backup asks before
// it signs anything: the largest checkpoint this witness cosigned for the
// origin, in canonical form (canonical_note.h) with its cosignature.
//   INVALID_ARGUMENT  empty origin, or one over kMaxOriginSize bytes;
//   NOT_FOUND         the origin is not a configured log, or nothing is
//                     cosigned for it yet (each with its own message).
// Messages quote the origin escaped and cut (common/log_escape.h): a caller
// may log them, and the origin is the caller's bytes.
//
//   WitnessService service(witness.get());
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   ...
//   server->Shutdown(deadline);   // then destroy the service, the witness
//
// Limits, checked before the witness parses anything:
//   - a checkpoint note over 1 MiB (note::NoteLimits) is INVALID_ARGUMENT,
//     as witness.proto lists every malformed request (a message over the
//     server's gRPC receive limit - gRPC's 4 MiB by default, vitrine-monitor
//     sets 1 MiB + 16 KiB - is RESOURCE_EXHAUSTED from gRPC itself, before
//     this handler);
//   - more than 63 proof hashes, or a hash not of 32 bytes, is
//     INVALID_ARGUMENT.
//
// Budget (issue 11): with a PeerBudget, a peer's AddCheckpoint is checked
// against it before the witness parses or verifies anything
// (RESOURCE_EXHAUSTED once spent), and a PERMISSION_DENIED answer - no
// valid signature by the log's key, a forged one included - is charged to
// the peer's connection and address. Nothing is credited: a valid
// checkpoint is public data that anyone can relay. GetLatestCheckpoint
// neither checks nor charges it: it verifies nothing (a map lookup and a
// copy of a note of a few hundred bytes), so a peer whose forgeries spent
// its budget - or a restored log sharing a NAT address with one - can still
// learn what the witness holds, which only makes forks less likely.
//
// The handler runs on gRPC's callback thread and blocks it for the state
// file's fsync (about a millisecond on SSDs): witnesses see one request per
// log checkpoint, so an executor would buy nothing measurable here.
//
// Thread-safety: thread-safe, as gRPC requires. `witness` must outlive the
// service.
#ifndef VITRINE_MONITOR_WITNESS_WITNESS_SERVICE_H_
#define VITRINE_MONITOR_WITNESS_WITNESS_SERVICE_H_

#include <cstddef>

#include "common/peer_budget.h"
#include "grpcpp/grpcpp.h"
#include "monitor/witness/witness.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::monitor {

// note::NoteLimits' bound: no checkpoint comes near it.
inline constexpr size_t kMaxCheckpointNoteSize = 1 << 20;

// The longest origin GetLatestCheckpoint looks up: an origin is the first
// line of a checkpoint, a schema-less URL in practice (C2SP tlog-checkpoint),
// and nothing configured comes near 1 KiB.
inline constexpr size_t kMaxOriginSize = 1024;

class WitnessService final : public vitrine::v1::Witness::CallbackService {
 public:
  // `witness` must be non-null and outlive the service; `budget` (failed
  // verifications per peer, shared with the server's other services) may be
  // null, else it must outlive the service.
  explicit WitnessService(Witness* witness, PeerBudget* budget = nullptr);

  grpc::ServerUnaryReactor* AddCheckpoint(
      grpc::CallbackServerContext* context,
      const vitrine::v1::AddCheckpointRequest* request,
      vitrine::v1::AddCheckpointResponse* response) override;

  grpc::ServerUnaryReactor* GetLatestCheckpoint(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetLatestCheckpointRequest* request,
      vitrine::v1::GetLatestCheckpointResponse* response) override;

 private:
  Witness* const witness_;
  PeerBudget* const budget_;  // May be null.
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_WITNESS_WITNESS_SERVICE_H_
