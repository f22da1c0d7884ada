#include "monitor/gossip/peer_check.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "monitor/evidence/evidence.h"
#include "monitor/witness/canonical_note.h"

namespace vitrine::monitor {
namespace {

PeerCheckResult Result(PeerCheckKind kind, std::string detail,
                       uint64_t their_size) {
  PeerCheckResult result;
  result.kind = kind;
  result.detail = std::move(detail);
  result.their_size = their_size;
  return result;
}

// Raises `evidence` and describes the outcome.
absl::StatusOr<PeerCheckResult> RaiseEvidence(Alarm& alarm,
                                              vitrine::v1::Evidence evidence,
                                              uint64_t their_size) {
  std::string detail = evidence.explanation();
  absl::StatusOr<std::string> path = alarm.Raise(std::move(evidence));
  if (absl::IsInvalidArgument(path.status())) {
    // Evidence built here from verified notes and my own tree must verify.
    return absl::InternalError(
        absl::StrCat("gossip built evidence that does not verify: ",
                     path.status().message()));
  }
  PeerCheckResult result =
      Result(PeerCheckKind::kEvidenceRaised, std::move(detail), their_size);
  if (path.ok()) {
    result.evidence_path = *path;
  } else {
    absl::StrAppend(&result.detail, " (the evidence file was not written: ",
                    path.status().ToString(), ")");
  }
  return result;
}

absl::StatusOr<std::vector<merkle::Hash>> Hashes(
    const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<merkle::Hash> hashes;
  for (const std::string& hash : bytes) {
    VITRINE_ASSIGN_OR_RETURN(merkle::Hash parsed,
                             merkle::Hash::FromBytes(hash));
    hashes.push_back(parsed);
  }
  return hashes;
}

// Theirs is larger than my head: judged by the proof in the answer, else by
// the log's proof, else not at all.
absl::StatusOr<PeerCheckResult> CheckLarger(
    const VerifiedLog& mine, Alarm& alarm, const VerifiedHead& head,
    const std::string& my_note, const note::Checkpoint& their,
    const std::string& their_note, const vitrine::v1::GossipCheckpoint& theirs,
    const Observation& seen, const LogConsistencyFn& log_consistency) {
  const uint64_t my_size = head.checkpoint.size;
  const bool has_proof =
      !theirs.proof_old_root().empty() || theirs.consistency_proof_size() > 0;
  if (has_proof && theirs.proof_old_size() == my_size) {
    absl::StatusOr<merkle::Hash> old_root =
        merkle::Hash::FromBytes(theirs.proof_old_root());
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        Hashes(theirs.consistency_proof());
    absl::Status verified =
        !old_root.ok() ? old_root.status()
        : !proof.ok()  ? proof.status()
                       : merkle::VerifyConsistency(
                             my_size, their.size, *old_root, their.root, *proof);
    if (verified.ok()) {
      if (*old_root == head.checkpoint.root) {
        return Result(PeerCheckKind::kConsistent,
                      absl::StrCat("size ", their.size, " extends my size ",
                                   my_size, " (proof from the peer)"),
                      their.size);
      }
      return RaiseEvidence(
          alarm,
          InconsistentEvidence(mine.origin(), mine.log_vkey(), my_note,
                               their_note, *old_root, *proof, seen),
          their.size);
    }
    // The proof came from the peer, not the log: a bad one says nothing
    // about the log, only that this peer answered badly.
    return Result(
        PeerCheckKind::kAheadUnverified,
        absl::StrCat("size ", their.size,
                     ": the peer's consistency proof from size ", my_size,
                     " does not verify: ", verified.message()),
        their.size);
  }
  if (!log_consistency) {
    return Result(PeerCheckKind::kAheadUnverified,
                  absl::StrCat("size ", their.size, " is beyond my size ",
                               my_size, " and came without a proof"),
                  their.size);
  }
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      log_consistency(my_size, their.size);
  if (absl::IsUnavailable(proof.status()) ||
      absl::IsResourceExhausted(proof.status())) {
    // No answer from the log yet (proof_fetcher.h: queued, or not asked
    // for this peer): judged at a later exchange.
    return Result(PeerCheckKind::kAheadUnverified,
                  absl::StrCat("size ", their.size, " is beyond my size ",
                               my_size, ", not checked now: ",
                               proof.status().message()),
                  their.size);
  }
  absl::Status verified =
      proof.ok()
          ? merkle::VerifyConsistency(my_size, their.size, head.checkpoint.root,
                                      their.root, *proof)
          : proof.status();
  if (verified.ok()) {
    return Result(PeerCheckKind::kConsistent,
                  absl::StrCat("size ", their.size, " extends my size ",
                               my_size, " (proof from the log)"),
                  their.size);
  }
  // A proof from the log that fails is not self-contained evidence: the log
  // signs checkpoints, not proofs, so a wrong proof proves no misbehaviour
  // to a third party (it may be a transient fault). The follower fetching
  // the larger tree's entries will settle it.
  return Result(PeerCheckKind::kAheadUnverified,
                absl::StrCat("size ", their.size,
                             ": the log's consistency proof from my size ",
                             my_size, " failed: ", verified.message()),
                their.size);
}

// Opens their note with the log's keys, through `verified_notes` when
// given (a replay of a checkpoint verified before costs no verification).
absl::StatusOr<OpenedCheckpoint> OpenTheirs(absl::string_view note,
                                            const VerifiedLog& mine,
                                            VerifiedNotes* verified_notes) {
  if (verified_notes != nullptr) {
    return verified_notes->Open(note, mine.origin(), mine.log_keys());
  }
  VITRINE_ASSIGN_OR_RETURN(
      note::VerifiedCheckpoint verified,
      note::OpenCheckpoint(note, mine.origin(), mine.log_keys()));
  OpenedCheckpoint opened;
  opened.checkpoint = std::move(verified.checkpoint);
  opened.canonical_note =
      FormatCanonicalNote(verified.note.note.text, verified.note.verified);
  return opened;
}

}  // namespace

const char* PeerCheckKindName(PeerCheckKind kind) {
  switch (kind) {
    case PeerCheckKind::kConsistent:
      return "consistent";
    case PeerCheckKind::kAheadUnverified:
      return "ahead_unverified";
    case PeerCheckKind::kEvidenceRaised:
      return "evidence_raised";
    case PeerCheckKind::kRejected:
      return "rejected";
  }
  return "unknown";
}

void PeerCheckCounts::Add(PeerCheckKind kind) {
  switch (kind) {
    case PeerCheckKind::kConsistent:
      ++consistent;
      break;
    case PeerCheckKind::kAheadUnverified:
      ++ahead_unverified;
      break;
    case PeerCheckKind::kEvidenceRaised:
      ++evidence_raised;
      break;
    case PeerCheckKind::kRejected:
      ++rejected;
      break;
  }
}

absl::StatusOr<PeerCheckResult> CheckPeerCheckpoint(
    const VerifiedLog& mine, Alarm& alarm,
    const vitrine::v1::GossipCheckpoint& theirs, absl::string_view source,
    absl::string_view monitor_name, const LogConsistencyFn& log_consistency,
    VerifiedNotes* verified_notes) {
  absl::StatusOr<OpenedCheckpoint> opened =
      OpenTheirs(theirs.note(), mine, verified_notes);
  if (!opened.ok()) {
    return Result(
        PeerCheckKind::kRejected,
        absl::StrCat("not a checkpoint of ", mine.origin(),
                     " signed by its key: ", opened.status().message()),
        0);
  }
  const note::Checkpoint& their = opened->checkpoint;
  // Evidence carries canonical notes (canonical_note.h): the text and the
  // log's verified line(s), never what else a peer padded its note with.
  const std::string& their_note = opened->canonical_note;
  const std::shared_ptr<const VerifiedHead> head = mine.Latest();
  const std::string my_note =
      CanonicalNoteByKeys(head->signed_note, mine.log_keys());
  const uint64_t my_size = head->checkpoint.size;
  if (my_size == 0) {
    return Result(PeerCheckKind::kAheadUnverified,
                  absl::StrCat("size ", their.size,
                               ": nothing verified here yet to compare with"),
                  their.size);
  }
  const Observation seen{std::string(monitor_name), std::string(source),
                         std::nullopt};
  if (their.size == my_size) {
    if (their.root == head->checkpoint.root) {
      return Result(PeerCheckKind::kConsistent,
                    absl::StrCat("size ", their.size, ": same root"),
                    their.size);
    }
    return RaiseEvidence(
        alarm,
        SameSizeDifferentRootsEvidence(mine.origin(), mine.log_vkey(),
                                       my_note, their_note, seen),
        their.size);
  }
  if (their.size < my_size) {
    VITRINE_ASSIGN_OR_RETURN(merkle::Hash my_root, mine.RootAt(their.size));
    if (my_root == their.root) {
      return Result(PeerCheckKind::kConsistent,
                    absl::StrCat("size ", their.size,
                                 " is a prefix of my size ", my_size),
                    their.size);
    }
    VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                             mine.ConsistencyProof(their.size, my_size));
    return RaiseEvidence(
        alarm,
        InconsistentEvidence(mine.origin(), mine.log_vkey(), their_note,
                             my_note, my_root, proof, seen),
        their.size);
  }
  return CheckLarger(mine, alarm, *head, my_note, their, their_note, theirs,
                     seen, log_consistency);
}

}  // namespace vitrine::monitor
