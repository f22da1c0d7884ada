// The server-streaming RPCs: GetEntries (log/serving/entries_stream.h) and
// WatchCheckpoints (log/serving/watch_stream.h), both shared with the
// monitor's mirror. Each keeps exactly one write in flight; gRPC calls
// OnWriteDone when the client's flow control lets the next one go, so a
// slow client holds memory for one message, never for the whole range.
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/internal/service_util.h"
#include "log/server/log_service.h"
#include "log/serving/entries_stream.h"
#include "log/serving/origin.h"
#include "log/serving/watch_stream.h"

namespace vitrine::server {
namespace {

using internal::Method;

}  // namespace

grpc::ServerWriteReactor<vitrine::v1::Entry>* LogService::GetEntries(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetEntriesRequest* request) {
  const uint64_t start = request->start();
  const uint64_t end = request->end();
  const std::shared_ptr<const sequencer::PublishedState> published =
      sequencer_->Published();
  const uint64_t size = published->checkpoint.size;
  absl::Status valid;
  if (shutting_down_.load(std::memory_order_acquire)) {
    valid = absl::UnavailableError(
        "the log is shutting down; retry after it restarts");
  } else if (absl::Status mine = serving::CheckOrigin(
                 request->origin(), published->checkpoint.origin);
             !mine.ok()) {
    valid = mine;  // another log's range means nothing here
  } else {
    valid = serving::CheckEntriesRange(start, end, size,
                                       limits_.max_entries_per_call,
                                       "the log's size");
  }
  serving::EntriesSource source;
  source.store = store_;
  source.stopping = &shutting_down_;
  source.who = "the log";
  source.on_done = [metrics = metrics_.get()](const grpc::Status& status) {
    metrics->RecordRpc(Method::kGetEntries, status);
  };
  return serving::StreamEntries(source, start, end, valid);
}

grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* LogService::WatchCheckpoints(
    grpc::CallbackServerContext* context,
    const vitrine::v1::WatchCheckpointsRequest* request) {
  const std::shared_ptr<const sequencer::PublishedState> published =
      sequencer_->Published();
  auto on_done = [metrics = metrics_.get()](const grpc::Status& status) {
    metrics->RecordRpc(Method::kWatchCheckpoints, status);
  };
  if (absl::Status mine = serving::CheckOrigin(request->origin(),
                                               published->checkpoint.origin);
      !mine.ok()) {
    return serving::RefuseCheckpoints(mine, std::move(on_done));
  }
  return serving::StreamCheckpoints(
      hub_, context->peer(), request->after_size(),
      internal::CheckpointMessage(*published), "the log", std::move(on_done));
}

}  // namespace vitrine::server
