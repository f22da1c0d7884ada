#include "monitor/witness/internal/origin_state.h"

#include <openssl/sha.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "monitor/witness/canonical_note.h"

namespace vitrine::monitor::internal {

std::string StateFileName(absl::string_view origin) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(origin.data()), origin.size(),
         digest);
  return absl::StrCat(
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(digest), sizeof(digest))),
      ".checkpoint");
}

absl::StatusOr<note::Note> ParseCheckpointNote(absl::string_view signed_note,
                                               note::Checkpoint* checkpoint) {
  absl::StatusOr<note::Note> note = note::ParseNote(signed_note);
  if (!note.ok()) {
    // An oversized note is malformed as far as the witness API goes
    // (witness.proto lists no RESOURCE_EXHAUSTED).
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint note: ", note.status().message()));
  }
  absl::StatusOr<note::Checkpoint> parsed = note::ParseCheckpoint(note->text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint: ", parsed.status().message()));
  }
  *checkpoint = *std::move(parsed);
  return note;
}

absl::Status CheckLogKeyLines(const note::Note& note,
                              const OriginState& state) {
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const note::Signature& line : note.signatures) {
    if (state.keys.Find(line.name, line.key_id) == nullptr) continue;
    if (!seen.insert({line.name, line.key_id}).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint note carries two signature lines by the log key ",
          line.name, "+", absl::Hex(line.key_id, absl::kZeroPad8)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LogSignedNote> VerifyLogSignature(const note::Note& note,
                                                 const OriginState& state) {
  absl::StatusOr<note::VerifiedNote> verified =
      note::VerifyNote(note, state.keys);
  if (!verified.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("checkpoint of ", state.origin,
                     " is not validly signed by the log: ",
                     verified.status().message()));
  }
  // Every configured key is the log's (type 0x01), and VerifyNote leaves at
  // least one verified signature.
  auto vkey = state.vkey_by_id.find(verified->verified.front().key_id);
  LogSignedNote signed_note;
  signed_note.log_vkey = vkey->second;
  signed_note.canonical = CanonicalNote(note.text, verified->verified);
  return signed_note;
}

std::string AppendCosignature(note::Note note,
                              const note::Signature& cosignature) {
  note.signatures.erase(
      std::remove_if(note.signatures.begin(), note.signatures.end(),
                     [&](const note::Signature& s) {
                       return s.name == cosignature.name &&
                              s.key_id == cosignature.key_id;
                     }),
      note.signatures.end());
  note.signatures.push_back(cosignature);
  return note::FormatNote(note);
}

}  // namespace vitrine::monitor::internal
