// Witness cosignatures of checkpoints (c2sp.org/tlog-cosignature, Ed25519
// cosignature/v1, signature type 0x04). A cosignature is one more signature
// line on the checkpoint note:
//
//   — <witness name> base64(key ID || u64be timestamp || Ed25519 signature)
//
// where the Ed25519 signature covers "cosignature/v1\ntime <timestamp>\n"
// followed by the checkpoint text (see CosignatureV1Message in ed25519.h).
//
//   // Witness side, after checking the checkpoint and its consistency:
//   VITRINE_ASSIGN_OR_RETURN(std::string cosigned,
//                            AddCosignature(signed_note, *witness_signer));
//   // Client side: log signature, then 2 of the configured witnesses.
//   VITRINE_ASSIGN_OR_RETURN(CosignedCheckpoint checkpoint,
//       OpenCosignedCheckpoint(cosigned, origin, log_keys, witnesses, 2));
//
// Witness keys are type 0x04 verifiers (NewVerifier of a 0x04 vkey); lines
// whose (name, key ID) is not among them are ignored. Status codes:
// InvalidArgument when a known witness's cosignature does not verify or a
// signer is of the wrong type; FailedPrecondition when fewer distinct
// witnesses cosigned than the quorum needs (a later checkpoint may carry
// enough). Functions are thread-safe.
#ifndef VITRINE_LOG_NOTE_COSIGNATURE_H_
#define VITRINE_LOG_NOTE_COSIGNATURE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::note {

// A cosignature that verified.
struct Cosignature {
  std::string name;  // The witness's key name.
  uint32_t key_id = 0;
  // When the witness cosigned, in POSIX seconds (at most 2^63-1).
  uint64_t timestamp = 0;
};

// Returns `witness`'s cosignature line of `checkpoint` (its timestamp comes
// from the signer's clock). InvalidArgument unless `witness` is type 0x04.
absl::StatusOr<Signature> Cosign(const Checkpoint& checkpoint,
                                 const Signer& witness);

// Returns `signed_note`, whose text must be a checkpoint, with `witness`'s
// cosignature appended. Verifies nothing: a witness must have verified the
// log signature and consistency before vouching for the checkpoint.
absl::StatusOr<std::string> AddCosignature(absl::string_view signed_note,
                                           const Signer& witness,
                                           const NoteLimits& limits = {});

// Returns the valid cosignatures on `checkpoint` by the type 0x04 keys in
// `witnesses`, one per distinct witness name (a witness that cosigned twice
// or under two keys counts once), in note order. A cosignature line from a
// known witness key that does not verify is InvalidArgument: a witness's
// key signing something else than the checkpoint is an error to report, not
// noise to skip.
absl::StatusOr<std::vector<Cosignature>> VerifyCosignatures(
    const VerifiedCheckpoint& checkpoint, const VerifierSet& witnesses);

// A checkpoint verified against its log key and a witness quorum.
struct CosignedCheckpoint {
  VerifiedCheckpoint checkpoint;
  std::vector<Cosignature> cosignatures;  // At least `quorum` of them.
};

// Opens the checkpoint (OpenCheckpoint) and requires valid cosignatures from
// at least `quorum` distinct witnesses of `witnesses` (k of n).
// InvalidArgument for a quorum larger than the number of witness keys
// (the policy can never be met); FailedPrecondition when too few cosigned.
absl::StatusOr<CosignedCheckpoint> OpenCosignedCheckpoint(
    absl::string_view signed_note, absl::string_view origin,
    const VerifierSet& log_keys, const VerifierSet& witnesses, size_t quorum,
    const NoteLimits& limits = {});

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_COSIGNATURE_H_
