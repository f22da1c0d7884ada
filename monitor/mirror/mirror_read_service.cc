#include "monitor/mirror/mirror_read_service.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "log/serving/bundles.h"
#include "log/serving/proofs.h"
#include "log/serving/watch_stream.h"
#include "log/serving/origin.h"

namespace vitrine::monitor {

MirrorReadService::MirrorReadService(MirroredLogs logs, MirrorReadOptions options)
    : logs_(std::move(logs)), options_(options) {
  for (const MirroredLog& log : logs_.logs()) {
    auto hub = std::make_shared<serving::CheckpointHub>(options_.watch,
                                                        "the monitor");
    // The watcher holds the hub, not the service: the copy may publish
    // after the service is gone, and then finds no subscriber.
    log.copy->Watch([hub](std::shared_ptr<const VerifiedHead> head) {
      hub->Publish(CheckpointMessage(*head));
    });
    hubs_.push_back(std::move(hub));
  }
}

MirrorReadService::~MirrorReadService() { Shutdown(); }

void MirrorReadService::Shutdown() {
  shutting_down_.store(true, std::memory_order_release);
  for (const std::shared_ptr<serving::CheckpointHub>& hub : hubs_) hub->Close();
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
  if (request->witnessed()) return Finish(context, NotWitnessed(**log));
  const std::shared_ptr<const VerifiedHead> head = (*log)->copy->Latest();
  absl::StatusOr<vitrine::v1::Checkpoint> checkpoint =
      CheckpointOf(*(*log)->copy, request->at_most_size());
  if (checkpoint.ok()) {
    // The latest one carries this monitor's cosignature, once it made it.
    if (checkpoint->note() == head->signed_note) {
      checkpoint->set_note(ServedNote(**log, *head));
    }
    *response->mutable_checkpoint() = *std::move(checkpoint);
  }
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

absl::StatusOr<MirrorReadService::Served> MirrorReadService::Serve(
    absl::string_view origin) const {
  VITRINE_RETURN_IF_ERROR(Serving());
  VITRINE_ASSIGN_OR_RETURN(const MirroredLog* log, logs_.Find(origin));
  Served served{log, log->copy->Latest(), ""};
  served.note = ServedNote(*log, *served.head);
  if (served.head->signed_note.empty()) {
    return absl::NotFoundError(
        absl::StrCat("this monitor has verified no checkpoint of ",
                     serving::QuoteOrigin(log->copy->origin()), " yet"));
  }
  return served;
}

serving::Head MirrorReadService::Served::view() const {
  return serving::Head{head->checkpoint.size, note,
                       "the size this monitor verified"};
}

absl::Status MirrorReadService::NotWitnessed(const MirroredLog& log) {
  // A monitor holds its own cosignature, not the log's witness quorum, so
  // it cannot tell which checkpoint the log's policy calls witnessed.
  return absl::FailedPreconditionError(absl::StrCat(
      "witnessed checkpoints are not served by a monitor (it does not hold "
      "the log's witness quorum): ask the log ",
      serving::QuoteOrigin(log.copy->origin()), " at ", log.log_address));
}

grpc::ServerUnaryReactor* MirrorReadService::GetInclusionProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetInclusionProofRequest* request,
    vitrine::v1::GetInclusionProofResponse* response) {
  absl::StatusOr<Served> served = Serve(request->origin());
  if (!served.ok()) return Finish(context, served.status());
  return Finish(context,
                serving::InclusionProofAnswer(served->log->copy->store(),
                                              served->view(), *request,
                                              *response));
}

grpc::ServerUnaryReactor* MirrorReadService::GetConsistencyProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetConsistencyProofRequest* request,
    vitrine::v1::GetConsistencyProofResponse* response) {
  absl::StatusOr<Served> served = Serve(request->origin());
  if (!served.ok()) return Finish(context, served.status());
  return Finish(context,
                serving::ConsistencyProofAnswer(served->log->copy->store(),
                                                served->view(), *request,
                                                *response));
}

grpc::ServerUnaryReactor* MirrorReadService::FindByDigest(
    grpc::CallbackServerContext* context,
    const vitrine::v1::FindByDigestRequest* request,
    vitrine::v1::FindByDigestResponse* response) {
  absl::StatusOr<Served> served = Serve(request->origin());
  if (!served.ok()) return Finish(context, served.status());
  return Finish(context,
                serving::FindByDigestAnswer(
                    served->log->copy->store(), served->view(),
                    options_.max_bundles_per_find,
                    [context] { return context->IsCancelled(); }, *request,
                    *response));
}

grpc::ServerUnaryReactor* MirrorReadService::GetBundle(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetBundleRequest* request, vitrine::v1::Bundle* response) {
  absl::StatusOr<Served> served = Serve(request->origin());
  if (!served.ok()) return Finish(context, served.status());
  if (request->witnessed()) return Finish(context, NotWitnessed(*served->log));
  return Finish(context, serving::BundleAnswer(served->log->copy->store(),
                                               served->view(), *request,
                                               *response));
}

grpc::ServerWriteReactor<vitrine::v1::Checkpoint>*
MirrorReadService::WatchCheckpoints(
    grpc::CallbackServerContext* context,
    const vitrine::v1::WatchCheckpointsRequest* request) {
  absl::Status valid = Serving();
  absl::StatusOr<const MirroredLog*> log = logs_.Find(request->origin());
  if (valid.ok()) valid = log.status();
  if (!valid.ok()) return serving::RefuseCheckpoints(valid, nullptr);
  const std::shared_ptr<const VerifiedHead> head = (*log)->copy->Latest();
  std::shared_ptr<const vitrine::v1::Checkpoint> latest;
  // Before the first verified checkpoint there is nothing to send yet.
  if (!head->signed_note.empty()) latest = CheckpointMessage(*head);
  return serving::StreamCheckpoints(hubs_[*log - logs_.logs().data()],
                                    context->peer(), request->after_size(),
                                    std::move(latest), "the monitor", nullptr);
}

std::shared_ptr<const vitrine::v1::Checkpoint>
MirrorReadService::CheckpointMessage(const VerifiedHead& head) {
  auto checkpoint = std::make_shared<vitrine::v1::Checkpoint>();
  checkpoint->set_note(head.signed_note);
  checkpoint->set_size(head.checkpoint.size);
  return checkpoint;
}

}  // namespace vitrine::monitor
