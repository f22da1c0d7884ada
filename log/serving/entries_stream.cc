// The reactor behind StreamEntries. Safety notes for the callback API
// (grpcpp/impl/codegen/server_callback_handlers.h in gRPC 1.51): StartWrite
// and Finish never run a reaction inline, and OnDone runs only after every
// other reaction (OnWriteDone, OnCancel) has returned, so the reactor may
// delete itself in OnDone.
#include "log/serving/entries_stream.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace vitrine::serving {
namespace {

// Streams the leaves [next, end). Only one thread touches it at a time (the
// caller of Start, then each OnWriteDone in turn), except `cancelled_`.
// There is always exactly one write in flight until the single Finish (or
// StartWriteAndFinish, which has no OnWriteDone), so every end - the last
// entry, a cancel, a failed write, a store error, shutdown - goes through
// OnWriteDone or WriteNext, and each calls End at most once.
class EntriesReactor final
    : public grpc::ServerWriteReactor<vitrine::v1::Entry> {
 public:
  EntriesReactor(const EntriesSource& source, uint64_t start, uint64_t end)
      : source_(source), next_(start), end_(end) {}

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
    if (source_.stopping != nullptr &&
        source_.stopping->load(std::memory_order_acquire)) {
      End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       absl::StrCat(source_.who,
                                    " is shutting down; resume with start ",
                                    next_)));
      return;
    }
    WriteNext();
  }

  void OnCancel() override {
    cancelled_.store(true, std::memory_order_release);
  }

  void OnDone() override {
    if (source_.on_done) source_.on_done(final_status_);
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
          source_.store->GetEntries(next_, chunk_end);
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

  const EntriesSource source_;  // a copy: the caller's may be a temporary
  uint64_t next_;
  const uint64_t end_;
  std::vector<std::string> chunk_;
  size_t chunk_pos_ = 0;
  vitrine::v1::Entry entry_;  // the write in flight
  grpc::Status final_status_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

absl::Status CheckEntriesRange(uint64_t start, uint64_t end, uint64_t size,
                               uint64_t max_per_call,
                               absl::string_view size_name) {
  if (start > end) {
    return absl::InvalidArgumentError(
        absl::StrCat("start ", start, " is after end ", end));
  }
  if (end - start > max_per_call) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at most ", max_per_call, " entries per call, not ", end - start,
        "; ask for [", start, ", ", start + max_per_call, ") first"));
  }
  if (end > size) {
    return absl::OutOfRangeError(
        absl::StrCat("end ", end, " is beyond ", size_name, " ", size));
  }
  return absl::OkStatus();
}

grpc::ServerWriteReactor<vitrine::v1::Entry>* StreamEntries(
    const EntriesSource& source, uint64_t start, uint64_t end,
    const absl::Status& valid) {
  auto* reactor = new EntriesReactor(source, start, end);
  reactor->Start(valid);
  return reactor;
}

}  // namespace vitrine::serving
