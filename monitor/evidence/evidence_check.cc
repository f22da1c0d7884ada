// JudgeEvidence (evidence.h): each check, when it fails, says which one;
// what passes is PROVEN or OBSERVED by its kind.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log_escape.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "monitor/evidence/evidence.h"

namespace vitrine::monitor {
namespace {

using vitrine::v1::Evidence;

// The file's own strings in a report: escaped, so that a hostile file
// cannot add lines (a fake "ALARM:") to what the reader sees.
std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", EscapeForLog(text), "\"");
}

EvidenceCheck Proven(std::string report) {
  return {EvidenceVerdict::kProven, std::move(report)};
}

EvidenceCheck Observed(std::string report) {
  return {EvidenceVerdict::kObserved, std::move(report)};
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("evidence: ", what));
}

// Returns `status` as InvalidArgument prefixed with `field`: whatever went
// wrong inside a field of the evidence, the evidence is what is malformed.
absl::Status InvalidField(absl::string_view field, const absl::Status& status) {
  return Invalid(absl::StrCat(field, ": ", status.message()));
}

absl::StatusOr<std::vector<merkle::Hash>> Hashes(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& bytes) {
  std::vector<merkle::Hash> hashes;
  hashes.reserve(bytes.size());
  for (int i = 0; i < bytes.size(); ++i) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(bytes[i]);
    if (!hash.ok()) {
      return InvalidField(absl::StrCat(field, "[", i, "]"), hash.status());
    }
    hashes.push_back(*hash);
  }
  return hashes;
}

// The log key, as the evidence names it and as the reader pins it.
struct LogKey {
  note::VerifierSet keys;
  std::string vkey;
};

absl::StatusOr<LogKey> OpenLogKey(const Evidence& evidence,
                                  const std::optional<std::string>& pinned) {
  if (evidence.origin().empty()) return Invalid("origin is empty");
  absl::StatusOr<note::VerifierKey> parsed =
      note::ParseVerifierKey(evidence.log_verifier_key());
  if (!parsed.ok()) return InvalidField("log_verifier_key", parsed.status());
  if (parsed->type != note::SignatureType::kEd25519) {
    return Invalid("log_verifier_key is not a log key (type 0x01)");
  }
  // tlog-checkpoint: the log's key is named like its origin.
  if (parsed->name != evidence.origin()) {
    return Invalid(absl::StrCat("log_verifier_key is named \"", parsed->name,
                                "\", not the origin \"", evidence.origin(),
                                "\""));
  }
  if (pinned.has_value() && *pinned != evidence.log_verifier_key()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "evidence: it is about the log key ", evidence.log_verifier_key(),
        ", not the pinned key ", *pinned));
  }
  LogKey key;
  key.vkey = evidence.log_verifier_key();
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier =
      note::NewVerifier(key.vkey);
  if (!verifier.ok())
    return InvalidField("log_verifier_key", verifier.status());
  VITRINE_RETURN_IF_ERROR(key.keys.Add(std::move(*verifier)));
  return key;
}

absl::StatusOr<note::Checkpoint> OpenNote(absl::string_view field,
                                          absl::string_view signed_note,
                                          const Evidence& evidence,
                                          const LogKey& key) {
  if (signed_note.empty()) return Invalid(absl::StrCat(field, " is empty"));
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(signed_note, evidence.origin(), key.keys);
  if (!opened.ok()) {
    return InvalidField(
        absl::StrCat(field, " is not a checkpoint validly signed by the log"),
        opened.status());
  }
  return opened->checkpoint;
}

std::string Line(absl::string_view label, const note::Checkpoint& checkpoint) {
  return absl::StrCat("  ", label, " size ", checkpoint.size, ", root ",
                      checkpoint.root.ToBase64(), "\n");
}

// Checks that `consistency_proof` leads from (smaller size, prefix_root) to
// `larger`, and that prefix_root is not `smaller`'s root.
absl::Status CheckFork(const Evidence& evidence,
                       const note::Checkpoint& smaller,
                       const note::Checkpoint& larger) {
  absl::StatusOr<merkle::Hash> prefix_root =
      merkle::Hash::FromBytes(evidence.prefix_root());
  if (!prefix_root.ok())
    return InvalidField("prefix_root", prefix_root.status());
  VITRINE_ASSIGN_OR_RETURN(
      std::vector<merkle::Hash> proof,
      Hashes("consistency_proof", evidence.consistency_proof()));
  absl::Status verified = merkle::VerifyConsistency(
      smaller.size, larger.size, *prefix_root, larger.root, proof);
  if (!verified.ok()) {
    return InvalidField(
        absl::StrCat("consistency_proof from size ", smaller.size,
                     " with prefix_root to the size ", larger.size,
                     " checkpoint does not verify"),
        verified);
  }
  if (*prefix_root == smaller.root) {
    return Invalid(
        absl::StrCat("prefix_root equals the size ", smaller.size,
                     " checkpoint's root: the checkpoints are consistent"));
  }
  return absl::OkStatus();
}

absl::StatusOr<EvidenceCheck> CheckEntries(const Evidence& evidence,
                                         const LogKey& key,
                                         const note::Checkpoint& second) {
  note::Checkpoint first;
  first.origin = evidence.origin();
  first.root = merkle::EmptyRoot();
  if (!evidence.first_note().empty()) {
    VITRINE_ASSIGN_OR_RETURN(
        first, OpenNote("first_note", evidence.first_note(), evidence, key));
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> prefix,
                           Hashes("prefix_range", evidence.prefix_range()));
  absl::StatusOr<merkle::CompactRange> range =
      merkle::CompactRange::FromHashes(0, first.size, std::move(prefix));
  if (!range.ok()) return InvalidField("prefix_range", range.status());
  if (range->Root() != first.root) {
    return Invalid(
        absl::StrCat("prefix_range does not fold to the root of ",
                     evidence.first_note().empty()
                         ? std::string("the empty tree")
                         : absl::StrCat("first_note (size ", first.size, ")")));
  }
  const uint64_t entries = static_cast<uint64_t>(evidence.entries_size());
  if (first.size + entries != second.size) {
    return Invalid(absl::StrCat("first size ", first.size, " + ", entries,
                                " entries is not second_note's size ",
                                second.size));
  }
  for (const std::string& entry : evidence.entries()) {
    range->Append(merkle::HashLeaf(entry));
  }
  const merkle::Hash computed = range->Root();
  if (computed == second.root) {
    return Invalid(
        "the entries hash to second_note's root: they match what it signed");
  }
  return Observed(absl::StrCat(
      "OBSERVED (entries mismatch): ", Quoted(evidence.observed_by()),
      " says log ", Quoted(evidence.origin()), " served ", entries,
      " entries after size ", first.size,
      " that do not hash to the root it signed for size ", second.size, "\n",
      Line("verified:", first), Line("signed:  ", second),
      "  computed root from the entries: ", computed.ToBase64(), "\n",
      "  the file alone proves nothing a third party can check: the log did "
      "not sign the entries, and anyone can put other entries beside a "
      "genuine checkpoint\n"));
}

std::string ObservationLines(const Evidence& evidence) {
  return absl::StrCat(
      "  observed by ", Quoted(evidence.observed_by()), " at ",
      EscapeForLog(evidence.observed_at()), " from ",
      Quoted(evidence.source()), "\n",
      "  log key: ", EscapeForLog(evidence.log_verifier_key()), "\n",
      evidence.explanation().empty()
          ? ""
          : absl::StrCat("  explanation: ",
                         EscapeForLog(evidence.explanation(), 4096), "\n"));
}

absl::StatusOr<EvidenceCheck> CheckKind(const Evidence& evidence,
                                      const LogKey& key) {
  VITRINE_ASSIGN_OR_RETURN(
      note::Checkpoint second,
      OpenNote("second_note", evidence.second_note(), evidence, key));
  if (evidence.kind() == Evidence::ENTRIES_MISMATCH) {
    return CheckEntries(evidence, key, second);
  }
  VITRINE_ASSIGN_OR_RETURN(
      note::Checkpoint first,
      OpenNote("first_note", evidence.first_note(), evidence, key));
  const std::string both =
      absl::StrCat(Line("first: ", first), Line("second:", second));
  switch (evidence.kind()) {
    case Evidence::SAME_SIZE_DIFFERENT_ROOTS:
      if (first.size != second.size) {
        return Invalid(absl::StrCat("the sizes differ (", first.size, " and ",
                                    second.size, ")"));
      }
      if (first.root == second.root) {
        return Invalid("the roots are equal: the checkpoints agree");
      }
      return Proven(absl::StrCat(
          "PROVEN (same size, different roots): log ", Quoted(evidence.origin()),
          " signed two different trees of size ", first.size, "\n", both));
    case Evidence::INCONSISTENT:
      if (first.size >= second.size) {
        return Invalid(absl::StrCat("first_note's size ", first.size,
                                    " is not smaller than second_note's ",
                                    second.size));
      }
      VITRINE_RETURN_IF_ERROR(CheckFork(evidence, first, second));
      return Proven(absl::StrCat(
          "PROVEN (inconsistent): log ", Quoted(evidence.origin()),
          " signed a tree of size ", second.size, " whose first ", first.size,
          " leaves are not the tree it signed for size ", first.size, "\n",
          both, "  prefix root of the larger tree: ",
          merkle::Hash::FromBytes(evidence.prefix_root())->ToBase64(), "\n"));
    case Evidence::ROLLBACK: {
      if (second.size >= first.size) {
        return Invalid(absl::StrCat("second_note's size ", second.size,
                                    " is not smaller than first_note's ",
                                    first.size, ": no rollback"));
      }
      if (evidence.observed_at().empty() || evidence.source().empty()) {
        return Invalid(
            "a rollback needs its observation (observed_at and source)");
      }
      const bool fork = !evidence.prefix_root().empty() ||
                        evidence.consistency_proof_size() > 0;
      if (fork) {
        // The fork needs no observer: the signatures contradict each other.
        VITRINE_RETURN_IF_ERROR(CheckFork(evidence, second, first));
        return Proven(absl::StrCat(
            "PROVEN (rollback and a fork): log ", Quoted(evidence.origin()),
            " signed a tree of size ", first.size, " whose first ",
            second.size, " leaves are not the tree it signed for size ",
            second.size, "\n", both,
            "  and a fork: the consistency proof shows the larger tree's "
            "prefix is not the smaller checkpoint\n"));
      }
      return Observed(absl::StrCat(
          "OBSERVED (rollback): ", Quoted(evidence.observed_by()),
          " says log ", Quoted(evidence.origin()), " presented size ",
          second.size, " as its latest after size ", first.size, "\n", both,
          "  the file alone proves nothing a third party can check: both "
          "checkpoints are genuine and public; the rollback rests on when "
          "and where the second was seen\n"));
    }
    default:
      return Invalid(absl::StrCat("unknown kind ", evidence.kind()));
  }
}

}  // namespace

absl::StatusOr<EvidenceCheck> JudgeEvidence(
    const Evidence& evidence, std::optional<std::string> pinned_log_vkey) {
  if (evidence.kind() == Evidence::KIND_UNSPECIFIED ||
      !Evidence::Kind_IsValid(evidence.kind())) {
    return Invalid(absl::StrCat("kind ", evidence.kind(),
                                " is not a kind of "
                                "evidence"));
  }
  VITRINE_ASSIGN_OR_RETURN(LogKey key, OpenLogKey(evidence, pinned_log_vkey));
  VITRINE_ASSIGN_OR_RETURN(EvidenceCheck check, CheckKind(evidence, key));
  absl::StrAppend(&check.report, ObservationLines(evidence));
  return check;
}

absl::StatusOr<std::string> CheckEvidence(
    const Evidence& evidence, std::optional<std::string> pinned_log_vkey) {
  VITRINE_ASSIGN_OR_RETURN(EvidenceCheck check,
                           JudgeEvidence(evidence, std::move(pinned_log_vkey)));
  return std::move(check.report);
}

absl::string_view VerdictName(EvidenceVerdict verdict) {
  return verdict == EvidenceVerdict::kProven ? "PROVEN" : "OBSERVED";
}

}  // namespace vitrine::monitor
