#include "rebuilder/rebuild_worker.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log_escape.h"
#include "common/status_macros.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"

namespace vitrine::rebuilder {
namespace {

// How long one wait for the submitter's room lasts before Stop is checked.
constexpr absl::Duration kRoomPoll = absl::Milliseconds(100);

// "<vendor> <artifact> <version>", escaped for a log line.
std::string Describe(const note::Statement& release) {
  return EscapeForLog(absl::StrCat(release.vendor, " ", release.artifact, " ", release.version),
                      1024);
}

}  // namespace

RebuildWorker::RebuildWorker(RebuildWorkerOptions options, RebuildWorkerParts parts,
                             std::shared_ptr<const note::VendorKeys> vendor_keys)
    : options_(std::move(options)),
      parts_(parts),
      vendors_(options_.vendors.begin(), options_.vendors.end()),
      vendor_keys_(std::move(vendor_keys)) {}

RebuildWorker::~RebuildWorker() { Stop(); }

void RebuildWorker::Start() { thread_ = std::thread([this] { Loop(); }); }

void RebuildWorker::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

void RebuildWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  parts_.runner->Cancel();
  if (thread_.joinable()) thread_.join();
}

void RebuildWorker::set_vendor_keys(std::shared_ptr<const note::VendorKeys> keys) {
  absl::MutexLock lock(&mu_);
  vendor_keys_ = std::move(keys);
}

RebuildWorkerStats RebuildWorker::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

bool RebuildWorker::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void RebuildWorker::Log(const std::string& line) const {
  if (options_.log_to_stderr) std::fprintf(stderr, "vitrine-rebuilder: %s\n", line.c_str());
}

void RebuildWorker::SetError(const absl::Status& status) {
  const std::string error = status.ok() ? "" : status.ToString();
  absl::MutexLock lock(&mu_);
  if (!error.empty() && error != stats_.last_error) {
    Log(absl::StrCat("worker: ", EscapeForLog(error, 1024)));
  }
  stats_.last_error = error;
}

void RebuildWorker::Loop() {
  while (true) {
    const absl::Status caught_up = CatchUp();
    SetError(caught_up);
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // Caught up (or in trouble): wait for a new verified head, or retry.
    auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || notified_; };
    mu_.AwaitWithTimeout(absl::Condition(&woken), options_.idle_wait);
    notified_ = false;
    if (stopping_) return;
  }
}

absl::Status RebuildWorker::CatchUp() {
  while (!stopping()) {
    const uint64_t cursor = parts_.store->cursor();
    const uint64_t size = parts_.entries->VerifiedSize();
    if (cursor >= size) return absl::OkStatus();
    const uint64_t end = std::min(size, cursor + options_.entries_per_read);
    VITRINE_ASSIGN_OR_RETURN(const std::vector<std::string> leaves,
                             parts_.entries->Entries(cursor, end));
    for (uint64_t index = cursor; index < end; ++index) {
      if (stopping()) return absl::OkStatus();
      std::optional<note::Statement> release = Select(index, leaves[index - cursor]);
      if (!release.has_value()) continue;
      VITRINE_ASSIGN_OR_RETURN(const bool go, WaitToBuild());
      if (!go) return absl::OkStatus();
      VITRINE_RETURN_IF_ERROR(Rebuild(index, *release));
    }
    // Only once every entry of the read was handled: a stop above leaves
    // the cursor before the first release not recorded.
    if (stopping()) return absl::OkStatus();
    VITRINE_RETURN_IF_ERROR(parts_.store->AdvanceCursor(end));
  }
  return absl::OkStatus();
}

std::optional<note::Statement> RebuildWorker::Select(uint64_t index, const std::string& leaf) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(leaf, note::StatementNoteLimits());
  if (!parsed.ok() || note::IsRebuildStatementText(parsed->text)) return std::nullopt;
  absl::StatusOr<note::Statement> release = note::ParseStatement(parsed->text);
  if (!release.ok() || vendors_.find(release->vendor) == vendors_.end()) return std::nullopt;
  std::shared_ptr<const note::VendorKeys> keys;
  {
    absl::MutexLock lock(&mu_);
    if (!release->source.has_value()) {
      ++stats_.skipped_no_source;
      return std::nullopt;
    }
    keys = vendor_keys_;
  }
  // The log checked the signature against its registry; the rebuilder
  // trusts its own copy of the keys, as a monitor does.
  absl::StatusOr<note::VerifiedStatement> verified = note::VerifyStatement(leaf, keys->verifiers);
  absl::MutexLock lock(&mu_);
  if (!verified.ok()) {
    ++stats_.skipped_unverified;
    Log(absl::StrCat("not rebuilding release ", index, ": ",
                     EscapeForLog(verified.status().ToString(), 1024)));
    return std::nullopt;
  }
  ++stats_.releases_seen;
  return std::move(verified->statement);
}

absl::StatusOr<bool> RebuildWorker::WaitToBuild() {
  while (!parts_.submitter->WaitForRoom(options_.max_pending, kRoomPoll)) {
    if (stopping()) return false;
  }
  if (parts_.disk != nullptr) {
    if (absl::Status room = parts_.disk->Check(); !room.ok()) {
      return absl::Status(room.code(), absl::StrCat("no build starts: ", room.message()));
    }
  }
  return !stopping();
}

absl::Status RebuildWorker::Rebuild(uint64_t index, const note::Statement& release) {
  const RecipeJob job{absl::StrCat(options_.work_dir, "/", index),
                      absl::StrCat(options_.build_log_dir, "/", index, ".log"),
                      release.vendor,
                      release.artifact,
                      release.version,
                      *release.source};
  Log(absl::StrCat("rebuilding release ", index, ": ", Describe(release), " from ",
                   EscapeForLog(job.source, 1024)));
  {
    absl::MutexLock lock(&mu_);
    stats_.building = index;
  }
  absl::StatusOr<RecipeResult> result = parts_.runner->Run(job);
  {
    absl::MutexLock lock(&mu_);
    stats_.building.reset();
  }
  VITRINE_RETURN_IF_ERROR(result.status());
  if (result->outcome == RecipeOutcome::kCancelled) return absl::OkStatus();
  if (parts_.build_seconds != nullptr) {
    parts_.build_seconds->Observe(absl::ToDoubleSeconds(result->duration));
  }
  VITRINE_RETURN_IF_ERROR(Report(index, release, job, *result));
  if (result->outcome != RecipeOutcome::kBuilt) {
    return parts_.store->RecordFailed(index, result->reason);
  }
  VITRINE_RETURN_IF_ERROR(SignAndQueue(index, release, result->sha256));
  if (result->sha256 == release.sha256 && !options_.keep_work) {
    if (absl::Status removed = parts_.runner->Discard(job); !removed.ok()) {
      Log(absl::StrCat("keeping ", job.dir, ": ", removed.ToString()));
    }
  }
  return absl::OkStatus();
}

absl::Status RebuildWorker::Report(uint64_t index, const note::Statement& release,
                                   const RecipeJob& job, const RecipeResult& result) {
  if (result.outcome != RecipeOutcome::kBuilt) {
    VITRINE_RETURN_IF_ERROR(parts_.failures->Append(
        FormatFailureLine(options_.origin, index, release, OutcomeName(result.outcome),
                          result.reason, job.log_path)));
    absl::MutexLock lock(&mu_);
    ++(result.outcome == RecipeOutcome::kTimedOut ? stats_.timed_out : stats_.failed);
    Log(absl::StrCat("rebuild failed: release ", index, " (", Describe(release),
                     "): ", result.reason, "; build log ", job.log_path));
    return absl::OkStatus();
  }
  if (result.sha256 == release.sha256) {
    absl::MutexLock lock(&mu_);
    ++stats_.matches;
    Log(absl::StrCat("rebuilt release ", index, ": sha256 ", result.sha256.ToHex(),
                     " matches (", absl::FormatDuration(result.duration), ")"));
    return absl::OkStatus();
  }
  // The alarm is on disk before the statement is recorded: a crash in
  // between may repeat the line, never lose it.
  VITRINE_RETURN_IF_ERROR(parts_.mismatches->Append(FormatMismatchLine(
      options_.origin, index, release, result.sha256, job.log_path)));
  absl::MutexLock lock(&mu_);
  ++stats_.mismatches;
  Log(absl::StrCat("ALARM: release ", index, " (", Describe(release), "): rebuilt sha256 ",
                   result.sha256.ToHex(), ", the release says ", release.sha256.ToHex(),
                   "; build log ", job.log_path, "; recorded in ", parts_.mismatches->path()));
  return absl::OkStatus();
}

absl::Status RebuildWorker::SignAndQueue(uint64_t index, const note::Statement& release,
                                         const merkle::Hash& produced) {
  VITRINE_ASSIGN_OR_RETURN(
      const note::RebuildStatement statement,
      note::RebuildOf(release, parts_.signer->Name(), produced));
  VITRINE_ASSIGN_OR_RETURN(std::string signed_note,
                           note::SignRebuildStatement(statement, *parts_.signer));
  VITRINE_RETURN_IF_ERROR(parts_.store->RecordPending(index, signed_note));
  parts_.submitter->Enqueue({index, std::move(signed_note)});
  return absl::OkStatus();
}

}  // namespace vitrine::rebuilder
