#include "client/verifier.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "log/merkle/verify.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"

namespace vitrine::client {
namespace {

// The payload key of the Refusal; a URL, as absl asks of payload types.
constexpr absl::string_view kRefusalPayload =
    "type.vitrine.dev/vitrine.client.Refusal";

// The highest Refusal number: payloads beyond it are not ours.
constexpr Refusal kLastRefusal = Refusal::kNotLogged;

using ProofHashes = google::protobuf::RepeatedPtrField<std::string>;

absl::StatusCode CodeOf(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return absl::StatusCode::kOk;
    case Refusal::kBundleMalformed:
    case Refusal::kStatementMalformed:
    case Refusal::kArtifactMismatch:
    case Refusal::kCheckpointMalformed:
    case Refusal::kCheckpointBadSignature:
    case Refusal::kBadCosignature:
      return absl::StatusCode::kInvalidArgument;
    case Refusal::kVendorNotAccepted:
    case Refusal::kWrongLog:
      return absl::StatusCode::kPermissionDenied;
    case Refusal::kSupervisorMissing:
    case Refusal::kTooFewCosignatures:
    case Refusal::kRollback:
    case Refusal::kRebuildMissing:
      return absl::StatusCode::kFailedPrecondition;
    case Refusal::kIndexBeyondCheckpoint:
      return absl::StatusCode::kOutOfRange;
    case Refusal::kProofInvalid:
    case Refusal::kFork:
    case Refusal::kRebuildMismatch:
      return absl::StatusCode::kDataLoss;
    case Refusal::kNotLogged:
      return absl::StatusCode::kNotFound;
  }
  return absl::StatusCode::kUnknown;
}

// Returns the name of a vkey ("<name>+<id>+<key>"): the text before the
// first '+' (key names cannot hold one).
absl::string_view KeyName(absl::string_view vkey) {
  return vkey.substr(0, vkey.find('+'));
}

absl::Status Refuse(Refusal refusal, const absl::Status& cause,
                    absl::string_view what) {
  return MakeRefusal(refusal, absl::StrCat(what, ": ", cause.message()));
}

}  // namespace

absl::StatusOr<note::VerifiedStatement> CheckStatement(
    const merkle::Hash& artifact_sha256, absl::string_view leaf,
    const note::Policy& policy) {
  absl::StatusOr<note::Note> parsed =
      note::ParseNote(leaf, note::StatementNoteLimits());
  if (!parsed.ok()) {
    return Refuse(Refusal::kStatementMalformed, parsed.status(), "statement");
  }
  absl::StatusOr<note::Statement> statement =
      note::ParseStatement(parsed->text);
  if (!statement.ok()) {
    return Refuse(Refusal::kStatementMalformed, statement.status(),
                  "statement");
  }
  if (statement->sha256 != artifact_sha256) {
    return MakeRefusal(
        Refusal::kArtifactMismatch,
        absl::StrCat("the artifact's sha256 is ", artifact_sha256.ToHex(),
                     " but the statement names ", statement->sha256.ToHex(),
                     " (", statement->artifact, " ", statement->version,
                     ")"));
  }
  absl::StatusOr<note::VerifiedStatement> verified =
      note::VerifyStatementUnderPolicy(leaf, policy);
  if (verified.ok()) return verified;
  switch (verified.status().code()) {
    case absl::StatusCode::kPermissionDenied:
      return Refuse(Refusal::kVendorNotAccepted, verified.status(),
                    absl::StrCat("vendor ", statement->vendor,
                                 " not accepted by the policy"));
    case absl::StatusCode::kFailedPrecondition:
      return Refuse(Refusal::kSupervisorMissing, verified.status(),
                    "supervisor quorum not met");
    default:
      return Refuse(Refusal::kStatementMalformed, verified.status(),
                    "statement");
  }
}

namespace {

// The checkpoint: from a policy log, signed by it, cosigned by the quorum.
absl::StatusOr<note::VerifiedCheckpoint> CheckCheckpoint(
    absl::string_view signed_note, const note::Policy& policy,
    std::vector<note::Cosignature>* cosignatures) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(signed_note);
  if (!parsed.ok()) {
    return Refuse(Refusal::kCheckpointMalformed, parsed.status(),
                  "checkpoint");
  }
  absl::StatusOr<note::Checkpoint> body = note::ParseCheckpoint(parsed->text);
  if (!body.ok()) {
    return Refuse(Refusal::kCheckpointMalformed, body.status(), "checkpoint");
  }
  bool known_log = false;
  for (const std::string& vkey : policy.log_vkeys()) {
    known_log |= KeyName(vkey) == body->origin;
  }
  if (!known_log) {
    return MakeRefusal(Refusal::kWrongLog,
                       absl::StrCat("checkpoint of log \"", body->origin,
                                    "\", which the policy does not trust"));
  }
  absl::StatusOr<note::VerifiedCheckpoint> verified =
      note::OpenCheckpoint(signed_note, body->origin, policy.log_keys());
  if (!verified.ok()) {
    const Refusal refusal =
        verified.status().code() == absl::StatusCode::kPermissionDenied
            ? Refusal::kWrongLog
            : Refusal::kCheckpointBadSignature;
    return Refuse(refusal, verified.status(),
                  absl::StrCat("checkpoint of ", body->origin));
  }
  absl::StatusOr<std::vector<note::Cosignature>> cosigned =
      note::VerifyCosignatures(*verified, policy.witness_keys());
  if (!cosigned.ok()) {
    return Refuse(Refusal::kBadCosignature, cosigned.status(),
                  "checkpoint cosignature");
  }
  if (cosigned->size() < policy.witness_quorum()) {
    return MakeRefusal(
        Refusal::kTooFewCosignatures,
        absl::StrCat("checkpoint cosigned by ", cosigned->size(),
                     " of the policy's witnesses, the quorum is ",
                     policy.witness_quorum()));
  }
  *cosignatures = *std::move(cosigned);
  return verified;
}

// Checks that `leaf` is at `index` in the tree of `checkpoint` by `proof`
// (RFC 9162 2.1.3.2); `what` prefixes the messages ("rebuild 1: ").
absl::Status CheckLeafInclusion(absl::string_view what, absl::string_view leaf,
                                uint64_t index, const ProofHashes& proof_bytes,
                                const note::Checkpoint& checkpoint) {
  std::vector<merkle::Hash> proof;
  proof.reserve(proof_bytes.size());
  for (int i = 0; i < proof_bytes.size(); ++i) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(proof_bytes[i]);
    if (!hash.ok()) {
      return MakeRefusal(Refusal::kBundleMalformed,
                         absl::StrCat(what, "inclusion proof hash ", i, " is ",
                                      proof_bytes[i].size(), " bytes, not 32"));
    }
    proof.push_back(*hash);
  }
  if (index >= checkpoint.size) {
    return MakeRefusal(Refusal::kIndexBeyondCheckpoint,
                       absl::StrCat(what, "leaf index ", index,
                                    " is not in the checkpoint's tree of ",
                                    checkpoint.size, " leaves"));
  }
  absl::Status included = merkle::VerifyInclusion(
      index, checkpoint.size, merkle::HashLeaf(leaf), proof, checkpoint.root);
  if (!included.ok()) {
    return Refuse(Refusal::kProofInvalid, included,
                  absl::StrCat(what, "inclusion proof of leaf ", index,
                               " in tree size ", checkpoint.size));
  }
  return absl::OkStatus();
}

// Returns entry `i` of bundle.rebuilds once it is a well-formed rebuild
// statement included in the checkpoint's tree: the rebuild statement when a
// policy rebuilder signed it as its rebuilder, nullopt when none did (it is
// then someone else's claim, ignored).
absl::StatusOr<std::optional<note::RebuildStatement>> CheckRebuildEntry(
    const vitrine::v1::RebuildProof& entry, int i,
    const note::Checkpoint& checkpoint, const note::Policy& policy) {
  const std::string what = absl::StrCat("rebuild ", i, ": ");
  absl::StatusOr<note::Note> parsed =
      note::ParseNote(entry.statement(), note::StatementNoteLimits());
  absl::StatusOr<note::RebuildStatement> statement =
      parsed.ok() ? note::ParseRebuildStatement(parsed->text)
                  : absl::StatusOr<note::RebuildStatement>(parsed.status());
  if (!statement.ok()) {
    return Refuse(Refusal::kBundleMalformed, statement.status(),
                  absl::StrCat(what, "not a rebuild statement"));
  }
  VITRINE_RETURN_IF_ERROR(CheckLeafInclusion(what, entry.statement(),
                                             entry.leaf_index(),
                                             entry.inclusion_proof(),
                                             checkpoint));
  absl::StatusOr<note::VerifiedRebuildStatement> verified =
      note::VerifyRebuildStatement(entry.statement(), policy.rebuilder_keys());
  if (verified.ok()) return std::move(verified->statement);
  // PermissionDenied: no policy rebuilder signed as the statement's
  // rebuilder. Anything else (a bad signature by a policy rebuilder's key)
  // is a broken entry.
  if (absl::IsPermissionDenied(verified.status())) return std::nullopt;
  return Refuse(Refusal::kBundleMalformed, verified.status(),
                absl::StrCat(what, "rebuild statement of ",
                             statement->rebuilder));
}

// Returns the policy rebuilders' verdict on `release` (rules in the header):
// the sorted names of those that reproduced `artifact_sha256`, or
// kRebuildMismatch / kRebuildMissing. Every entry is checked before any is
// counted, so a broken entry is the reason whatever the others say.
absl::StatusOr<std::vector<std::string>> CheckRebuilds(
    const merkle::Hash& artifact_sha256, const note::Statement& release,
    const vitrine::v1::Bundle& bundle, const note::Checkpoint& checkpoint,
    const note::Policy& policy) {
  std::vector<note::RebuildStatement> about_release;
  for (int i = 0; i < bundle.rebuilds_size(); ++i) {
    VITRINE_ASSIGN_OR_RETURN(
        std::optional<note::RebuildStatement> trusted,
        CheckRebuildEntry(bundle.rebuilds(i), i, checkpoint, policy));
    if (trusted.has_value() && note::SameRelease(*trusted, release)) {
      about_release.push_back(*std::move(trusted));
    }
  }
  std::set<std::string> agreeing;
  for (const note::RebuildStatement& rebuild : about_release) {
    if (rebuild.sha256 != artifact_sha256) {
      return MakeRefusal(
          Refusal::kRebuildMismatch,
          absl::StrCat("rebuilder ", rebuild.rebuilder, " rebuilt ",
                       release.artifact, " ", release.version, " from ",
                       release.source.value_or(""), " and got sha256 ",
                       rebuild.sha256.ToHex(), ", not the artifact's ",
                       artifact_sha256.ToHex()));
    }
    agreeing.insert(rebuild.rebuilder);
  }
  if (agreeing.size() < policy.rebuild_quorum()) {
    const std::string who =
        agreeing.empty() ? ""
                         : absl::StrCat(" (", absl::StrJoin(agreeing, ", "), ")");
    // Without a source line no rebuild can ever be about the release: say
    // so, since waiting for the rebuilders would be in vain.
    const absl::string_view no_source =
        release.source.has_value()
            ? ""
            : "; the release statement has no source line";
    return MakeRefusal(
        Refusal::kRebuildMissing,
        absl::StrCat(agreeing.size(), " of the ", policy.rebuild_quorum(),
                     " trusted rebuilders the policy requires reproduced ",
                     release.artifact, " ", release.version, who, no_source));
  }
  return std::vector<std::string>(agreeing.begin(), agreeing.end());
}

}  // namespace

absl::string_view RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone: return "none";
    case Refusal::kBundleMalformed: return "bundle-malformed";
    case Refusal::kStatementMalformed: return "statement-malformed";
    case Refusal::kArtifactMismatch: return "artifact-mismatch";
    case Refusal::kVendorNotAccepted: return "vendor-not-accepted";
    case Refusal::kSupervisorMissing: return "supervisor-missing";
    case Refusal::kCheckpointMalformed: return "checkpoint-malformed";
    case Refusal::kWrongLog: return "wrong-log";
    case Refusal::kCheckpointBadSignature: return "checkpoint-bad-signature";
    case Refusal::kBadCosignature: return "bad-cosignature";
    case Refusal::kTooFewCosignatures: return "too-few-cosignatures";
    case Refusal::kIndexBeyondCheckpoint: return "index-beyond-checkpoint";
    case Refusal::kProofInvalid: return "proof-invalid";
    case Refusal::kRollback: return "rollback";
    case Refusal::kFork: return "fork";
    case Refusal::kRebuildMissing: return "rebuild-missing";
    case Refusal::kRebuildMismatch: return "rebuild-mismatch";
    case Refusal::kNotLogged: return "not-logged";
  }
  return "unknown";
}

Refusal GetRefusal(const absl::Status& status) {
  if (status.ok()) return Refusal::kNone;
  const auto payload = status.GetPayload(kRefusalPayload);
  int value = 0;
  if (!payload.has_value() ||
      !absl::SimpleAtoi(std::string(*payload), &value) || value < 1 ||
      value > static_cast<int>(kLastRefusal)) {
    return Refusal::kNone;
  }
  return static_cast<Refusal>(value);
}

absl::Status MakeRefusal(Refusal refusal, absl::string_view message) {
  if (refusal == Refusal::kNone) return absl::OkStatus();
  absl::Status status(CodeOf(refusal), message);
  status.SetPayload(kRefusalPayload,
                    absl::Cord(absl::StrCat(static_cast<int>(refusal))));
  return status;
}

absl::Status CheckNotBehind(const note::Checkpoint& checkpoint,
                            const note::Checkpoint& last_seen) {
  if (checkpoint.size < last_seen.size) {
    return MakeRefusal(
        Refusal::kRollback,
        absl::StrCat("checkpoint of ", checkpoint.origin, " at size ",
                     checkpoint.size, " is older than the size ",
                     last_seen.size, " this client has already seen"));
  }
  if (checkpoint.size == last_seen.size && checkpoint.root != last_seen.root) {
    return MakeRefusal(
        Refusal::kFork,
        absl::StrCat("log ", checkpoint.origin, " signed two roots for size ",
                     checkpoint.size, ": ", checkpoint.root.ToBase64(),
                     " and, seen before, ", last_seen.root.ToBase64()));
  }
  return absl::OkStatus();
}

absl::Status CheckInclusion(const vitrine::v1::Bundle& bundle,
                            const note::Checkpoint& checkpoint) {
  return CheckLeafInclusion("", bundle.statement(), bundle.leaf_index(),
                            bundle.inclusion_proof(), checkpoint);
}

absl::StatusOr<VerifiedBundle> VerifyBundle(
    const merkle::Hash& artifact_sha256, const vitrine::v1::Bundle& bundle,
    const note::Policy& policy, const note::Checkpoint* last_seen) {
  if (bundle.statement().empty() || bundle.checkpoint().empty()) {
    return MakeRefusal(Refusal::kBundleMalformed,
                       bundle.statement().empty()
                           ? "bundle has no statement"
                           : "bundle has no checkpoint");
  }
  VerifiedBundle result;
  VITRINE_ASSIGN_OR_RETURN(
      note::VerifiedStatement statement,
      CheckStatement(artifact_sha256, bundle.statement(), policy));
  result.statement = std::move(statement.statement);
  result.supervisors = std::move(statement.supervisors);
  VITRINE_ASSIGN_OR_RETURN(
      result.checkpoint,
      CheckCheckpoint(bundle.checkpoint(), policy, &result.cosignatures));
  VITRINE_RETURN_IF_ERROR(
      CheckInclusion(bundle, result.checkpoint.checkpoint));
  if (last_seen != nullptr &&
      last_seen->origin == result.checkpoint.checkpoint.origin) {
    VITRINE_RETURN_IF_ERROR(
        CheckNotBehind(result.checkpoint.checkpoint, *last_seen));
  }
  result.leaf_index = bundle.leaf_index();
  if (!policy.rebuilder_vkeys().empty()) {
    VITRINE_ASSIGN_OR_RETURN(
        result.rebuilders,
        CheckRebuilds(artifact_sha256, result.statement, bundle,
                      result.checkpoint.checkpoint, policy));
  }
  return result;
}

}  // namespace vitrine::client
