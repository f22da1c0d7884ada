// The vitrine.v1.Log gRPC service (proto/vitrine/v1/log.proto) as
// vitrine-monitor serves it: reads answered from its verified copies
// (mirrored_logs.h), byte for byte what the log signed and stored, so an
// endpoint or a restored log can read from a monitor and still verify
// against the log's key. A monitor never takes writes.
//
//   MirrorReadService mirror(MirroredLogs({{copy.get(), "log.example:7400"}}));
//   builder.RegisterService(&mirror);
//   ...
//   mirror.Shutdown();          // ends GetEntries streams UNAVAILABLE
//   server->Shutdown(deadline); // then destroy the service, the copies
//
// What it answers (log selected by the request's origin where it has one,
// mirrored_logs.h; a request for a log not served is NOT_FOUND):
//   GetCheckpoint  the latest verified checkpoint, or with at_most_size the
//                  stored one of the largest size <= it (CheckpointOf);
//                  NOT_FOUND before the copy verified any;
//                  FAILED_PRECONDITION for witnessed (not served by a
//                  monitor yet: ask the log);
//   GetEntries     the leaves [start, end) of the copy, streamed with the
//                  log's own code (log/serving/entries_stream.h): at most
//                  max_entries_per_call (INVALID_ARGUMENT beyond),
//                  INVALID_ARGUMENT for start > end, OUT_OF_RANGE for an
//                  end beyond the size the monitor verified;
//   Add            FAILED_PRECONDITION, naming the log's address;
//   GetInclusionProof, GetConsistencyProof, FindByDigest, GetBundle,
//   WatchCheckpoints  UNIMPLEMENTED, naming the log's address: issue 16
//                  ("mirror mode") serves them from the copy too - each is
//                  a read of the copy's store as the log's handlers read
//                  theirs, to be shared through log/serving as GetEntries
//                  is, not copied.
// After Shutdown every call is UNAVAILABLE.
//
// Work per call is bounded as the log bounds it: a checkpoint is one
// pointer copy or one store read; entries go out one message at a time
// under the client's flow control, read 256 at a time, so a slow reader
// holds one chunk and no thread. Nothing is verified per request (the
// copy was verified when it grew), so no peer budget is needed.
//
// Thread-safety: thread-safe, as gRPC requires. The copies must outlive the
// service, and the service the gRPC server.
#ifndef VITRINE_MONITOR_MIRROR_MIRROR_READ_SERVICE_H_
#define VITRINE_MONITOR_MIRROR_MIRROR_READ_SERVICE_H_

#include <atomic>
#include <cstdint>

#include "grpcpp/grpcpp.h"
#include "log/serving/entries_stream.h"
#include "monitor/mirror/mirrored_logs.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::monitor {

struct MirrorReadOptions {
  // Entries per GetEntries call, the log's own limit (log.proto): a client
  // written against the log works unchanged against a mirror.
  uint64_t max_entries_per_call = serving::kMaxEntriesPerCall;
};

class MirrorReadService final : public vitrine::v1::Log::CallbackService {
 public:
  explicit MirrorReadService(MirroredLogs logs, MirrorReadOptions options = {});

  // Ends each GetEntries stream UNAVAILABLE after its write in flight
  // (naming where to resume) and answers UNAVAILABLE from now on, so that
  // grpc::Server::Shutdown need not wait for slow readers. Idempotent.
  void Shutdown();

  grpc::ServerUnaryReactor* Add(grpc::CallbackServerContext* context,
                                const vitrine::v1::AddRequest* request,
                                vitrine::v1::AddResponse* response) override;
  grpc::ServerUnaryReactor* GetCheckpoint(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetCheckpointRequest* request,
      vitrine::v1::GetCheckpointResponse* response) override;
  grpc::ServerWriteReactor<vitrine::v1::Entry>* GetEntries(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetEntriesRequest* request) override;

  // Not served yet (issue 16): UNIMPLEMENTED, naming the log to ask.
  grpc::ServerUnaryReactor* GetInclusionProof(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetInclusionProofRequest* request,
      vitrine::v1::GetInclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetConsistencyProofRequest* request,
      vitrine::v1::GetConsistencyProofResponse* response) override;
  grpc::ServerUnaryReactor* FindByDigest(
      grpc::CallbackServerContext* context,
      const vitrine::v1::FindByDigestRequest* request,
      vitrine::v1::FindByDigestResponse* response) override;
  grpc::ServerUnaryReactor* GetBundle(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetBundleRequest* request,
      vitrine::v1::Bundle* response) override;
  grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* WatchCheckpoints(
      grpc::CallbackServerContext* context,
      const vitrine::v1::WatchCheckpointsRequest* request) override;

 private:
  // Finishes a unary call with `status` (converted once, common/grpc_status.h).
  static grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                          const absl::Status& status);
  // Unavailable once Shutdown began, else OK.
  absl::Status Serving() const;
  // The UNIMPLEMENTED answer of `method`.
  absl::Status NotYet(absl::string_view method) const;

  const MirroredLogs logs_;
  const MirrorReadOptions options_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_MIRROR_MIRROR_READ_SERVICE_H_
