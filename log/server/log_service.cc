// The Log service's construction and shutdown, and GetCheckpoint. The other
// handlers: log_service_add.cc (Add), log_service_proofs.cc (proofs,
// FindByDigest, GetBundle), log_service_streams.cc (GetEntries,
// WatchCheckpoints).
#include "log/server/log_service.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/internal/service_util.h"
#include "log/serving/checkpoint_hub.h"
#include "log/serving/origin.h"

namespace vitrine::server {

using internal::FinishUnary;
using internal::Method;

LogService::LogService(storage::Store* store, sequencer::Sequencer* sequencer,
                       VendorRegistry* registry, RateLimiter* limiter,
                       MetricsRegistry* metrics, ServiceLimits limits,
                       const WitnessedHead* witnessed, const DiskReserve* disk)
    : store_(store),
      sequencer_(sequencer),
      registry_(registry),
      limiter_(limiter),
      limits_(limits),
      witnessed_(witnessed),
      disk_(disk),
      metrics_(std::make_unique<internal::RpcMetrics>(metrics)),
      verify_budget_(std::make_unique<PeerBudget>(limits.verify_budget)),
      verify_failures_(metrics->GetCounter(
          "vitrine_add_verify_failures_total",
          "Statement signatures by registered keys that failed to verify.")),
      budget_refusals_(metrics->GetCounter(
          "vitrine_add_budget_refusals_total",
          "Statements refused unverified: their peer's budget of failed "
          "verifications was spent.")),
      disk_refusals_(metrics->GetCounter(
          "vitrine_add_disk_refusals_total",
          "Add calls refused because the data disk's free-space reserve "
          "was reached.")),
      hub_(std::make_shared<serving::CheckpointHub>(
          serving::WatchLimits{limits.max_watch_streams,
                               limits.max_watch_streams_per_connection},
          "the log",
          &metrics->GetGauge("vitrine_watch_streams",
                             "WatchCheckpoints streams open."))),
      executor_(limits.completion_threads) {
  // The watcher holds the hub, not the service: the sequencer may call it
  // after the service is gone, and then finds no subscriber.
  sequencer_->Watch(
      [hub = hub_](std::shared_ptr<const sequencer::PublishedState> state) {
        hub->Publish(internal::CheckpointMessage(*state));
      });
}

LogService::~LogService() { Shutdown(); }

void LogService::Shutdown() {
  // Reads see the flag; a Watch that subscribed before Close is ended by
  // it, and one after is refused by Subscribe.
  shutting_down_.store(true, std::memory_order_release);
  hub_->Close();
}

size_t LogService::watch_streams() const { return hub_->size(); }

bool LogService::RefusedWhileShuttingDown(grpc::ServerUnaryReactor* reactor,
                                          Method method) {
  if (!shutting_down_.load(std::memory_order_acquire)) return false;
  FinishUnary(reactor, *metrics_, method,
              absl::UnavailableError("the log is shutting down; retry "
                                     "after it restarts"));
  return true;
}

grpc::ServerUnaryReactor* LogService::GetCheckpoint(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetCheckpointRequest* request,
    vitrine::v1::GetCheckpointResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetCheckpoint)) return reactor;
  std::shared_ptr<const sequencer::PublishedState> state = sequencer_->Published();
  // Another log's name: NOT_FOUND, as a server of several logs answers it.
  if (absl::Status mine = serving::CheckOrigin(request->origin(),
                                               state->checkpoint.origin);
      !mine.ok()) {
    FinishUnary(reactor, *metrics_, Method::kGetCheckpoint, mine);
    return reactor;
  }
  if (request->witnessed()) {
    absl::StatusOr<std::shared_ptr<const sequencer::PublishedState>> witnessed =
        internal::WitnessedState(witnessed_);
    if (!witnessed.ok()) {
      FinishUnary(reactor, *metrics_, Method::kGetCheckpoint,
                  witnessed.status());
      return reactor;
    }
    state = *std::move(witnessed);
  } else {
    if (request->at_most_size() != 0 && request->at_most_size() < state->checkpoint.size) {
      absl::StatusOr<std::optional<storage::StoredCheckpoint>> stored =
          store_->CheckpointAtMost(request->at_most_size());
      absl::Status status = stored.status();
      if (status.ok() && !stored->has_value()) {
        status = absl::NotFoundError(absl::StrCat("no checkpoint at or below size ",
                                                  request->at_most_size()));
      }
      if (!status.ok()) {
        FinishUnary(reactor, *metrics_, Method::kGetCheckpoint, status);
        return reactor;
      }
      vitrine::v1::Checkpoint* checkpoint = response->mutable_checkpoint();
      checkpoint->set_note((*stored)->signed_note);
      checkpoint->set_size((*stored)->size);
      FinishUnary(reactor, *metrics_, Method::kGetCheckpoint, absl::OkStatus());
      return reactor;
    }
  }
  vitrine::v1::Checkpoint* checkpoint = response->mutable_checkpoint();
  checkpoint->set_note(state->signed_note);
  checkpoint->set_size(state->checkpoint.size);
  FinishUnary(reactor, *metrics_, Method::kGetCheckpoint, absl::OkStatus());
  return reactor;
}

}  // namespace vitrine::server
