#include "rebuilder/submitter.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_escape.h"
#include "common/status_macros.h"

namespace vitrine::rebuilder {

absl::StatusOr<std::unique_ptr<Submitter>> Submitter::Create(SubmitterOptions options,
                                                             ProgressStore* store,
                                                             AddFunction add) {
  if (options.batch_size == 0 || store == nullptr || add == nullptr) {
    return absl::InvalidArgumentError("submitter: a batch size, a store and an Add are needed");
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<PendingStatement> pending, store->Pending());
  return std::unique_ptr<Submitter>(
      new Submitter(std::move(options), store, std::move(add), std::move(pending)));
}

Submitter::Submitter(SubmitterOptions options, ProgressStore* store, AddFunction add,
                     std::vector<PendingStatement> pending)
    : options_(std::move(options)), store_(store), add_(std::move(add)) {
  absl::MutexLock lock(&mu_);
  backoff_ = options_.retry_min;
  oldest_fresh_ = absl::Now();
  fresh_ = pending.size();
  for (PendingStatement& statement : pending) {
    waiting_[statement.index] = std::move(statement.note);
  }
  stats_.pending = waiting_.size();
}

Submitter::~Submitter() { Stop(false); }

void Submitter::Start() { thread_ = std::thread([this] { Loop(); }); }

void Submitter::Enqueue(PendingStatement statement) {
  absl::MutexLock lock(&mu_);
  if (fresh_++ == 0) oldest_fresh_ = absl::Now();
  waiting_[statement.index] = std::move(statement.note);
  stats_.pending = waiting_.size();
  changed_.SignalAll();
}

bool Submitter::WaitForRoom(size_t limit, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock lock(&mu_);
  while (!stopping_ && waiting_.size() >= limit) {
    if (changed_.WaitWithDeadline(&mu_, deadline)) break;
  }
  return !stopping_ && waiting_.size() < limit;
}

SubmitterStats Submitter::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void Submitter::SetError(const std::string& error) {
  if (options_.log_to_stderr && !error.empty() && error != stats_.last_error) {
    std::fprintf(stderr, "vitrine-rebuilder: submit: %s\n", EscapeForLog(error, 1024).c_str());
  }
  stats_.last_error = error;
}

std::vector<PendingStatement> Submitter::TakeBatch() {
  std::vector<PendingStatement> batch;
  auto it = waiting_.lower_bound(next_start_);
  for (size_t taken = 0; taken < waiting_.size() && batch.size() < options_.batch_size; ++taken) {
    if (it == waiting_.end()) it = waiting_.begin();
    batch.push_back({it->first, it->second});
    ++it;
  }
  if (!batch.empty()) next_start_ = batch.back().index + 1;
  // What is left behind was queued before this batch went: it is due.
  fresh_ = 0;
  return batch;
}

absl::Status Submitter::Send(const std::vector<PendingStatement>& batch) {
  absl::MutexLock send_lock(&send_mu_);
  std::vector<std::string> notes;
  for (const PendingStatement& statement : batch) notes.push_back(statement.note);
  // Durable before anyone outside sees them (progress_store.h).
  absl::Status trouble = store_->Sync();
  absl::StatusOr<std::vector<client::AddOutcome>> outcomes =
      trouble.ok() ? add_(notes) : absl::StatusOr<std::vector<client::AddOutcome>>(trouble);
  std::vector<std::string> lines;
  absl::MutexLock lock(&mu_);
  ++stats_.batches;
  if (!outcomes.ok()) {
    ++stats_.failed_calls;
    trouble = outcomes.status();
  } else {
    for (size_t i = 0; i < batch.size() && i < outcomes->size(); ++i) {
      const client::AddOutcome& outcome = (*outcomes)[i];
      const uint64_t index = batch[i].index;
      if (!outcome.bundle.ok()) {
        ++stats_.refused;
        if (trouble.ok()) {
          trouble = absl::Status(outcome.bundle.status().code(),
                                 absl::StrCat("release ", index, " refused: ",
                                              outcome.bundle.status().message()));
        }
        continue;
      }
      const uint64_t leaf = outcome.bundle->leaf_index();
      if (absl::Status marked = store_->MarkDone(index, batch[i].note, leaf); !marked.ok()) {
        if (trouble.ok()) trouble = marked;
        continue;
      }
      ++(outcome.duplicate ? stats_.logged_duplicate : stats_.logged_new);
      waiting_.erase(index);
      lines.push_back(absl::StrCat("vitrine-rebuilder: logged release ", index,
                                   "'s rebuild statement at leaf ", leaf,
                                   outcome.duplicate ? " (already logged)\n" : "\n"));
    }
  }
  stats_.pending = waiting_.size();
  if (trouble.ok()) {
    backoff_ = options_.retry_min;
    retry_at_ = absl::InfinitePast();
  } else {
    retry_at_ = absl::Now() + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.retry_max);
  }
  SetError(trouble.ok() ? "" : trouble.ToString());
  if (options_.log_to_stderr) {
    for (const std::string& line : lines) std::fputs(line.c_str(), stderr);
  }
  changed_.SignalAll();
  return trouble;
}

void Submitter::Loop() {
  while (true) {
    std::vector<PendingStatement> batch;
    {
      absl::MutexLock lock(&mu_);
      while (!stopping_) {
        const absl::Time now = absl::Now();
        absl::Time due = absl::InfiniteFuture();
        if (!waiting_.empty()) {
          // A full batch goes now; statements left from earlier batches
          // (retries, overflow) go when the back-off allows; newly queued
          // ones wait up to batch_delay for company.
          due = waiting_.size() >= options_.batch_size || fresh_ == 0
                    ? now
                    : oldest_fresh_ + options_.batch_delay;
          due = std::max(due, retry_at_);
        }
        if (due <= now) break;
        changed_.WaitWithDeadline(&mu_, due);
      }
      if (stopping_) return;
      batch = TakeBatch();
    }
    Send(batch).IgnoreError();  // kept in stats and logged
  }
}

absl::Status Submitter::Flush() {
  std::vector<std::vector<PendingStatement>> batches;
  {
    absl::MutexLock lock(&mu_);
    next_start_ = 0;
    for (size_t sent = 0; sent < waiting_.size();) {
      batches.push_back(TakeBatch());
      sent += batches.back().size();
    }
  }
  absl::Status first;
  for (const std::vector<PendingStatement>& batch : batches) {
    absl::Status sent = Send(batch);
    if (first.ok()) first = sent;
  }
  return first;
}

void Submitter::Stop(bool flush) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    changed_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  bool send = false;
  {
    absl::MutexLock lock(&mu_);
    send = flush && stats_.last_error.empty() && !waiting_.empty();
  }
  if (send) Flush().IgnoreError();
}

}  // namespace vitrine::rebuilder
