// The latest witnessed checkpoint, published by the witness pusher
// (witness_pusher.h) and read by the Log service (GetCheckpoint and
// GetBundle with witnessed = true) and the HTTP /checkpoint: an atomic
// snapshot, as sequencer::PublishedState is for the log's latest state, so
// readers never wait for the pusher.
//
//   WitnessedHead head;
//   head.Publish(std::make_shared<const sequencer::PublishedState>(
//       sequencer::PublishedState{checkpoint, cosigned_note}));
//   std::shared_ptr<const sequencer::PublishedState> w = head.Latest();
//   if (w == nullptr) ... // nothing witnessed yet
//
// The snapshot's signed_note is the log's checkpoint note with the
// witnesses' cosignature lines appended (a quorum of them).
//
// Thread-safety: thread-safe; Latest never blocks on Publish.
#ifndef VITRINE_LOG_SERVER_WITNESSED_HEAD_H_
#define VITRINE_LOG_SERVER_WITNESSED_HEAD_H_

#include <atomic>
#include <memory>

#include "log/sequencer/sequencer.h"

namespace vitrine::server {

class WitnessedHead {
 public:
  // Makes `state` the latest witnessed checkpoint. The caller (one pusher)
  // never publishes a smaller one.
  void Publish(std::shared_ptr<const sequencer::PublishedState> state) {
    std::atomic_store(&latest_, std::move(state));
  }
  // The latest witnessed checkpoint, or nullptr while there is none.
  std::shared_ptr<const sequencer::PublishedState> Latest() const {
    return std::atomic_load(&latest_);
  }

 private:
  // Read and replaced only through std::atomic_load/std::atomic_store.
  std::shared_ptr<const sequencer::PublishedState> latest_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_WITNESSED_HEAD_H_
