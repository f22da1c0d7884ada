// The vitrine.v1.Log gRPC service (proto/vitrine/v1/log.proto) as
// vitrine-monitor serves it: reads answered from its verified copies
// (mirrored_logs.h), byte for byte what the log signed and stored, so an
// endpoint or a restored log can read from a monitor and still verify
// against the log's key. A monitor never takes writes.
//
//   MirrorReadService mirror(MirroredLogs({{copy.get(), "log.example:7400"}}));
//   builder.RegisterService(&mirror);
//   ...
//   mirror.Shutdown();          // ends GetEntries and watch streams UNAVAILABLE
//   server->Shutdown(deadline); // then destroy the service, the copies
//
// Every read is answered by the log's own code over the copy's store
// (log/serving: entries_stream.h, proofs.h, bundles.h, watch_stream.h), so
// for the same request and the same head a mirror's answer is byte for byte
// the log's; only the head differs: the latest checkpoint this monitor
// verified, which may be behind the log's. The notes served are the log's
// as the monitor stored them (with the cosignatures they carried when it
// fetched them), plus, for the latest head, this monitor's own
// cosignature once its witness made it (mirrored_logs.h ServedNote; the
// log's bytes stay a prefix). Checkpoints streamed by WatchCheckpoints
// are published as the copy commits them, before the witness cosigns, so
// they carry the log's lines only.
//
// What it answers (log selected by the request's origin, mirrored_logs.h;
// a request for a log not served is NOT_FOUND):
//   GetCheckpoint  the latest verified checkpoint, or with at_most_size the
//                  stored one of the largest size <= it (CheckpointOf);
//                  NOT_FOUND before the copy verified any;
//   GetEntries     the leaves [start, end) of the copy, with the log's
//                  limits and codes (OUT_OF_RANGE beyond the verified size);
//   GetInclusionProof, GetConsistencyProof, FindByDigest, GetBundle
//                  proved against the latest verified head: OUT_OF_RANGE
//                  beyond its size, INVALID_ARGUMENT and NOT_FOUND as the
//                  log answers them; NOT_FOUND before any head;
//   WatchCheckpoints  each new verified head of the copy (VerifiedCopy::
//                  Watch), the log's stream and caps (max_watch_streams,
//                  per connection; counted per log served);
//   GetCheckpoint(witnessed), GetBundle(witnessed)  FAILED_PRECONDITION
//                  naming the log: which checkpoints the log's witness
//                  quorum cosigned is the log's knowledge, not a monitor's;
//   Add            FAILED_PRECONDITION, naming the log's address.
// After Shutdown every call is UNAVAILABLE and watch streams end so.
//
// Work per call is bounded as the log bounds it: a checkpoint is one
// pointer copy or one store read; a proof O(log n) hash reads; entries go
// out one message at a time under the client's flow control. Nothing is
// verified per request (the copy was verified when it grew), so no peer
// budget is needed.
//
// Thread-safety: thread-safe, as gRPC requires. The copies must outlive the
// service, and the service the gRPC server.
#ifndef VITRINE_MONITOR_MIRROR_MIRROR_READ_SERVICE_H_
#define VITRINE_MONITOR_MIRROR_MIRROR_READ_SERVICE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <memory>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/serving/checkpoint_hub.h"
#include "log/serving/entries_stream.h"
#include "log/serving/proofs.h"
#include "monitor/mirror/mirrored_logs.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::monitor {

struct MirrorReadOptions {
  // Entries per GetEntries call, the log's own limit (log.proto): a client
  // written against the log works unchanged against a mirror.
  uint64_t max_entries_per_call = serving::kMaxEntriesPerCall;
  // Bundles per FindByDigest answer, the log's default (ServiceLimits).
  size_t max_bundles_per_find = 1000;
  // WatchCheckpoints streams at once, per log served and per connection:
  // the log's defaults (ServiceLimits), for the same reasons.
  serving::WatchLimits watch;
};

class MirrorReadService final : public vitrine::v1::Log::CallbackService {
 public:
  // Registers a head watcher with each copy (VerifiedCopy::Watch); the
  // copies may outlive the service.
  explicit MirrorReadService(MirroredLogs logs, MirrorReadOptions options = {});
  ~MirrorReadService() override;

  // Ends each GetEntries stream UNAVAILABLE after its write in flight
  // (naming where to resume) and each WatchCheckpoints stream at once, and
  // answers UNAVAILABLE from now on, so that grpc::Server::Shutdown need
  // not wait for slow readers. Idempotent; the destructor calls it.
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
  // A log served and the head its reads are answered against (held for
  // the call: view() points into it).
  struct Served {
    const MirroredLog* log;
    std::shared_ptr<const VerifiedHead> head;
    std::string note;  // ServedNote: the log's, plus this monitor's cosignature
    serving::Head view() const;  // valid while this Served is
  };
  // Returns the log `origin` names and its latest verified head:
  // UNAVAILABLE after Shutdown, the codes of MirroredLogs::Find, NOT_FOUND
  // before the copy verified a checkpoint.
  absl::StatusOr<Served> Serve(absl::string_view origin) const;
  // The FAILED_PRECONDITION answer to a witnessed request for `log`.
  static absl::Status NotWitnessed(const MirroredLog& log);
  // Returns `head` as the message WatchCheckpoints streams.
  static std::shared_ptr<const vitrine::v1::Checkpoint> CheckpointMessage(
      const VerifiedHead& head);

  const MirroredLogs logs_;
  const MirrorReadOptions options_;
  // One per logs_.logs() entry, same order; shared with the copy's watcher.
  std::vector<std::shared_ptr<serving::CheckpointHub>> hubs_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_MIRROR_MIRROR_READ_SERVICE_H_
