// The offline bundle verifier: decides, with no network, whether an endpoint
// may install an artifact (DESIGN.md "Clients", formats 6-8). Small enough to
// embed in an updater: it depends on log/merkle, log/note and the Bundle
// message only - no gRPC, no file I/O.
//
// A policy may also demand that independent rebuilders reproduced the
// release (policy.h: rebuilder, rebuild-quorum): the bundle then carries
// their logged rebuild statements (Bundle.rebuilds), proven against the same
// checkpoint, and the endpoint needs rebuild_quorum distinct trusted
// rebuilders whose statement is about this release (same vendor, artifact,
// version and source) and names the artifact's SHA-256.
//
//   VITRINE_ASSIGN_OR_RETURN(merkle::Hash digest, HashFile(artifact_path));
//   VITRINE_ASSIGN_OR_RETURN(v1::Bundle bundle, ReadBundleFile(bundle_path));
//   VITRINE_ASSIGN_OR_RETURN(note::Policy policy, ParsePolicy(policy_text));
//   std::optional<note::Checkpoint> seen = state->Get(origin);   // optional
//   absl::StatusOr<VerifiedBundle> verdict =
//       VerifyBundle(digest, bundle, policy, seen ? &*seen : nullptr);
//   if (!verdict.ok()) {
//     // Do not install. One reason, with a stable code for scripts:
//     std::cerr << RefusalName(GetRefusal(verdict.status())) << ": "
//               << verdict.status().message() << "\n";
//   }
//
// The checks, in this order; the first that fails is THE reason, carried by
// the returned status both as an absl code and as a Refusal (a status
// payload read back with GetRefusal):
//
//   Refusal                     absl code           when
//   kBundleMalformed            InvalidArgument     a proof hash is not 32 bytes, empty statement/checkpoint
//   kStatementMalformed         InvalidArgument     the statement is not a valid signed statement note
//                                                   (grammar, > 16 KiB, or a bad signature by a known key)
//   kArtifactMismatch           InvalidArgument     the artifact's SHA-256 is not the statement's
//   kVendorNotAccepted          PermissionDenied    no policy vendor key named as the statement's vendor signed
//   kSupervisorMissing          FailedPrecondition  fewer than supervisor_quorum distinct supervisors signed
//   kCheckpointMalformed        InvalidArgument     the checkpoint is not a well-formed checkpoint note
//   kWrongLog                   PermissionDenied    the checkpoint's origin names no policy log key, or no
//                                                   policy log key signed it
//   kCheckpointBadSignature     InvalidArgument     a policy log key's signature on it does not verify
//   kBadCosignature             InvalidArgument     a policy witness's cosignature does not verify
//   kTooFewCosignatures         FailedPrecondition  fewer than witness_quorum distinct witnesses cosigned
//   kIndexBeyondCheckpoint      OutOfRange          leaf_index >= the checkpoint's tree size
//   kProofInvalid               DataLoss            the inclusion proof does not lead from
//                                                   HashLeaf(statement) to the checkpoint's root
//                                                   (wrong length included)
//   kRollback                   FailedPrecondition  the checkpoint is smaller than the client state's
//   kFork                       DataLoss            same size as the client state's, different root
//
// Then, only when the policy lists a rebuilder, every entry of
// bundle.rebuilds in order (entry i's messages start "rebuild i: "), each
// first for its form, then its proof, then its signatures:
//   kBundleMalformed            InvalidArgument     the statement is not a well-formed rebuild note
//                                                   (grammar, > 16 KiB), or a proof hash is not 32 bytes
//   kIndexBeyondCheckpoint      OutOfRange          its leaf_index >= the checkpoint's tree size
//   kProofInvalid               DataLoss            its inclusion proof does not lead from
//                                                   HashLeaf(statement) to the checkpoint's root
//   kBundleMalformed            InvalidArgument     a policy rebuilder key's signature on it does not verify
// A bundle carrying a broken entry is refused even when the entry would not
// count: its maker sent something other than what the log holds. Entries
// that pass but are not signed by a policy rebuilder key named as their
// rebuilder, or are about another release, are ignored.
// Of the others:
//   kRebuildMismatch            DataLoss            a policy rebuilder logged, for this release, a digest
//                                                   other than the artifact's (wins over kRebuildMissing)
//   kRebuildMissing             FailedPrecondition  fewer than rebuild_quorum distinct policy rebuilders
//                                                   logged this release with the artifact's digest
// kRebuildMismatch is DataLoss, not FailedPrecondition: the log holds
// signed, permanent evidence that the binary did not come from its source
// (or does not build reproducibly); waiting or retrying cannot lift it, as
// it can lift kRebuildMissing once the rebuilders have caught up. Under a
// policy with no rebuilder, bundle.rebuilds is not read at all, as by
// verifiers that predate it; a bundle without rebuilds meets any policy
// whose rebuild-quorum is 0.
//
// Looking an artifact up online (online_lookup.h) adds one reason, before
// any bundle is read:
//   kNotLogged                  NotFound            the log holds no release statement naming the digest
//
// Offline there is no consistency proof: with a client state, verification
// refuses only a checkpoint smaller than the last one seen for that log
// (rollback) or of the same size with another root (fork). A larger
// checkpoint is accepted; whether it extends the one seen can only be
// proven online (LogClient does, with a consistency proof) - an endpoint
// that records it (ClientState::Update) will refuse any later bundle from a
// view that forked below it.
//
// Functions are thread-safe (pure, no shared state).
#ifndef VITRINE_CLIENT_VERIFIER_H_
#define VITRINE_CLIENT_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/policy.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::client {

// Why a bundle was refused. The numbers are stable (scripts and logs may
// record them); new reasons get new numbers.
enum class Refusal : int {
  kNone = 0,  // Not a refusal: the status is OK or was not made here.
  kBundleMalformed = 1,
  kStatementMalformed = 2,
  kArtifactMismatch = 3,
  kVendorNotAccepted = 4,
  kSupervisorMissing = 5,
  kCheckpointMalformed = 6,
  kWrongLog = 7,
  kCheckpointBadSignature = 8,
  kBadCosignature = 9,
  kTooFewCosignatures = 10,
  kIndexBeyondCheckpoint = 11,
  kProofInvalid = 12,
  kRollback = 13,
  kFork = 14,
  kRebuildMissing = 15,
  kRebuildMismatch = 16,
  // Online only (client/online_lookup.h): the log holds no release
  // statement naming the artifact's digest. NotFound: absence is the log's
  // word, not a proof, but an endpoint must not install what it cannot find.
  kNotLogged = 17,
};

// Returns a stable lower-case name: "artifact-mismatch", "proof-invalid"...
// ("none" for kNone).
absl::string_view RefusalName(Refusal refusal);

// Returns the Refusal carried by a status made by this library, kNone for
// OK or any other status.
Refusal GetRefusal(const absl::Status& status);

// Returns a status with `refusal`'s absl code (table above), `message`, and
// the refusal as payload. Used by client_state and log_client so that the
// same reason has the same code everywhere.
absl::Status MakeRefusal(Refusal refusal, absl::string_view message);

// What an accepted bundle vouches for.
struct VerifiedBundle {
  note::Statement statement;
  uint64_t leaf_index = 0;
  note::VerifiedCheckpoint checkpoint;  // checkpoint.checkpoint: origin, size, root
  std::vector<note::Cosignature> cosignatures;  // At least the quorum.
  std::vector<note::Signature> supervisors;     // Valid policy supervisors.
  // The distinct policy rebuilders (names, sorted) whose logged rebuild of
  // this release produced the artifact: at least the rebuild quorum.
  std::vector<std::string> rebuilders;
};

// Verifies `bundle` for the artifact whose SHA-256 is `artifact_sha256`
// under `policy`, and, when `last_seen` is not null, against the last
// checkpoint the client saw for the bundle's log (it must have the same
// origin; otherwise it is ignored). OK means install. Otherwise the status
// carries exactly one Refusal (table above).
absl::StatusOr<VerifiedBundle> VerifyBundle(
    const merkle::Hash& artifact_sha256, const vitrine::v1::Bundle& bundle,
    const note::Policy& policy,
    const note::Checkpoint* last_seen = nullptr);

// Checks the statement alone, the first of VerifyBundle's checks: well
// formed (kStatementMalformed), naming `artifact_sha256`
// (kArtifactMismatch), signed as `policy` requires (kVendorNotAccepted,
// kSupervisorMissing). VerifyBundle refuses a bundle whose statement fails
// here with this very status, whatever its checkpoint and proofs.
absl::StatusOr<note::VerifiedStatement> CheckStatement(
    const merkle::Hash& artifact_sha256, absl::string_view leaf,
    const note::Policy& policy);

// Checks that `checkpoint` is not behind `last_seen` (same origin assumed):
// kRollback when smaller, kFork when the same size with another root. OK
// when larger: only a consistency proof could tell more.
absl::Status CheckNotBehind(const note::Checkpoint& checkpoint,
                            const note::Checkpoint& last_seen);

// Checks the bundle's inclusion proof of HashLeaf(bundle.statement()) at
// bundle.leaf_index() against an already verified `checkpoint` (whose note
// need not be the bundle's): kBundleMalformed, kIndexBeyondCheckpoint or
// kProofInvalid. The part of VerifyBundle that LogClient reuses.
absl::Status CheckInclusion(const vitrine::v1::Bundle& bundle,
                            const note::Checkpoint& checkpoint);

}  // namespace vitrine::client

#endif  // VITRINE_CLIENT_VERIFIER_H_
