#include "monitor/mirror/mirror_read_service.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "log/serving/origin.h"

namespace vitrine::monitor {

MirrorReadService::MirrorReadService(MirroredLogs logs, MirrorReadOptions options)
    : logs_(std::move(logs)), options_(options) {}

void MirrorReadService::Shutdown() {
  shutting_down_.store(true, std::memory_order_release);
}

grpc::ServerUnaryReactor* MirrorReadService::Finish(
    grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::Status MirrorReadService::Serving() const {
  if (!shutting_down_.load(std::memory_order_acquire)) return absl::OkStatus();
  return absl::UnavailableError(
      "the monitor is shutting down; retry after it restarts");
}

absl::Status MirrorReadService::NotYet(absl::string_view method) const {
  return absl::UnimplementedError(absl::StrCat(
      method, " is not served by a monitor yet (it serves GetCheckpoint and "
              "GetEntries from its verified copy): ask ",
      logs_.LogAddresses()));
}

grpc::ServerUnaryReactor* MirrorReadService::Add(
    grpc::CallbackServerContext* context, const vitrine::v1::AddRequest* request,
    vitrine::v1::AddResponse* response) {
  // Refused before looking at the statements: nothing here could log them.
  return Finish(context, absl::FailedPreconditionError(absl::StrCat(
                             "this is a monitor's verified copy, read-only: "
                             "submit statements to ",
                             logs_.LogAddresses())));
}

grpc::ServerUnaryReactor* MirrorReadService::GetCheckpoint(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetCheckpointRequest* request,
    vitrine::v1::GetCheckpointResponse* response) {
  if (absl::Status serving = Serving(); !serving.ok()) {
    return Finish(context, serving);
  }
  absl::StatusOr<const MirroredLog*> log = logs_.Find(request->origin());
  if (!log.ok()) return Finish(context, log.status());
  if (request->witnessed()) {
    // The cosignatures the monitor holds are not gathered per checkpoint
    // yet (issue 16); the log serves its quorum.
    return Finish(context,
                  absl::FailedPreconditionError(absl::StrCat(
                      "witnessed checkpoints are not served by a monitor yet: "
                      "ask the log ",
                      serving::QuoteOrigin((*log)->copy->origin()), " at ",
                      (*log)->log_address)));
  }
  absl::StatusOr<vitrine::v1::Checkpoint> checkpoint =
      CheckpointOf(*(*log)->copy, request->at_most_size());
  if (checkpoint.ok()) *response->mutable_checkpoint() = *std::move(checkpoint);
  return Finish(context, checkpoint.status());
}

grpc::ServerWriteReactor<vitrine::v1::Entry>* MirrorReadService::GetEntries(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetEntriesRequest* request) {
  serving::EntriesSource source;
  source.stopping = &shutting_down_;
  source.who = "the monitor";
  absl::Status valid = Serving();
  absl::StatusOr<const MirroredLog*> log = logs_.Find(request->origin());
  if (valid.ok()) valid = log.status();
  if (valid.ok()) {
    // Only what was verified: the store may already hold the entries of a
    // batch the follower is committing, not yet behind a published head.
    source.store = &(*log)->copy->store();
    valid = serving::CheckEntriesRange(
        request->start(), request->end(), (*log)->copy->Latest()->checkpoint.size,
        options_.max_entries_per_call, "the size this monitor verified");
  }
  return serving::StreamEntries(source, request->start(), request->end(), valid);
}

grpc::ServerUnaryReactor* MirrorReadService::GetInclusionProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetInclusionProofRequest* request,
    vitrine::v1::GetInclusionProofResponse* response) {
  return Finish(context, NotYet("GetInclusionProof"));
}

grpc::ServerUnaryReactor* MirrorReadService::GetConsistencyProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetConsistencyProofRequest* request,
    vitrine::v1::GetConsistencyProofResponse* response) {
  return Finish(context, NotYet("GetConsistencyProof"));
}

grpc::ServerUnaryReactor* MirrorReadService::FindByDigest(
    grpc::CallbackServerContext* context,
    const vitrine::v1::FindByDigestRequest* request,
    vitrine::v1::FindByDigestResponse* response) {
  return Finish(context, NotYet("FindByDigest"));
}

grpc::ServerUnaryReactor* MirrorReadService::GetBundle(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetBundleRequest* request, vitrine::v1::Bundle* response) {
  return Finish(context, NotYet("GetBundle"));
}

grpc::ServerWriteReactor<vitrine::v1::Checkpoint>*
MirrorReadService::WatchCheckpoints(
    grpc::CallbackServerContext* context,
    const vitrine::v1::WatchCheckpointsRequest* request) {
  // A stream that ends before its first message: Finish is its only call.
  class Refused final : public grpc::ServerWriteReactor<vitrine::v1::Checkpoint> {
   public:
    explicit Refused(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
    void OnDone() override { delete this; }
  };
  return new Refused(NotYet("WatchCheckpoints"));
}

}  // namespace vitrine::monitor
