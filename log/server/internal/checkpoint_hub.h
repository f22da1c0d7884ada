// The subscription list between the sequencer and WatchCheckpoints streams.
// The sequencer cannot forget a watcher (Sequencer::Watch has no
// unregister), so the service registers ONE watcher that forwards to this
// hub, shared by the service and that watcher: streams come and go by
// subscribing here, and a stream that ended can never be called, because
// unsubscribing waits for a publication in progress (both hold the lock).
//
//   auto hub = std::make_shared<CheckpointHub>();
//   sequencer->Watch([hub](auto state) { hub->Publish(std::move(state)); });
//   hub->Subscribe(reactor);   // ... reactor->OnCheckpoint(state) ...
//   hub->Unsubscribe(reactor); // in the reactor's OnDone, before delete
//
// Thread-safety: thread-safe. Subscribers are called with the hub's lock
// held, so they must not block or call back into the hub.
#ifndef VITRINE_LOG_SERVER_INTERNAL_CHECKPOINT_HUB_H_
#define VITRINE_LOG_SERVER_INTERNAL_CHECKPOINT_HUB_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "log/sequencer/sequencer.h"

namespace vitrine::server::internal {

class CheckpointSubscriber {
 public:
  virtual ~CheckpointSubscriber() = default;
  // A new state was published. Must not block.
  virtual void OnCheckpoint(
      std::shared_ptr<const sequencer::PublishedState> state) = 0;
  // The hub closed (the service shuts down): end the stream. Must not block.
  virtual void OnHubClosed() = 0;
};

class CheckpointHub {
 public:
  // Adds `subscriber`; false (and nothing added) once the hub is closed.
  bool Subscribe(CheckpointSubscriber* subscriber);
  // Removes `subscriber` (a no-op when absent); after it returns the hub
  // never calls it again.
  void Unsubscribe(CheckpointSubscriber* subscriber);
  // Calls OnCheckpoint of every subscriber.
  void Publish(std::shared_ptr<const sequencer::PublishedState> state);
  // Calls OnHubClosed of every subscriber, drops them all and refuses new
  // ones. Idempotent.
  void Close();

 private:
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<CheckpointSubscriber*> subscribers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_CHECKPOINT_HUB_H_
