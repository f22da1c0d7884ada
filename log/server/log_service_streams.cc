// The server-streaming RPCs: GetEntries and WatchCheckpoints. Each keeps
// exactly one write in flight; gRPC calls OnWriteDone when the client's
// flow control lets the next one go, so a slow client holds memory for one
// message, never for the whole range.
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

namespace vitrine::server {
namespace {

using internal::Method;
using internal::RpcMetrics;

// Entries read from the store per read: one entry tile's worth, so a read
// is one short sequential scan and a chunk is at most 4 MiB of statements.
constexpr uint64_t kEntriesPerRead = 256;

// Streams the leaves [next, end). Only one thread touches it at a time (the
// handler, then each OnWriteDone in turn), except `cancelled_`. There is
// always exactly one write in flight until the single Finish (or
// StartWriteAndFinish, which has no OnWriteDone), so every end - the last
// entry, a cancel, a failed write, a store error, shutdown - goes through
// OnWriteDone or WriteNext, and each calls End at most once.
class EntriesReactor final : public grpc::ServerWriteReactor<vitrine::v1::Entry> {
 public:
  // `shutting_down` is the service's flag; it outlives the stream (the
  // service outlives the gRPC server).
  EntriesReactor(const storage::Store* store, RpcMetrics* metrics,
                 const std::atomic<bool>* shutting_down, uint64_t start,
                 uint64_t end)
      : store_(store),
        metrics_(metrics),
        shutting_down_(shutting_down),
        next_(start),
        end_(end) {}

  // Starts the stream, or ends it at once with `status` when not OK.
  void Start(const absl::Status& status) {
    if (!status.ok()) {
      End(ToGrpcStatus(status));
      return;
    }
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok || cancelled_.load(std::memory_order_acquire)) {
      // The client went away: gRPC still wants a Finish, which it drops.
      End(grpc::Status::CANCELLED);
      return;
    }
    if (shutting_down_->load(std::memory_order_acquire)) {
      End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       absl::StrCat("the log is shutting down; resume with "
                                    "start ", next_)));
      return;
    }
    WriteNext();
  }

  void OnCancel() override { cancelled_.store(true, std::memory_order_release); }

  void OnDone() override {
    metrics_->RecordRpc(Method::kGetEntries, final_status_);
    delete this;
  }

 private:
  void WriteNext() {
    if (next_ == end_) {
      End(grpc::Status::OK);  // the empty range
      return;
    }
    if (chunk_pos_ == chunk_.size()) {
      const uint64_t chunk_end = std::min(end_, next_ + kEntriesPerRead);
      absl::StatusOr<std::vector<std::string>> chunk =
          store_->GetEntries(next_, chunk_end);
      if (!chunk.ok()) {
        End(ToGrpcStatus(chunk.status()));
        return;
      }
      chunk_ = *std::move(chunk);
      chunk_pos_ = 0;
    }
    entry_.set_index(next_);
    entry_.set_leaf(std::move(chunk_[chunk_pos_++]));
    ++next_;
    if (next_ == end_) {
      // The last entry and the status in one batch.
      final_status_ = grpc::Status::OK;
      StartWriteAndFinish(&entry_, grpc::WriteOptions(), grpc::Status::OK);
    } else {
      StartWrite(&entry_);
    }
  }

  void End(grpc::Status status) {
    final_status_ = status;
    Finish(std::move(status));
  }

  const storage::Store* const store_;
  RpcMetrics* const metrics_;
  const std::atomic<bool>* const shutting_down_;
  uint64_t next_;
  const uint64_t end_;
  std::vector<std::string> chunk_;
  size_t chunk_pos_ = 0;
  vitrine::v1::Entry entry_;  // the write in flight
  grpc::Status final_status_;
  std::atomic<bool> cancelled_{false};
};

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
  const uint64_t size = sequencer_->Published()->checkpoint.size;
  absl::Status valid;
  if (shutting_down_.load(std::memory_order_acquire)) {
    valid = absl::UnavailableError(
        "the log is shutting down; retry after it restarts");
  } else if (start > end) {
    valid = absl::InvalidArgumentError(
        absl::StrCat("start ", start, " is after end ", end));
  } else if (end - start > limits_.max_entries_per_call) {
    valid = absl::InvalidArgumentError(absl::StrCat(
        "at most ", limits_.max_entries_per_call, " entries per call, not ",
        end - start, "; ask for [", start, ", ",
        start + limits_.max_entries_per_call, ") first"));
  } else if (end > size) {
    valid = absl::OutOfRangeError(absl::StrCat(
        "end ", end, " is beyond the log's size ", size));
  }
  auto* reactor = new EntriesReactor(store_, metrics_.get(),
                                     &shutting_down_, start, end);
  reactor->Start(valid);
  return reactor;
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
