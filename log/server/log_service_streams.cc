// The server-streaming RPCs: GetEntries (log/serving/entries_stream.h,
// shared with the monitor's verified copies) and WatchCheckpoints. Each
// keeps exactly one write in flight; gRPC calls OnWriteDone when the
// client's flow control lets the next one go, so a slow client holds memory
// for one message, never for the whole range.
//
// Safety notes for the callback API (grpcpp/impl/codegen/
// server_callback_handlers.h in gRPC 1.51): StartWrite and Finish never run
// a reaction inline, and OnDone runs only after every other reaction
// (OnWriteDone, OnCancel) has returned. So a reactor may call them while
// holding its own lock, and may delete itself in OnDone.
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "log/server/internal/checkpoint_hub.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/log_service.h"
#include "log/serving/entries_stream.h"
#include "log/serving/origin.h"

namespace vitrine::server {
namespace {

using internal::Method;
using internal::RpcMetrics;

// Sends the newest checkpoint larger than anything sent (or after_size),
// one write at a time; states published while a write is in flight replace
// each other, so a slow client gets the latest, not a backlog.
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
                           public internal::CheckpointSubscriber {
 public:
  WatchReactor(std::shared_ptr<internal::CheckpointHub> hub,
               RpcMetrics* metrics, uint64_t after_size)
      : hub_(std::move(hub)), metrics_(metrics), sent_size_(after_size) {}

  // Subscribes for connection `peer`, then offers `latest`: in this order,
  // a state published in between is offered twice (harmless), never
  // missed. A refused subscription ends the stream with its status.
  void Start(absl::string_view peer,
             std::shared_ptr<const sequencer::PublishedState> latest) {
    const absl::Status subscribed = hub_->Subscribe(this, peer);
    if (!subscribed.ok()) {
      {
        absl::MutexLock lock(&mu_);
        MarkEndingLocked(ToGrpcStatus(subscribed));
      }
      FinishIfIdle(/*unsubscribe=*/false);
      return;
    }
    OnCheckpoint(std::move(latest));
  }

  void OnCheckpoint(
      std::shared_ptr<const sequencer::PublishedState> state) override {
    absl::MutexLock lock(&mu_);
    if (ending_ || state->checkpoint.size <= sent_size_) return;
    if (pending_ != nullptr &&
        state->checkpoint.size <= pending_->checkpoint.size) {
      return;
    }
    pending_ = std::move(state);
    MaybeWriteLocked();
  }

  // Called with the hub's lock held; the hub already dropped us.
  void OnHubClosed() override {
    {
      absl::MutexLock lock(&mu_);
      MarkEndingLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "the log is shutting down; reconnect "
                                    "with after_size"));
    }
    FinishIfIdle(/*unsubscribe=*/false);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
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
    metrics_->RecordRpc(Method::kWatchCheckpoints, status);
    delete this;
  }

 private:
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || pending_ == nullptr) return;
    out_.set_note(pending_->signed_note);
    out_.set_size(pending_->checkpoint.size);
    sent_size_ = pending_->checkpoint.size;
    pending_.reset();
    writing_ = true;
    StartWrite(&out_);
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
      out_.Clear();
    }
    Finish(std::move(status));
  }

  const std::shared_ptr<internal::CheckpointHub> hub_;
  RpcMetrics* const metrics_;
  absl::Mutex mu_;
  uint64_t sent_size_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const sequencer::PublishedState> pending_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  vitrine::v1::Checkpoint out_;  // the write in flight
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

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
  auto* reactor =
      new WatchReactor(hub_, metrics_.get(), request->after_size());
  reactor->Start(context->peer(), sequencer_->Published());
  return reactor;
}

}  // namespace vitrine::server
