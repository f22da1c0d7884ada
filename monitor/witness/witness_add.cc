// tlog-witness add-checkpoint: the checks in the order of the spec, then
// persist, then answer.
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/merkle/verify.h"
#include "log/note/cosignature.h"
#include "monitor/witness/internal/origin_state.h"
#include "monitor/witness/witness.h"
#include "proto/vitrine/v1/evidence.pb.h"

namespace vitrine::monitor {
namespace {

using internal::HeldCheckpoint;
using internal::OriginState;

// State files carry public data: the log's signed note.
constexpr mode_t kStateFileMode = 0644;

// Returns the two conflicting checkpoints as evidence (evidence.proto:
// SAME_SIZE_DIFFERENT_ROOTS).
vitrine::v1::Evidence SameSizeEvidence(const HeldCheckpoint& held,
                                       absl::string_view second_note,
                                       const note::Checkpoint& second,
                                       const std::string& log_vkey,
                                       const std::string& witness_name) {
  vitrine::v1::Evidence evidence;
  evidence.set_kind(vitrine::v1::Evidence::SAME_SIZE_DIFFERENT_ROOTS);
  evidence.set_origin(second.origin);
  evidence.set_log_verifier_key(log_vkey);
  evidence.set_first_note(held.log_note);
  evidence.set_second_note(std::string(second_note));
  evidence.set_observed_by(witness_name);
  evidence.set_observed_at(
      absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  evidence.set_source("witness add-checkpoint");
  evidence.set_explanation(absl::StrCat(
      "the log signed two checkpoints of size ", second.size,
      " with different roots: ", held.checkpoint.root.ToBase64(),
      " (cosigned earlier by this witness) and ", second.root.ToBase64(),
      " (sent to add-checkpoint)"));
  return evidence;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> Witness::AddCheckpoint(
    uint64_t old_size, absl::Span<const std::string> proof,
    absl::string_view checkpoint_note, uint64_t* held_size) {
  if (proof.size() > kMaxProofHashes) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof of ", proof.size(),
                     " hashes; at most ", kMaxProofHashes));
  }
  std::vector<merkle::Hash> hashes;
  hashes.reserve(proof.size());
  for (const std::string& bytes : proof) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(bytes);
    if (!hash.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "consistency proof hash of ", bytes.size(), " bytes, not 32"));
    }
    hashes.push_back(*hash);
  }
  return Add(old_size, hashes, checkpoint_note, held_size);
}

absl::StatusOr<std::vector<std::string>> Witness::Add(
    uint64_t old_size, absl::Span<const merkle::Hash> proof,
    absl::string_view checkpoint_note, uint64_t* held_size) {
  if (held_size == nullptr) {
    return absl::InvalidArgumentError("AddCheckpoint: held_size is null");
  }
  if (proof.size() > kMaxProofHashes) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof of ", proof.size(),
                     " hashes; at most ", kMaxProofHashes));
  }
  note::Checkpoint checkpoint;
  VITRINE_ASSIGN_OR_RETURN(
      note::Note note,
      internal::ParseCheckpointNote(checkpoint_note, &checkpoint));
  OriginState* state = Find(checkpoint.origin);
  if (state == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "witness does not follow a log ", checkpoint.origin));
  }
  // Bounded before any signature is verified: one Ed25519 check per log key.
  VITRINE_RETURN_IF_ERROR(internal::CheckLogKeyLines(note, *state));
  VITRINE_ASSIGN_OR_RETURN(internal::LogSignedNote signed_note,
                           internal::VerifyLogSignature(note, *state));
  // From here on only the canonical note is used: lines a sender added
  // (junk, or cosignatures this witness cannot verify) are gone.
  const std::string canonical_note = note::FormatNote(signed_note.canonical);
  if (old_size > checkpoint.size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old size ", old_size, " > checkpoint size ", checkpoint.size));
  }

  absl::MutexLock lock(&state->write_mu);
  if (state->halted ||
      (alarm_ != nullptr && alarm_->Halted(checkpoint.origin))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "witness holds evidence against ", checkpoint.origin,
        " and cosigns nothing more for it"));
  }
  std::shared_ptr<const HeldCheckpoint> held = state->Snapshot();
  const uint64_t size = held == nullptr ? 0 : held->checkpoint.size;
  const merkle::Hash root =
      held == nullptr ? merkle::EmptyRoot() : held->checkpoint.root;
  if (held != nullptr && checkpoint.size == size && checkpoint.root != root) {
    // Both notes are validly signed: a split view, whatever old_size says.
    state->halted = true;
    if (alarm_ != nullptr) {
      absl::StatusOr<std::string> path = alarm_->Raise(SameSizeEvidence(
          *held, canonical_note, checkpoint, signed_note.log_vkey, name_));
      if (!path.ok()) {
        std::fprintf(stderr, "vitrine witness: recording evidence: %s\n",
                     path.status().ToString().c_str());
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint of ", checkpoint.origin, " of size ", size,
        " has another root than the one this witness cosigned"));
  }
  if (old_size != size) {
    *held_size = size;
    return absl::AbortedError(absl::StrCat(
        "witness holds ", size, " leaves of ", checkpoint.origin,
        ", not ", old_size));
  }
  absl::Status consistent =
      merkle::VerifyConsistency(size, checkpoint.size, root, checkpoint.root,
                                proof);
  if (!consistent.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consistency proof from ", size, " to ", checkpoint.size,
        " does not verify: ", consistent.message()));
  }
  const bool again = held != nullptr && checkpoint.size == size;
  if (!again && disk_ != nullptr) {
    // The new state could not be stored: cosign nothing.
    VITRINE_RETURN_IF_ERROR(disk_->Check());
  }
  VITRINE_ASSIGN_OR_RETURN(note::Signature line,
                           note::Cosign(checkpoint, *signer_));
  std::vector<std::string> lines = {note::FormatSignatureLine(line)};
  if (again) return lines;

  auto next = std::make_shared<HeldCheckpoint>();
  next->checkpoint = std::move(checkpoint);
  next->log_note = canonical_note;
  next->cosigned_note =
      internal::AppendCosignature(std::move(signed_note.canonical), line);
  // Durable before the answer: a cosignature out means the state is on disk.
  VITRINE_RETURN_IF_ERROR(
      WriteFileAtomically(state->path, next->log_note, kStateFileMode));
  state->Publish(std::move(next));
  return lines;
}

}  // namespace vitrine::monitor
