#include "log/serving/checkpoint_hub.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace vitrine::serving {

CheckpointHub::CheckpointHub(WatchLimits limits, std::string who,
                             Gauge* streams)
    : limits_(limits), who_(std::move(who)), streams_(streams) {}

absl::Status CheckpointHub::Subscribe(CheckpointSubscriber* subscriber,
                                      absl::string_view peer) {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return absl::UnavailableError(
        absl::StrCat(who_, " is shutting down; reconnect with after_size"));
  }
  if (subscribers_.size() >= limits_.max_streams) {
    return absl::ResourceExhaustedError(absl::StrCat(
        who_, " serves at most ", limits_.max_streams,
        " WatchCheckpoints streams at once (max_watch_streams); retry later"));
  }
  auto connection = per_connection_.find(peer);
  const size_t on_connection =
      connection == per_connection_.end() ? 0 : connection->second;
  if (on_connection >= limits_.max_streams_per_connection) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "at most ", limits_.max_streams_per_connection,
        " WatchCheckpoints streams per connection "
        "(max_watch_streams_per_connection); one stream sees every "
        "checkpoint"));
  }
  ++per_connection_[peer];
  subscribers_.emplace(subscriber, std::string(peer));
  if (streams_ != nullptr) streams_->Set(static_cast<double>(subscribers_.size()));
  return absl::OkStatus();
}

void CheckpointHub::Unsubscribe(CheckpointSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  RemoveLocked(subscriber);
}

void CheckpointHub::RemoveLocked(CheckpointSubscriber* subscriber) {
  auto it = subscribers_.find(subscriber);
  if (it == subscribers_.end()) return;
  auto connection = per_connection_.find(it->second);
  if (--connection->second == 0) per_connection_.erase(connection);
  subscribers_.erase(it);
  if (streams_ != nullptr) streams_->Set(static_cast<double>(subscribers_.size()));
}

void CheckpointHub::Publish(
    std::shared_ptr<const vitrine::v1::Checkpoint> checkpoint) {
  absl::MutexLock lock(&mu_);
  for (const auto& [subscriber, peer] : subscribers_) {
    subscriber->OnCheckpoint(checkpoint);
  }
}

void CheckpointHub::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  closed_ = true;
  for (const auto& [subscriber, peer] : subscribers_) {
    subscriber->OnHubClosed();
  }
  subscribers_.clear();
  per_connection_.clear();
  if (streams_ != nullptr) streams_->Set(0);
}

size_t CheckpointHub::size() const {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace vitrine::serving
