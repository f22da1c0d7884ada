// Evidence of log misbehaviour (proto/vitrine/v1/evidence.proto): builders
// that fill every field of a vitrine.v1.Evidence consistently, and the
// checker that re-verifies one from nothing but its own fields (and,
// optionally, the log key the reader pins), as `vitrine-monitor
// check-evidence FILE` does, and says what it establishes.
//
//   Observation seen{"monitor-a", "peer 10.0.0.7:7500"};   // now
//   vitrine::v1::Evidence evidence = InconsistentEvidence(
//       log.origin(), log.log_vkey(), their_note, my_head.signed_note,
//       my_root_at_their_size, proof, seen);
//   absl::StatusOr<EvidenceCheck> check = JudgeEvidence(evidence, pinned_vkey);
//   if (check.ok() && check->verdict == EvidenceVerdict::kProven) ...
//
// Two verdicts (issue 11). PROVEN: the log's own signatures contradict each
// other; nobody without the log's key can make such a file, so anyone may
// act on it, whoever wrote it. OBSERVED: the signed parts are genuine, but
// the misbehaviour rests on the observer's word (when and where a note was
// seen, which entries the log served); anyone can assemble such a file from
// public checkpoints, so it proves nothing a third party can check. Only a
// PROVEN file may halt a monitor that finds it in its evidence folder; a
// monitor halts on an observation only when it made it itself
// (monitor/evidence/recorder.h).
//
// What each kind needs (all: checkpoints validly signed by the log key, with
// origin == key name == evidence.origin) and its verdict:
//   SAME_SIZE_DIFFERENT_ROOTS  PROVEN: equal sizes, different roots.
//   INCONSISTENT   PROVEN: first (size m) < second (size n);
//                  consistency_proof verifies from (m, prefix_root) to (n,
//                  second root), and prefix_root differs from first's root:
//                  no tree has both.
//   ROLLBACK       second < first, with the observation (observed_at,
//                  source): OBSERVED. With prefix_root and consistency_proof
//                  (from second's size to first's) it is also a fork,
//                  checked as INCONSISTENT with the notes swapped: PROVEN.
//   ENTRIES_MISMATCH  OBSERVED: prefix_range folds to first's root
//                  (first_note empty: the empty tree), the entries appended
//                  to it give a root that is not second's, and first size +
//                  entries == second size. The log did not sign the entries:
//                  this records what the observer says it served.
//
// Status codes of JudgeEvidence: InvalidArgument when the evidence is
// malformed or does not show what its kind claims (the message names the
// check that failed); FailedPrecondition when its log key is not the pinned
// one. Reports quote the file's strings escaped (common/log_escape.h): a
// hostile file cannot print lines of its own. Functions are thread-safe.
#ifndef VITRINE_MONITOR_EVIDENCE_EVIDENCE_H_
#define VITRINE_MONITOR_EVIDENCE_EVIDENCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/evidence.pb.h"

namespace vitrine::monitor {

// Who saw the misbehaviour, where the second note came from, and when.
struct Observation {
  std::string observed_by;  // The monitor's name.
  std::string source;       // The log's address or a gossip peer's.
  // When; unset means the time the evidence is built (absl::Now()).
  std::optional<absl::Time> observed_at;
};

// What a piece of evidence establishes (see the file comment).
enum class EvidenceVerdict {
  kProven,    // by the log's signatures alone
  kObserved,  // by the observer's word, with genuine signed checkpoints
};

struct EvidenceCheck {
  EvidenceVerdict verdict = EvidenceVerdict::kObserved;
  // Human-readable, several lines; the first starts "PROVEN (" or
  // "OBSERVED (" with the kind.
  std::string report;
};

// Re-verifies `evidence` from its own fields alone (see the file comment)
// and returns its verdict and a report about the log whose key is
// evidence.log_verifier_key. When `pinned_log_vkey` is set, that key must be
// exactly the evidence's (FailedPrecondition otherwise): evidence about a
// key the reader does not trust proves nothing to the reader.
absl::StatusOr<EvidenceCheck> JudgeEvidence(
    const vitrine::v1::Evidence& evidence,
    std::optional<std::string> pinned_log_vkey);

// Returns JudgeEvidence's report, whatever its verdict: OK does not mean
// PROVEN. Anything that acts on evidence uses JudgeEvidence.
absl::StatusOr<std::string> CheckEvidence(
    const vitrine::v1::Evidence& evidence,
    std::optional<std::string> pinned_log_vkey);

// Returns "PROVEN" or "OBSERVED".
absl::string_view VerdictName(EvidenceVerdict verdict);

// Returns SAME_SIZE_DIFFERENT_ROOTS evidence: two notes for one size.
vitrine::v1::Evidence SameSizeDifferentRootsEvidence(
    absl::string_view origin, absl::string_view log_vkey,
    absl::string_view first_note, absl::string_view second_note,
    const Observation& observation);

// Returns INCONSISTENT evidence: `smaller_note` (size m) and `larger_note`
// (size n > m), with `prefix_root`, the larger tree's root at m, and the
// consistency proof from m to n starting at prefix_root.
vitrine::v1::Evidence InconsistentEvidence(absl::string_view origin,
                                           absl::string_view log_vkey,
                                           absl::string_view smaller_note,
                                           absl::string_view larger_note,
                                           const merkle::Hash& prefix_root,
                                           absl::Span<const merkle::Hash> proof,
                                           const Observation& observation);

// Returns ROLLBACK evidence: the log presented `later_note` after
// `earlier_note`, which is larger. `fork_prefix_root` and `fork_proof`,
// when set, are the earlier (larger) tree's root at the later note's size
// and the consistency proof from there to the earlier note: they make the
// pair a fork as well.
vitrine::v1::Evidence RollbackEvidence(
    absl::string_view origin, absl::string_view log_vkey,
    absl::string_view earlier_note, absl::string_view later_note,
    const Observation& observation,
    std::optional<merkle::Hash> fork_prefix_root = std::nullopt,
    absl::Span<const merkle::Hash> fork_proof = {});

// Returns ENTRIES_MISMATCH evidence: `verified_note` (empty for the empty
// tree) with `prefix_range`, the compact range of its tree (the hashes of
// merkle::RangeNodes(0, size)), the `entries` the log served after it, and
// `signed_note`, the checkpoint they should have hashed to.
vitrine::v1::Evidence EntriesMismatchEvidence(
    absl::string_view origin, absl::string_view log_vkey,
    absl::string_view verified_note,
    absl::Span<const merkle::Hash> prefix_range,
    absl::Span<const std::string> entries, absl::string_view signed_note,
    const Observation& observation);

// Returns `time` as RFC 3339 in UTC with a "Z" ("2026-11-29T11:15:07.5Z").
std::string FormatRfc3339Utc(absl::Time time);

// Returns the kind's name in evidence file names ("same-size-different-roots").
std::string KindSlug(vitrine::v1::Evidence::Kind kind);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_EVIDENCE_EVIDENCE_H_
