// The WatchCheckpoints stream (watch_stream.h), moved from vitrine-log's
// service so that the monitor's mirror streams with the same code.
//
// Safety notes for the callback API (grpcpp/impl/codegen/
// server_callback_handlers.h in gRPC 1.51): StartWrite and Finish never run
// a reaction inline, and OnDone runs only after every other reaction
// (OnWriteDone, OnCancel) has returned. So a reactor may call them while
// holding its own lock, and may delete itself in OnDone.
#include "log/serving/watch_stream.h"

#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"

namespace vitrine::serving {
namespace {

// Sends the newest checkpoint larger than anything sent (or after_size),
// one write at a time; checkpoints published while a write is in flight
// replace each other, so a slow client gets the latest, not a backlog.
//
// The stream ends for one of four reasons, whichever comes first: the
// client cancels (OnCancel), a write fails (OnWriteDone(false)), the hub
// closes (OnHubClosed), or Subscribe refuses it in Start. Each marks the
// stream ending; the Finish itself waits for a write in flight, and is
// called exactly once, by whichever path finds the stream ending and no
// write in flight (`finished_` guards it). The hub is left before Finish
// (not in OnDone), so that the stream's slot is free once the client
// sees its status, and the published state it held is dropped at once.
class WatchReactor final : public grpc::ServerWriteReactor<vitrine::v1::Checkpoint>,
                           public CheckpointSubscriber {
 public:
  WatchReactor(std::shared_ptr<CheckpointHub> hub, uint64_t after_size,
               absl::string_view who,
               std::function<void(const grpc::Status&)> on_done)
      : hub_(std::move(hub)),
        who_(who),
        on_done_(std::move(on_done)),
        sent_size_(after_size) {}

  // Subscribes for connection `peer`, then offers `latest`: in this order,
  // a state published in between is offered twice (harmless), never
  // missed. A refused subscription ends the stream with its status.
  void Start(absl::string_view peer,
             std::shared_ptr<const vitrine::v1::Checkpoint> latest) {
    const absl::Status subscribed = hub_->Subscribe(this, peer);
    if (!subscribed.ok()) {
      {
        absl::MutexLock lock(&mu_);
        MarkEndingLocked(ToGrpcStatus(subscribed));
      }
      FinishIfIdle(/*unsubscribe=*/false);
      return;
    }
    if (latest != nullptr) OnCheckpoint(std::move(latest));
  }

  void OnCheckpoint(
      std::shared_ptr<const vitrine::v1::Checkpoint> checkpoint) override {
    absl::MutexLock lock(&mu_);
    if (ending_ || checkpoint->size() <= sent_size_) return;
    if (pending_ != nullptr && checkpoint->size() <= pending_->size()) return;
    pending_ = std::move(checkpoint);
    MaybeWriteLocked();
  }

  // Called with the hub's lock held; the hub already dropped us.
  void OnHubClosed() override {
    {
      absl::MutexLock lock(&mu_);
      MarkEndingLocked(grpc::Status(
          grpc::StatusCode::UNAVAILABLE,
          absl::StrCat(who_, " is shutting down; reconnect with after_size")));
    }
    FinishIfIdle(/*unsubscribe=*/false);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      in_flight_.reset();
      if (!ok) {
        // The client went away (or the call was cancelled): gRPC still
        // wants a Finish, which it drops.
        MarkEndingLocked(grpc::Status::CANCELLED);
      }
      if (!ending_) {
        MaybeWriteLocked();
        return;
      }
    }
    FinishIfIdle(/*unsubscribe=*/true);
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      MarkEndingLocked(grpc::Status::CANCELLED);
    }
    FinishIfIdle(/*unsubscribe=*/true);
  }

  void OnDone() override {
    // Normally a no-op: every end leaves the hub before Finish. Kept so
    // that no path can leave a deleted subscriber behind; a publication in
    // progress holds the hub's lock, so this waits for it to finish.
    hub_->Unsubscribe(this);
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      status = final_status_;
    }
    if (on_done_) on_done_(status);
    delete this;
  }

 private:
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || pending_ == nullptr) return;
    // The message is shared with every other stream: held, not copied,
    // until its write is done.
    in_flight_ = std::move(pending_);
    sent_size_ = in_flight_->size();
    writing_ = true;
    StartWrite(in_flight_.get());
  }

  // Records why the stream ends; the first reason wins.
  void MarkEndingLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ending_) return;
    ending_ = true;
    pending_.reset();
    final_status_ = std::move(status);
  }

  // Finishes the stream if it is ending, has no write in flight and was
  // not finished yet; first leaves the hub when `unsubscribe` (never from
  // OnHubClosed, which runs under the hub's lock). Called without mu_.
  void FinishIfIdle(bool unsubscribe) ABSL_LOCKS_EXCLUDED(mu_) {
    if (unsubscribe) hub_->Unsubscribe(this);
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!ending_ || writing_ || finished_) return;
      finished_ = true;
      status = final_status_;
    }
    Finish(std::move(status));
  }

  const std::shared_ptr<CheckpointHub> hub_;
  const std::string who_;
  const std::function<void(const grpc::Status&)> on_done_;
  absl::Mutex mu_;
  uint64_t sent_size_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const vitrine::v1::Checkpoint> pending_ ABSL_GUARDED_BY(mu_);
  // The write in flight; set while writing_.
  std::shared_ptr<const vitrine::v1::Checkpoint> in_flight_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* StreamCheckpoints(
    std::shared_ptr<CheckpointHub> hub, absl::string_view peer,
    uint64_t after_size, std::shared_ptr<const vitrine::v1::Checkpoint> latest,
    absl::string_view who, std::function<void(const grpc::Status&)> on_done) {
  auto* reactor =
      new WatchReactor(std::move(hub), after_size, who, std::move(on_done));
  reactor->Start(peer, std::move(latest));
  return reactor;
}

grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* RefuseCheckpoints(
    const absl::Status& status,
    std::function<void(const grpc::Status&)> on_done) {
  // A stream that ends before its first message: Finish is its only call.
  class Refused final : public grpc::ServerWriteReactor<vitrine::v1::Checkpoint> {
   public:
    Refused(grpc::Status status, std::function<void(const grpc::Status&)> on_done)
        : status_(std::move(status)), on_done_(std::move(on_done)) {
      Finish(status_);
    }
    void OnDone() override {
      if (on_done_) on_done_(status_);
      delete this;
    }

   private:
    const grpc::Status status_;
    const std::function<void(const grpc::Status&)> on_done_;
  };
  return new Refused(ToGrpcStatus(status), std::move(on_done));
}

}  // namespace vitrine::serving
