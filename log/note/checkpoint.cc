#include "log/note/checkpoint.h"

#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace vitrine::note {
namespace {

// Quotes an untrusted line for an error message, shortened and escaped.
std::string Quote(absl::string_view line) {
  return absl::StrCat("\"", absl::CHexEscape(line.substr(0, 80)),
                      line.size() > 80 ? "..." : "", "\"");
}

absl::StatusOr<uint64_t> ParseTreeSize(absl::string_view line) {
  // Decimal ASCII, no sign, no leading zero unless the size is 0.
  if (line.empty() || line.find_first_not_of("0123456789") != line.npos ||
      (line.size() > 1 && line[0] == '0')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint tree size ", Quote(line),
        " is not a decimal number without leading zeros"));
  }
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  uint64_t size = 0;
  for (char c : line) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (size > (kMax - digit) / 10) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint tree size ", Quote(line), " does not fit in 64 bits"));
    }
    size = size * 10 + digit;
  }
  return size;
}

absl::Status CheckLine(absl::string_view what, absl::string_view line) {
  if (line.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint ", what, " is empty"));
  }
  for (char c : line) {
    if (static_cast<uint8_t>(c) < 0x20) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint ", what, " holds a control character or newline"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> FormatCheckpoint(const Checkpoint& checkpoint) {
  VITRINE_RETURN_IF_ERROR(CheckLine("origin", checkpoint.origin));
  for (const std::string& extension : checkpoint.extensions) {
    VITRINE_RETURN_IF_ERROR(CheckLine("extension line", extension));
  }
  std::string text = absl::StrCat(checkpoint.origin, "\n", checkpoint.size,
                                  "\n", checkpoint.root.ToBase64(), "\n");
  for (const std::string& extension : checkpoint.extensions) {
    absl::StrAppend(&text, extension, "\n");
  }
  VITRINE_RETURN_IF_ERROR(ValidateNoteText(text));
  return text;
}

absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text) {
  VITRINE_RETURN_IF_ERROR(ValidateNoteText(text));
  // ValidateNoteText guarantees the final newline; drop it before splitting.
  std::vector<absl::string_view> lines =
      absl::StrSplit(text.substr(0, text.size() - 1), '\n');
  if (lines.size() < 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint has ", lines.size(),
        " lines, not origin, tree size and root hash"));
  }
  Checkpoint checkpoint;
  VITRINE_RETURN_IF_ERROR(CheckLine("origin", lines[0]));
  checkpoint.origin = std::string(lines[0]);
  VITRINE_ASSIGN_OR_RETURN(checkpoint.size, ParseTreeSize(lines[1]));
  absl::StatusOr<merkle::Hash> root = merkle::Hash::FromBase64(lines[2]);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint root hash: ", root.status().message()));
  }
  checkpoint.root = *root;
  for (size_t i = 3; i < lines.size(); ++i) {
    VITRINE_RETURN_IF_ERROR(CheckLine("extension line", lines[i]));
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const Signer& log_signer) {
  if (log_signer.Type() != SignatureType::kEd25519) {
    return absl::InvalidArgumentError(
        "a checkpoint is signed by a type 0x01 log key, not a cosigner");
  }
  if (log_signer.Name() != checkpoint.origin) {
    return absl::InvalidArgumentError(absl::StrCat(
        "log key name ", Quote(log_signer.Name()), " differs from origin ",
        Quote(checkpoint.origin)));
  }
  VITRINE_ASSIGN_OR_RETURN(std::string text, FormatCheckpoint(checkpoint));
  return SignNote(text, log_signer);
}

absl::StatusOr<VerifiedCheckpoint> OpenCheckpoint(
    absl::string_view signed_note, absl::string_view origin,
    const VerifierSet& log_keys, const NoteLimits& limits) {
  VerifiedCheckpoint result;
  VITRINE_ASSIGN_OR_RETURN(result.note,
                           OpenNote(signed_note, log_keys, limits));
  bool log_signed = false;
  for (const Signature& signature : result.note.verified) {
    const Verifier* verifier = log_keys.Find(signature.name, signature.key_id);
    log_signed |= verifier->Type() == SignatureType::kEd25519;
  }
  if (!log_signed) {
    return absl::PermissionDeniedError(
        "checkpoint carries no verified log (type 0x01) signature");
  }
  VITRINE_ASSIGN_OR_RETURN(result.checkpoint,
                           ParseCheckpoint(result.note.note.text));
  if (result.checkpoint.origin != origin) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint origin ", Quote(result.checkpoint.origin),
                     " is not the expected ", Quote(origin)));
  }
  return result;
}

}  // namespace vitrine::note
