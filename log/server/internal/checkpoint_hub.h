// The subscription list between the sequencer and WatchCheckpoints streams,
// with the streams' caps. The sequencer cannot forget a watcher
// (Sequencer::Watch has no unregister), so the service registers ONE
// watcher that forwards to this hub, shared by the service and that
// watcher: streams come and go by subscribing here, and a stream that ended
// can never be called, because unsubscribing waits for a publication in
// progress (both hold the lock).
//
//   auto hub = std::make_shared<CheckpointHub>(WatchLimits{});
//   sequencer->Watch([hub](auto state) { hub->Publish(std::move(state)); });
//   absl::Status added = hub->Subscribe(reactor, context->peer());
//   // ... reactor->OnCheckpoint(state) ...
//   hub->Unsubscribe(reactor);  // as soon as the stream ends, before Finish
//
// Each subscriber holds a slot of its connection (the gRPC peer string,
// "ipv4:127.0.0.1:40112", names one TCP connection) and of the total until
// it unsubscribes; Subscribe refuses beyond either cap, so that one client
// cannot hold every stream and all of them cannot exhaust the server.
//
// Thread-safety: thread-safe. Subscribers are called with the hub's lock
// held, so they must not block or call back into the hub.
#ifndef VITRINE_LOG_SERVER_INTERNAL_CHECKPOINT_HUB_H_
#define VITRINE_LOG_SERVER_INTERNAL_CHECKPOINT_HUB_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "log/sequencer/sequencer.h"

namespace vitrine::server::internal {

class CheckpointSubscriber {
 public:
  virtual ~CheckpointSubscriber() = default;
  // A new state was published. Must not block.
  virtual void OnCheckpoint(
      std::shared_ptr<const sequencer::PublishedState> state) = 0;
  // The hub closed (the service shuts down) and already forgot this
  // subscriber: end the stream. Must not block nor call the hub.
  virtual void OnHubClosed() = 0;
};

struct WatchLimits {
  // Subscribers at once, all connections together.
  size_t max_streams = 4096;
  // Subscribers at once on one connection (one gRPC peer string).
  size_t max_streams_per_connection = 16;
};

class CheckpointHub {
 public:
  // `streams` (may be null) is set to the number of subscribers; it must
  // outlive every call but Publish (the sequencer's watcher may outlive the
  // service and its metrics, and only publishes).
  explicit CheckpointHub(WatchLimits limits, Gauge* streams = nullptr);

  // Adds `subscriber` for connection `peer`. Unavailable once the hub is
  // closed; ResourceExhausted naming the cap when `peer` or everyone
  // together already holds as many as allowed. Nothing is added on error.
  absl::Status Subscribe(CheckpointSubscriber* subscriber,
                         absl::string_view peer);
  // Removes `subscriber` and frees its slot (a no-op when absent); after it
  // returns the hub never calls it again.
  void Unsubscribe(CheckpointSubscriber* subscriber);
  // Calls OnCheckpoint of every subscriber.
  void Publish(std::shared_ptr<const sequencer::PublishedState> state);
  // Calls OnHubClosed of every subscriber, drops them all and refuses new
  // ones. Idempotent.
  void Close();

  // Returns the number of subscribers.
  size_t size() const;

 private:
  void RemoveLocked(CheckpointSubscriber* subscriber)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const WatchLimits limits_;
  Gauge* const streams_;
  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Subscriber -> its connection; connection -> its subscribers.
  absl::flat_hash_map<CheckpointSubscriber*, std::string> subscribers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_CHECKPOINT_HUB_H_
