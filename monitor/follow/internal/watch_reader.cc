#include "monitor/follow/internal/watch_reader.h"

#include <utility>

namespace vitrine::monitor::internal {

WatchReader::WatchReader(vitrine::v1::Log::Stub& stub,
                         grpc::ClientContext& context, uint64_t after_size) {
  request_.set_after_size(after_size);
  stub.async()->WatchCheckpoints(&context, &request_, this);
  // Next starts reads from outside gRPC's reactions: without a hold, gRPC
  // may finish the call (OnDone) between a read's completion and the next
  // StartRead, and a read started on a finished call aborts the process.
  AddHold();
  StartRead(&reading_);
  StartCall();
}

void WatchReader::ReleaseHold() {
  if (!held_) return;
  held_ = false;
  RemoveHold();
}

bool WatchReader::Next(std::string& note) {
  bool reads_over = false;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](WatchReader* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->ready_.has_value() || self->reads_ended_;
        },
        this));
    if (ready_.has_value()) {
      note = *std::move(ready_);
      ready_.reset();
    } else {
      reads_over = true;
    }
  }
  if (reads_over) {
    ReleaseHold();
    return false;
  }
  // The previous read is complete (its note was taken): start the next.
  StartRead(&reading_);
  return true;
}

grpc::Status WatchReader::Finish() {
  ReleaseHold();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&done_));
  return status_;
}

void WatchReader::OnReadDone(bool ok) {
  absl::MutexLock lock(&mu_);
  if (ok) {
    ready_ = std::move(*reading_.mutable_note());
  } else {
    reads_ended_ = true;
  }
}

void WatchReader::OnDone(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  status_ = status;
  done_ = true;
}

}  // namespace vitrine::monitor::internal
