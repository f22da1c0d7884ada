// Checks a checkpoint another monitor holds against this monitor's verified
// copy of the log (proto/vitrine/v1/gossip.proto), and raises the alarm
// with self-contained evidence when the two cannot both be true.
//
//   PeerCheckResult result = CheckPeerCheckpoint(
//       log, alarm, answer.checkpoints(i), "10.0.0.7:7500 (monitor-b)",
//       "monitor-a", log_consistency);
//   switch (result.kind) { case PeerCheckKind::kEvidenceRaised: ... }
//
// The rules, with m = their size and n = my verified size (n > 0):
//   m == n  the roots must be equal, else SAME_SIZE_DIFFERENT_ROOTS
//           (first: my head, second: theirs).
//   m < n   their root must be my RootAt(m), else INCONSISTENT from my own
//           tree (first: theirs, second: my head, prefix_root: RootAt(m),
//           proof: my ConsistencyProof(m, n)).
//   m > n   with a proof in the answer from my size (proof_old_size == n)
//           that verifies from proof_old_root to their root: consistent
//           when proof_old_root is my root, else INCONSISTENT (first: my
//           head, second: theirs, prefix_root: proof_old_root); a proof that
//           does not verify proves nothing (ahead, unverified). Without one,
//           the log's own consistency proof, if a fetcher is given: it
//           verifies against my root, or the larger checkpoint stays
//           unverified. A fetcher that answers UNAVAILABLE or
//           RESOURCE_EXHAUSTED has no proof yet (proof_fetcher.h): the
//           checkpoint stays unverified for now, judged at a later
//           exchange. (A log's proof that fails proves nothing to a third
//           party, so this path never raises evidence.)
// A monitor that has verified nothing yet (size 0) can judge nothing.
//
// Thread-safe when `mine` and `alarm` are (VerifiedLog and Alarm promise
// it).
#ifndef VITRINE_MONITOR_GOSSIP_PEER_CHECK_H_
#define VITRINE_MONITOR_GOSSIP_PEER_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "monitor/alarm.h"
#include "monitor/gossip/verified_notes.h"
#include "monitor/verified_log.h"
#include "proto/vitrine/v1/gossip.pb.h"

namespace vitrine::monitor {

// Fetches the log's RFC 6962 consistency proof between two sizes (the
// log's GetConsistencyProof); may be empty (no fetcher).
using LogConsistencyFn =
    std::function<absl::StatusOr<std::vector<merkle::Hash>>(uint64_t old_size,
                                                            uint64_t new_size)>;

enum class PeerCheckKind {
  // Theirs agrees with my verified tree.
  kConsistent,
  // Theirs is larger (or I hold nothing yet) and nothing usable proves it
  // consistent or not: cannot judge yet; a later round may.
  kAheadUnverified,
  // Theirs contradicts my verified tree: evidence raised (see evidence_path).
  kEvidenceRaised,
  // Not a checkpoint of this log validly signed by its key (or malformed):
  // nothing the log said, so no evidence either.
  kRejected,
};

// Returns "consistent", "ahead_unverified", "evidence_raised", "rejected"
// (metric labels).
const char* PeerCheckKindName(PeerCheckKind kind);

struct PeerCheckResult {
  PeerCheckKind kind = PeerCheckKind::kRejected;
  // Why, in words, for the monitor's log.
  std::string detail;
  // kEvidenceRaised: the evidence file; empty when it could not be written
  // (the log is halted all the same; detail says why).
  std::string evidence_path;
  // Their checkpoint's size once its signature verified (else 0).
  uint64_t their_size = 0;
};

// Checks `theirs` (from `source`: a peer's name or address) against `mine`
// by the rules above, raising evidence on `alarm`, observed by
// `monitor_name`. Their note's signature is verified through
// `verified_notes` when given (a checkpoint verified before is not
// verified again). Fails only when this monitor's own copy cannot answer
// (its RootAt / ConsistencyProof status, e.g. DataLoss) or builds evidence
// that does not verify (Internal: a bug).
absl::StatusOr<PeerCheckResult> CheckPeerCheckpoint(
    const VerifiedLog& mine, Alarm& alarm,
    const vitrine::v1::GossipCheckpoint& theirs, absl::string_view source,
    absl::string_view monitor_name,
    const LogConsistencyFn& log_consistency = nullptr,
    VerifiedNotes* verified_notes = nullptr);

// Counts results by kind, for stats snapshots.
struct PeerCheckCounts {
  uint64_t consistent = 0;
  uint64_t ahead_unverified = 0;
  uint64_t evidence_raised = 0;
  uint64_t rejected = 0;

  void Add(PeerCheckKind kind);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_PEER_CHECK_H_
