#include "monitor/follow/follower.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log_escape.h"
#include "common/status_macros.h"
#include "log/note/checkpoint.h"
#include "monitor/follow/internal/log_connection.h"

namespace vitrine::monitor {

using vitrine::v1::Evidence;

absl::StatusOr<std::unique_ptr<Follower>> Follower::Create(
    FollowerOptions options, VerifiedCopy* copy, Alarm* alarm,
    OnVerified on_verified) {
  if (copy == nullptr || alarm == nullptr) {
    return absl::InvalidArgumentError("follower: a copy and an alarm are needed");
  }
  if (options.log_vkey != copy->log_vkey()) {
    return absl::InvalidArgumentError(
        "follower: the log key is not the one of the verified copy");
  }
  if (options.entries_per_fetch == 0 || options.max_pending_entries == 0) {
    return absl::InvalidArgumentError(
        "follower: entries_per_fetch and max_pending_entries must be positive");
  }
  // The log's GetEntries limit (log.proto).
  options.entries_per_fetch = std::min<uint64_t>(options.entries_per_fetch, 10000);
  if (options.poll_interval <= absl::ZeroDuration() ||
      options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "follower: poll_interval and deadline must be positive");
  }
  VITRINE_ASSIGN_OR_RETURN(
      std::unique_ptr<StatementChecker> checker,
      StatementChecker::Open(
          {.vendors = options.vendor_keys_file,
           .rebuilders = options.rebuilder_keys_file,
           .rebuilders_optional = options.rebuilder_keys_optional},
          {.check_vendor_signatures = options.check_vendor_signatures,
           .threads = options.check_threads}));
  std::unique_ptr<VendorWatch> watch;
  if (!options.watched_vendors.empty()) {
    VITRINE_ASSIGN_OR_RETURN(
        watch, VendorWatch::Open(options.vendor_watch_file,
                                 options.watched_vendors, options.program));
  }
  VITRINE_ASSIGN_OR_RETURN(
      std::unique_ptr<internal::LogConnection> log,
      internal::LogConnection::Create(options.target, options.tls_root_certs,
                                      options.deadline));
  return std::unique_ptr<Follower>(
      new Follower(std::move(options), copy, alarm, std::move(on_verified),
                   std::move(checker), std::move(watch), std::move(log)));
}

Follower::Follower(FollowerOptions options, VerifiedCopy* copy, Alarm* alarm,
                   OnVerified on_verified,
                   std::unique_ptr<StatementChecker> checker,
                   std::unique_ptr<VendorWatch> watch,
                   std::unique_ptr<internal::LogConnection> log)
    : options_(std::move(options)),
      copy_(copy),
      alarm_(alarm),
      on_verified_(std::move(on_verified)),
      checker_(std::move(checker)),
      watch_(std::move(watch)),
      log_(std::move(log)) {
  stats_.verified_size = copy_->Latest()->checkpoint.size;
}

Follower::~Follower() { Stop(); }

void Follower::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Follower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  log_->CancelAll();
  if (thread_.joinable()) thread_.join();
}

bool Follower::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void Follower::Wait(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), duration);
}

absl::Status Follower::ReloadVendorKeys() { return checker_->Reload(); }

FollowerStats Follower::stats() const {
  FollowerStats stats;
  {
    absl::MutexLock lock(&mu_);
    stats = stats_;
  }
  if (watch_ != nullptr) stats.rebuild_mismatches = watch_->rebuild_mismatches();
  const absl::Status copy_failure = copy_->WriteFailure();
  if (!copy_failure.ok()) stats.copy_write_failure = copy_failure.ToString();
  return stats;
}

void Follower::Log(absl::string_view message) const {
  if (!options_.log_to_stderr) return;
  // Messages quote the log's own errors as received: escaped, so a log
  // cannot write lines that read as the monitor's (issue 11).
  std::fprintf(stderr, "%s: %s: %s\n", options_.program.c_str(), copy_->origin().c_str(),
               EscapeForLog(message, 1024).c_str());
}

void Follower::SetError(const absl::Status& status) {
  std::string error = status.ok() ? "" : status.ToString();
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    changed = stats_.last_error != error;
    stats_.last_error = error;
  }
  if (changed && !error.empty()) Log(error);
}

bool Follower::CheckHalted() {
  if (!alarm_->Halted(copy_->origin())) return false;
  absl::MutexLock lock(&mu_);
  stats_.halted = true;
  return true;
}

void Follower::Loop() {
  absl::Time next_watch = absl::InfinitePast();
  while (!stopping()) {
    if (CheckHalted()) {
      Wait(options_.poll_interval);
      continue;
    }
    if (options_.watch && absl::Now() >= next_watch) {
      const absl::Status ended = WatchOnce();
      if (stopping()) break;
      SetError(ended);
      next_watch = absl::Now() + options_.watch_retry_interval;
    }
    SetError(PollOnce());
    Wait(options_.poll_interval);
  }
}

absl::Status Follower::WatchOnce() {
  {
    absl::MutexLock lock(&mu_);
    stats_.watching = true;
  }
  const absl::Status ended = log_->Watch(
      copy_->Latest()->checkpoint.size, [this](const std::string& note) {
        absl::Status processed = Process(note);
        // A refused checkpoint does not end the stream: the next may be
        // fine. Anything else (evidence, an error fetching) goes back to
        // polling, which retries.
        if (absl::IsInvalidArgument(processed) ||
            absl::IsPermissionDenied(processed)) {
          SetError(processed);
          return absl::OkStatus();
        }
        if (processed.ok()) SetError(processed);
        return processed;
      });
  absl::MutexLock lock(&mu_);
  stats_.watching = false;
  return ended;
}

absl::Status Follower::RecoverCopy() {
  // Stop before fetching what could not be stored (a full disk would fail
  // the copy's commit half-way), and before recovering, which writes
  // (RocksDB flushes its memtables).
  if (options_.disk != nullptr) {
    VITRINE_RETURN_IF_ERROR(options_.disk->Check());
  }
  const bool was_failing = !copy_->WriteFailure().ok();
  VITRINE_RETURN_IF_ERROR(copy_->Recover());
  const std::shared_ptr<const VerifiedHead> head = copy_->Latest();
  if (was_failing) {
    Log(absl::StrCat("the verified copy takes writes again at size ",
                     head->checkpoint.size));
  }
  {
    absl::MutexLock lock(&mu_);
    if (head->checkpoint.size <= stats_.verified_size) return absl::OkStatus();
    stats_.verified_size = head->checkpoint.size;
    ++stats_.checkpoints_verified;
  }
  // Its statements were checked before that commit; their verdict counts
  // and vendor-watch lines went with the failed attempt (it cannot land
  // in-process with RocksDB, whose failed writes never reach its memtables).
  Log(absl::StrCat("the commit of size ", head->checkpoint.size,
                   " that had failed landed after all; verified"));
  if (on_verified_) on_verified_(head);
  return absl::OkStatus();
}

absl::Status Follower::PollOnce() {
  VITRINE_ASSIGN_OR_RETURN(std::string note, log_->GetCheckpoint());
  return Process(note);
}

absl::Status Follower::Process(const std::string& signed_note) {
  if (CheckHalted()) {
    return absl::FailedPreconditionError(
        "evidence exists for this log: following stopped");
  }
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(signed_note, copy_->origin(), copy_->log_keys());
  if (!opened.ok()) {
    {
      absl::MutexLock lock(&mu_);
      ++stats_.bad_checkpoint_signatures;
    }
    Log(absl::StrCat("refused a checkpoint from ", options_.target, ": ",
                     opened.status().message()));
    return opened.status();
  }
  const note::Checkpoint& theirs = opened->checkpoint;
  // A copy whose commit failed is asked to take writes again with every
  // checkpoint, so it recovers (and says so) even while the log does not
  // grow; recovering may move the head (the failed commit landed).
  const absl::Status writable = RecoverCopy();
  std::shared_ptr<const VerifiedHead> head = copy_->Latest();

  if (theirs.size > head->checkpoint.size) {
    VITRINE_RETURN_IF_ERROR(writable);  // nothing fetched that cannot be stored
    // Far behind: go through checkpoints the log signed on the way, each at
    // most max_pending_entries ahead, so a gap never sits whole in memory.
    while (theirs.size - head->checkpoint.size > options_.max_pending_entries) {
      VITRINE_ASSIGN_OR_RETURN(
          std::string step,
          log_->GetCheckpoint(head->checkpoint.size + options_.max_pending_entries));
      absl::StatusOr<note::VerifiedCheckpoint> step_opened =
          note::OpenCheckpoint(step, copy_->origin(), copy_->log_keys());
      // No signed size in the window (one huge batch), or a log that
      // ignores at_most_size: CatchUp refuses the gap as too large.
      if (!step_opened.ok() || step_opened->checkpoint.size <= head->checkpoint.size ||
          step_opened->checkpoint.size - head->checkpoint.size > options_.max_pending_entries) {
        break;
      }
      VITRINE_RETURN_IF_ERROR(Process(step));
      head = copy_->Latest();
    }
    return CatchUp(*head, *opened, signed_note);
  }
  const note::Checkpoint& ours = head->checkpoint;

  if (theirs.size == ours.size) {
    if (theirs.root != ours.root) {
      if (head->signed_note.empty()) {
        // No note of ours to pair it with: the empty tree's root is fixed.
        return absl::InvalidArgumentError(absl::StrCat(
            "a signed checkpoint of the empty tree with the root ",
            theirs.root.ToHex()));
      }
      return RaiseEvidence(NewEvidence(
          Evidence::SAME_SIZE_DIFFERENT_ROOTS, head->signed_note, signed_note,
          absl::StrCat("two checkpoints signed for size ", theirs.size,
                       " with the roots ", ours.root.ToHex(), " and ",
                       theirs.root.ToHex())));
    }
    if (head->signed_note.empty()) {
      // The log's empty tree: keep its note as the head.
      VITRINE_RETURN_IF_ERROR(copy_->Append(0, {}, *opened, signed_note));
      if (on_verified_) on_verified_(copy_->Latest());
    }
    return absl::OkStatus();
  }

  // Smaller than what the log showed before.
  VITRINE_ASSIGN_OR_RETURN(merkle::Hash mine, copy_->RootAt(theirs.size));
  if (mine != theirs.root) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                             copy_->ConsistencyProof(theirs.size, ours.size));
    Evidence evidence = NewEvidence(
        Evidence::INCONSISTENT, signed_note, head->signed_note,
        absl::StrCat("the checkpoint for size ", theirs.size, " has the root ",
                     theirs.root.ToHex(), "; the verified tree of size ",
                     ours.size, " has ", mine.ToHex(),
                     " at that size (proven by the consistency proof)"));
    evidence.set_prefix_root(std::string(mine.AsStringView()));
    for (const merkle::Hash& hash : proof) {
      evidence.add_consistency_proof(std::string(hash.AsStringView()));
    }
    return RaiseEvidence(std::move(evidence));
  }
  return RaiseEvidence(NewEvidence(
      Evidence::ROLLBACK, head->signed_note, signed_note,
      absl::StrCat("the log presented size ", theirs.size,
                   " as its latest after size ", ours.size)));
}

Evidence Follower::NewEvidence(Evidence::Kind kind, std::string first_note,
                               std::string second_note,
                               std::string explanation) const {
  Evidence evidence;
  evidence.set_kind(kind);
  evidence.set_origin(copy_->origin());
  evidence.set_log_verifier_key(copy_->log_vkey());
  evidence.set_first_note(std::move(first_note));
  evidence.set_second_note(std::move(second_note));
  evidence.set_observed_by(options_.monitor_name);
  evidence.set_observed_at(
      absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone()));
  evidence.set_source(options_.target);
  evidence.set_explanation(std::move(explanation));
  return evidence;
}

absl::Status Follower::RaiseEvidence(Evidence evidence) {
  const std::string what = absl::StrCat(
      Evidence::Kind_Name(evidence.kind()), ": ", evidence.explanation());
  {
    absl::MutexLock lock(&mu_);
    ++stats_.evidence_raised;
    stats_.halted = true;
  }
  absl::StatusOr<std::string> path = alarm_->Raise(std::move(evidence));
  Log(absl::StrCat("EVIDENCE ", what, path.ok() ? " -> " + *path : "",
                   path.ok() ? "" : absl::StrCat(" (not written: ",
                                                 path.status().message(), ")")));
  return absl::FailedPreconditionError(absl::StrCat("evidence raised: ", what));
}

}  // namespace vitrine::monitor
