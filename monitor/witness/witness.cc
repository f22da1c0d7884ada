// Opening the witness: keys, state files, and the read side (Latest,
// HeldSize, CosignVerified). The add-checkpoint path is witness_add.cc.
#include "monitor/witness/witness.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "monitor/witness/internal/origin_state.h"

namespace vitrine::monitor {
namespace {

using internal::HeldCheckpoint;
using internal::OriginState;

// A state file holds one signed note: note::NoteLimits' 1 MiB bound.
constexpr size_t kMaxStateFileSize = 1 << 20;

// Rounds of CosignVerified against a witness other requests keep advancing.
constexpr int kCosignVerifiedAttempts = 3;

// Checks that `signer` and `vkey` are one type 0x04 key pair.
absl::Status CheckWitnessKey(const note::Signer& signer,
                             absl::string_view vkey) {
  if (signer.Type() != note::SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError(
        "witness signer must be a cosignature/v1 (type 0x04) key");
  }
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed,
                           note::ParseVerifierKey(vkey));
  if (parsed.type != note::SignatureType::kCosignatureV1 ||
      parsed.name != signer.Name() || parsed.key_id != signer.KeyId()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness verifier key ", vkey, " is not the signer's (",
        signer.Name(), ", type 0x04)"));
  }
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                           note::NewVerifier(vkey));
  const std::string probe = "vitrine witness key check\n";
  VITRINE_ASSIGN_OR_RETURN(std::string signature, signer.Sign(probe));
  if (!verifier->Verify(probe, signature)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness verifier key ", vkey, " does not verify the signer's "
        "signatures (another key with the same name and key ID?)"));
  }
  return absl::OkStatus();
}

}  // namespace

Witness::Witness(std::unique_ptr<note::Signer> signer, std::string verifier_key,
                 std::string state_dir, Alarm* alarm)
    : signer_(std::move(signer)),
      verifier_key_(std::move(verifier_key)),
      name_(signer_->Name()),
      state_dir_(std::move(state_dir)),
      alarm_(alarm) {}

Witness::~Witness() = default;

absl::StatusOr<std::unique_ptr<Witness>> Witness::Open(
    std::unique_ptr<note::Signer> witness_signer, std::string witness_vkey,
    std::vector<std::string> log_vkeys, std::string state_dir, Alarm* alarm) {
  if (witness_signer == nullptr) {
    return absl::InvalidArgumentError("witness signer is null");
  }
  if (state_dir.empty()) {
    return absl::InvalidArgumentError("witness state folder is empty");
  }
  VITRINE_RETURN_IF_ERROR(CheckWitnessKey(*witness_signer, witness_vkey));
  std::unique_ptr<Witness> witness(
      new Witness(std::move(witness_signer), std::move(witness_vkey),
                  std::move(state_dir), alarm));
  for (const std::string& vkey : log_vkeys) {
    VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed,
                             note::ParseVerifierKey(vkey));
    if (parsed.type != note::SignatureType::kEd25519) {
      return absl::InvalidArgumentError(
          absl::StrCat("log key ", vkey, " is not a type 0x01 key"));
    }
    std::unique_ptr<OriginState>& state = witness->origins_[parsed.name];
    if (state == nullptr) {
      state = std::make_unique<OriginState>();
      state->origin = parsed.name;
      state->path = absl::StrCat(witness->state_dir_, "/",
                                 internal::StateFileName(parsed.name));
    }
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                             note::NewVerifier(vkey));
    absl::Status added = state->keys.Add(std::move(verifier));
    if (!added.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("log key ", vkey, " given twice"));
    }
    state->vkey_by_id[parsed.key_id] = vkey;
  }
  VITRINE_RETURN_IF_ERROR(MakeDirs(witness->state_dir_, 0700));
  VITRINE_RETURN_IF_ERROR(witness->LoadState());
  return witness;
}

absl::StatusOr<std::unique_ptr<Witness>> Witness::OpenWithKey(
    absl::string_view witness_signer_key, std::vector<std::string> log_vkeys,
    std::string state_dir, Alarm* alarm) {
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer,
                           note::NewSigner(witness_signer_key));
  VITRINE_ASSIGN_OR_RETURN(std::string vkey,
                           note::VerifierKeyOf(witness_signer_key));
  return Open(std::move(signer), std::move(vkey), std::move(log_vkeys),
              std::move(state_dir), alarm);
}

absl::Status Witness::LoadState() {
  std::set<std::string> configured;
  for (auto& [origin, state] : origins_) {
    configured.insert(internal::StateFileName(origin));
    absl::StatusOr<std::string> text =
        ReadSmallFile(state->path, kMaxStateFileSize);
    if (absl::IsNotFound(text.status())) continue;  // Nothing cosigned yet.
    if (absl::IsResourceExhausted(text.status())) {
      return absl::DataLossError(absl::StrCat(
          "witness state ", state->path, ": ", text.status().message()));
    }
    VITRINE_RETURN_IF_ERROR(text.status());
    auto held = std::make_shared<HeldCheckpoint>();
    absl::StatusOr<note::Note> note =
        internal::ParseCheckpointNote(*text, &held->checkpoint);
    absl::Status valid = note.status();
    if (valid.ok() && held->checkpoint.origin != origin) {
      valid = absl::InvalidArgumentError(absl::StrCat(
          "holds a checkpoint of ", held->checkpoint.origin));
    }
    absl::StatusOr<internal::LogSignedNote> signed_note;
    if (valid.ok()) {
      signed_note = internal::VerifyLogSignature(*note, *state);
      valid = signed_note.status();
    }
    if (!valid.ok()) {
      return absl::DataLossError(
          absl::StrCat("witness state ", state->path, " of ", origin,
                       " is corrupt: ", valid.message()));
    }
    VITRINE_ASSIGN_OR_RETURN(note::Signature line,
                             note::Cosign(held->checkpoint, *signer_));
    // Files written before notes were canonical may hold more lines: what
    // is served from now on is canonical all the same.
    held->log_note = note::FormatNote(signed_note->canonical);
    held->cosigned_note =
        internal::AppendCosignature(std::move(signed_note->canonical), line);
    state->Publish(std::move(held));
  }
  // Files of origins no longer configured stay, unread: the log may come
  // back, and its history with it.
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(state_dir_, error)) {
    const std::string file = entry.path().filename().string();
    if (absl::EndsWith(file, ".checkpoint") && configured.count(file) == 0) {
      std::fprintf(stderr,
                   "vitrine witness: ignoring %s/%s: not the state of a "
                   "configured log\n",
                   state_dir_.c_str(), file.c_str());
    }
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("list ", state_dir_, ": ", error.message()));
  }
  return absl::OkStatus();
}

OriginState* Witness::Find(absl::string_view origin) const {
  auto it = origins_.find(std::string(origin));
  return it == origins_.end() ? nullptr : it->second.get();
}

std::optional<std::string> Witness::Latest(absl::string_view origin) const {
  const OriginState* state = Find(origin);
  if (state == nullptr) return std::nullopt;
  std::shared_ptr<const HeldCheckpoint> held = state->Snapshot();
  if (held == nullptr) return std::nullopt;
  return held->cosigned_note;
}

absl::StatusOr<uint64_t> Witness::HeldSize(absl::string_view origin) const {
  const OriginState* state = Find(origin);
  if (state == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("witness does not follow a log ", origin));
  }
  std::shared_ptr<const HeldCheckpoint> held = state->Snapshot();
  return held == nullptr ? 0 : held->checkpoint.size;
}

absl::StatusOr<std::vector<std::string>> Witness::CosignVerified(
    absl::string_view checkpoint_note, const VerifiedLog& verified) {
  note::Checkpoint checkpoint;
  VITRINE_RETURN_IF_ERROR(
      internal::ParseCheckpointNote(checkpoint_note, &checkpoint).status());
  if (checkpoint.origin != verified.origin()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint of ", checkpoint.origin,
                     " given with the verified log of ", verified.origin()));
  }
  absl::Status last;
  for (int attempt = 0; attempt < kCosignVerifiedAttempts; ++attempt) {
    VITRINE_ASSIGN_OR_RETURN(uint64_t held, HeldSize(checkpoint.origin));
    if (held > checkpoint.size) {
      return absl::AbortedError(
          absl::StrCat("witness holds ", held, " leaves of ",
                       checkpoint.origin, ", more than ", checkpoint.size));
    }
    VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                             verified.ConsistencyProof(held, checkpoint.size));
    uint64_t now_held = 0;
    absl::StatusOr<std::vector<std::string>> lines =
        Add(held, proof, checkpoint_note, &now_held);
    if (!absl::IsAborted(lines.status())) return lines;
    last = lines.status();  // Another request moved the witness on.
  }
  return last;
}

}  // namespace vitrine::monitor
