// The subscription list behind WatchCheckpoints streams (watch_stream.h),
// with the streams' caps, shared by vitrine-log (fed by its sequencer) and
// vitrine-monitor's mirror (fed by each verified copy). A publisher that
// cannot forget a watcher (Sequencer::Watch, VerifiedCopy::Watch have no
// unregister) registers ONE watcher that forwards to a hub it shares with
// the server: streams come and go by subscribing here, and a stream that
// ended can never be called, because unsubscribing waits for a publication
// in progress (both hold the lock).
//
//   auto hub = std::make_shared<CheckpointHub>(WatchLimits{}, "the log");
//   sequencer->Watch([hub](auto state) {
//     hub->Publish(std::make_shared<const vitrine::v1::Checkpoint>(...));
//   });
//   absl::Status added = hub->Subscribe(reactor, context->peer());
//   // ... reactor->OnCheckpoint(checkpoint) ...
//   hub->Unsubscribe(reactor);  // as soon as the stream ends, before Finish
//
// Each subscriber holds a slot of its connection (the gRPC peer string,
// "ipv4:127.0.0.1:40112", names one TCP connection) and of the total until
// it unsubscribes; Subscribe refuses beyond either cap, so that one client
// cannot hold every stream and all of them cannot exhaust the server.
// Checkpoints are published as shared, immutable messages: every stream
// writes the same one, and none copies a note.
//
// Thread-safety: thread-safe. Subscribers are called with the hub's lock
// held, so they must not block or call back into the hub.
#ifndef VITRINE_LOG_SERVING_CHECKPOINT_HUB_H_
#define VITRINE_LOG_SERVING_CHECKPOINT_HUB_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::serving {

class CheckpointSubscriber {
 public:
  virtual ~CheckpointSubscriber() = default;
  // A new checkpoint was published. Must not block.
  virtual void OnCheckpoint(
      std::shared_ptr<const vitrine::v1::Checkpoint> checkpoint) = 0;
  // The hub closed (the service shuts down) and already forgot this
  // subscriber: end the stream. Must not block nor call the hub.
  virtual void OnHubClosed() = 0;
};

struct WatchLimits {
  // Subscribers at once, all connections together: each holds a gRPC call
  // and at most one checkpoint, and every publication writes to each.
  size_t max_streams = 4096;
  // Subscribers at once on one connection (one gRPC peer string): one
  // stream sees every checkpoint, so a client needs one; 16 leave room for
  // a few components sharing a channel.
  size_t max_streams_per_connection = 16;
};

class CheckpointHub {
 public:
  // `who` names the server in refusals ("the log", "the monitor").
  // `streams` (may be null) is set to the number of subscribers; it must
  // outlive every call but Publish (the publisher's watcher may outlive the
  // service and its metrics, and only publishes).
  CheckpointHub(WatchLimits limits, std::string who, Gauge* streams = nullptr);

  // Adds `subscriber` for connection `peer`. Unavailable once the hub is
  // closed; ResourceExhausted naming the cap when `peer` or everyone
  // together already holds as many as allowed. Nothing is added on error.
  absl::Status Subscribe(CheckpointSubscriber* subscriber,
                         absl::string_view peer);
  // Removes `subscriber` and frees its slot (a no-op when absent); after it
  // returns the hub never calls it again.
  void Unsubscribe(CheckpointSubscriber* subscriber);
  // Calls OnCheckpoint of every subscriber.
  void Publish(std::shared_ptr<const vitrine::v1::Checkpoint> checkpoint);
  // Calls OnHubClosed of every subscriber, drops them all and refuses new
  // ones. Idempotent.
  void Close();

  // Returns the number of subscribers.
  size_t size() const;

 private:
  void RemoveLocked(CheckpointSubscriber* subscriber)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const WatchLimits limits_;
  const std::string who_;
  Gauge* const streams_;
  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Subscriber -> its connection; connection -> its subscribers.
  absl::flat_hash_map<CheckpointSubscriber*, std::string> subscribers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_CHECKPOINT_HUB_H_
