#include "log/server/internal/checkpoint_hub.h"

#include <utility>

namespace vitrine::server::internal {

bool CheckpointHub::Subscribe(CheckpointSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  subscribers_.insert(subscriber);
  return true;
}

void CheckpointHub::Unsubscribe(CheckpointSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscriber);
}

void CheckpointHub::Publish(
    std::shared_ptr<const sequencer::PublishedState> state) {
  absl::MutexLock lock(&mu_);
  for (CheckpointSubscriber* subscriber : subscribers_) {
    subscriber->OnCheckpoint(state);
  }
}

void CheckpointHub::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  closed_ = true;
  for (CheckpointSubscriber* subscriber : subscribers_) {
    subscriber->OnHubClosed();
  }
  subscribers_.clear();
}

}  // namespace vitrine::server::internal
