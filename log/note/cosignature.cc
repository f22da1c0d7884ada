#include "log/note/cosignature.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "log/note/ed25519.h"

namespace vitrine::note {
namespace {

absl::Status CheckWitness(const Signer& witness) {
  if (witness.Type() != SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key ", witness.Name(),
        " is not a cosignature/v1 (type 0x04) witness key"));
  }
  return absl::OkStatus();
}

uint64_t TimestampOf(absl::string_view signature_bytes) {
  uint64_t timestamp = 0;
  for (size_t i = 0; i < 8; ++i) {
    timestamp = (timestamp << 8) | static_cast<uint8_t>(signature_bytes[i]);
  }
  return timestamp;
}

}  // namespace

absl::StatusOr<Signature> Cosign(const Checkpoint& checkpoint,
                                 const Signer& witness) {
  VITRINE_RETURN_IF_ERROR(CheckWitness(witness));
  VITRINE_ASSIGN_OR_RETURN(std::string text, FormatCheckpoint(checkpoint));
  return SignText(text, witness);
}

absl::StatusOr<std::string> AddCosignature(absl::string_view signed_note,
                                           const Signer& witness,
                                           const NoteLimits& limits) {
  VITRINE_RETURN_IF_ERROR(CheckWitness(witness));
  VITRINE_ASSIGN_OR_RETURN(Note note, ParseNote(signed_note, limits));
  // Only checkpoints are cosigned: refuse to vouch for other text.
  VITRINE_RETURN_IF_ERROR(ParseCheckpoint(note.text).status());
  return AddSignature(signed_note, witness, limits);
}

absl::StatusOr<std::vector<Cosignature>> VerifyCosignatures(
    const VerifiedCheckpoint& checkpoint, const VerifierSet& witnesses) {
  const Note& note = checkpoint.note.note;
  std::vector<Cosignature> result;
  std::set<std::string> counted;
  for (const Signature& signature : note.signatures) {
    const Verifier* verifier = witnesses.Find(signature.name, signature.key_id);
    // Only type 0x04 keys cosign; anything else in the set is not a witness.
    if (verifier == nullptr ||
        verifier->Type() != SignatureType::kCosignatureV1) {
      continue;
    }
    if (!verifier->Verify(note.text, signature.bytes)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cosignature by witness %s (key ID %08x) does not verify",
          signature.name, signature.key_id));
    }
    if (!counted.insert(signature.name).second) continue;
    // Verify accepted it, so it holds the 8-byte timestamp.
    result.push_back(Cosignature{signature.name, signature.key_id,
                                 TimestampOf(signature.bytes)});
  }
  return result;
}

absl::StatusOr<CosignedCheckpoint> OpenCosignedCheckpoint(
    absl::string_view signed_note, absl::string_view origin,
    const VerifierSet& log_keys, const VerifierSet& witnesses, size_t quorum,
    const NoteLimits& limits) {
  if (quorum > witnesses.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quorum of ", quorum, " cannot be met by ", witnesses.size(),
        " witness keys"));
  }
  CosignedCheckpoint result;
  VITRINE_ASSIGN_OR_RETURN(
      result.checkpoint,
      OpenCheckpoint(signed_note, origin, log_keys, limits));
  VITRINE_ASSIGN_OR_RETURN(result.cosignatures,
                           VerifyCosignatures(result.checkpoint, witnesses));
  if (result.cosignatures.size() < quorum) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint has valid cosignatures from ", result.cosignatures.size(),
        " of the ", quorum, " witnesses required"));
  }
  return result;
}

}  // namespace vitrine::note
