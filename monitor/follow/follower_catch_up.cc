// Follower::CatchUp: from the verified head to a larger signed checkpoint
// (follower.h). Fetching overlaps checking: while one chunk's statements
// are checked (on every core), the next chunk is on its way.
#include <future>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/verify.h"
#include "monitor/follow/follower.h"
#include "monitor/follow/internal/log_connection.h"

namespace vitrine::monitor {

using vitrine::v1::Evidence;

namespace {
// Bad statements logged one by one per catch-up; the rest are counted.
constexpr uint64_t kLoggedBadStatements = 10;
}  // namespace

absl::Status Follower::CatchUp(const VerifiedHead& head,
                               const note::VerifiedCheckpoint& checkpoint,
                               const std::string& signed_note) {
  const uint64_t old_size = head.checkpoint.size;
  const uint64_t new_size = checkpoint.checkpoint.size;
  // Process checked the disk reserve and the copy's health (RecoverCopy).
  if (new_size - old_size > options_.max_pending_entries) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the log is ", new_size - old_size, " entries ahead of the verified size ",
        old_size, "; max_pending_entries is ", options_.max_pending_entries));
  }

  // The log's own claim that its new tree extends ours. The entries decide
  // (they recompute the root from our verified prefix); a failed proof is
  // counted and explained, not evidence by itself (the proof is unsigned).
  std::string proof_failure;
  if (old_size > 0) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                             log_->GetConsistencyProof(old_size, new_size));
    const absl::Status consistent =
        merkle::VerifyConsistency(old_size, new_size, head.checkpoint.root,
                                  checkpoint.checkpoint.root, proof);
    if (!consistent.ok()) {
      proof_failure = std::string(consistent.message());
      absl::MutexLock lock(&mu_);
      ++stats_.failed_proofs;
    }
  }

  std::vector<std::string> leaves;
  leaves.reserve(new_size - old_size);
  std::vector<WatchedStatement> watched;
  uint64_t verdicts[kLeafVerdictCount] = {};
  uint64_t bad_rebuilder_signatures = 0;  // among verdicts[kBadSignature]
  uint64_t bad_logged = 0;
  const uint64_t step = options_.entries_per_fetch;
  auto fetch = [this, new_size, step](uint64_t start) {
    absl::StatusOr<std::vector<std::string>> chunk =
        log_->GetEntries(start, std::min(new_size, start + step));
    if (chunk.ok()) {
      absl::MutexLock lock(&mu_);
      stats_.entries_fetched += chunk->size();
    }
    return chunk;
  };
  std::future<absl::StatusOr<std::vector<std::string>>> next =
      std::async(std::launch::async, fetch, old_size);
  for (uint64_t start = old_size; start < new_size; start += step) {
    absl::StatusOr<std::vector<std::string>> chunk = next.get();
    if (!chunk.ok()) return chunk.status();
    if (start + step < new_size) {
      next = std::async(std::launch::async, fetch, start + step);
    }
    const std::vector<LeafCheck> checks = checker_->CheckBatch(*chunk);
    for (size_t i = 0; i < checks.size(); ++i) {
      const LeafCheck& check = checks[i];
      if (check.verdict != LeafVerdict::kOk &&
          bad_logged++ < kLoggedBadStatements) {
        // The first few of each catch-up, to tell an operator where to look.
        Log(absl::StrCat("entry ", start + i, ": ", VerdictName(check.verdict),
                         ": ", check.error));
      }
      ++verdicts[static_cast<int>(check.verdict)];
      if (check.verdict == LeafVerdict::kBadSignature && check.rebuild) {
        ++bad_rebuilder_signatures;
      }
    }
    if (watch_ != nullptr) {
      std::vector<WatchedStatement> seen = watch_->Select(start, *chunk, checks);
      std::move(seen.begin(), seen.end(), std::back_inserter(watched));
    }
    std::move(chunk->begin(), chunk->end(), std::back_inserter(leaves));
  }

  const absl::Status appended =
      copy_->Append(old_size, leaves, checkpoint, signed_note);
  if (IsRootMismatch(appended)) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> range,
                             copy_->RangeAt(old_size));
    std::string explanation = std::string(appended.message());
    if (!proof_failure.empty()) {
      absl::StrAppend(&explanation, "; the log's consistency proof from ",
                      old_size, " to ", new_size, " failed too: ",
                      proof_failure);
    }
    Evidence evidence = NewEvidence(Evidence::ENTRIES_MISMATCH,
                                    head.signed_note, signed_note,
                                    std::move(explanation));
    for (const merkle::Hash& hash : range) {
      evidence.add_prefix_range(std::string(hash.AsStringView()));
    }
    for (std::string& leaf : leaves) evidence.add_entries(std::move(leaf));
    return RaiseEvidence(std::move(evidence));
  }
  VITRINE_RETURN_IF_ERROR(appended);

  {
    absl::MutexLock lock(&mu_);
    stats_.verified_size = new_size;
    ++stats_.checkpoints_verified;
    stats_.bad_grammar += verdicts[static_cast<int>(LeafVerdict::kBadGrammar)];
    stats_.unknown_vendor +=
        verdicts[static_cast<int>(LeafVerdict::kUnknownVendor)];
    stats_.bad_vendor_signature +=
        verdicts[static_cast<int>(LeafVerdict::kBadSignature)] -
        bad_rebuilder_signatures;
    stats_.unknown_rebuilder +=
        verdicts[static_cast<int>(LeafVerdict::kUnknownRebuilder)];
    stats_.bad_rebuilder_signature += bad_rebuilder_signatures;
  }
  if (watch_ != nullptr) {
    const absl::Status recorded =
        watch_->Record(copy_->origin(), watched, new_size);
    if (!recorded.ok()) {
      Log(absl::StrCat("vendor watch: ", recorded.message()));
    }
  }
  if (on_verified_) on_verified_(copy_->Latest());
  return absl::OkStatus();
}

}  // namespace vitrine::monitor
