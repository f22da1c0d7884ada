#include "log/note/note.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "log/note/ed25519.h"
#include "log/note/internal/utf8.h"

namespace vitrine::note {
namespace {

// Em dash U+2014 in UTF-8, then a space: the start of every signature line.
constexpr absl::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr size_t kKeyIdSize = 4;

// Checks the whole-note rules of signed-note "Format" that also apply to a
// note's text alone.
absl::Status ValidateBytes(absl::string_view bytes, absl::string_view what,
                           const NoteLimits& limits) {
  if (bytes.size() > limits.max_size) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, " is ", bytes.size(), " bytes, above the limit of ",
        limits.max_size));
  }
  if (!internal::IsValidUtf8(bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not valid UTF-8"));
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<uint8_t>(bytes[i]);
    if (byte < 0x20 && byte != '\n') {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s holds control character 0x%02x at byte %d", what, byte, i));
    }
  }
  if (bytes.empty() || bytes.back() != '\n') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " does not end in a newline"));
  }
  return absl::OkStatus();
}

std::string EncodeSignature(const Signature& signature) {
  std::string raw(kKeyIdSize, '\0');
  for (size_t i = 0; i < kKeyIdSize; ++i) {
    raw[i] = static_cast<char>(signature.key_id >> (24 - 8 * i));
  }
  raw.append(signature.bytes);
  return absl::Base64Escape(raw);
}

// Parses one line (without its newline) of the signature block.
absl::StatusOr<Signature> ParseSignatureLine(absl::string_view line,
                                             size_t number) {
  const std::string where = absl::StrCat("signature line ", number);
  if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " does not start with an em dash and a space"));
  }
  line.remove_prefix(kSignaturePrefix.size());
  const size_t space = line.find(' ');
  if (space == line.npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " is not \"— <name> <signature>\""));
  }
  Signature signature;
  signature.name = std::string(line.substr(0, space));
  absl::Status name_ok = ValidateKeyName(signature.name);
  if (!name_ok.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", name_ok.message()));
  }
  const absl::string_view b64 = line.substr(space + 1);
  std::string raw;
  // Requiring the canonical encoding keeps parse-then-format exact.
  if (!absl::Base64Unescape(b64, &raw) || absl::Base64Escape(raw) != b64) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " (", signature.name,
        "): signature is not canonical padded base64"));
  }
  if (raw.size() <= kKeyIdSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " (", signature.name, "): signature is only ", raw.size(),
        " bytes, not a key ID and a signature"));
  }
  for (size_t i = 0; i < kKeyIdSize; ++i) {
    signature.key_id = (signature.key_id << 8) | static_cast<uint8_t>(raw[i]);
  }
  signature.bytes = raw.substr(kKeyIdSize);
  return signature;
}

}  // namespace

absl::Status ValidateNoteText(absl::string_view text, const NoteLimits& limits) {
  return ValidateBytes(text, "note text", limits);
}

absl::StatusOr<Note> ParseNote(absl::string_view signed_note,
                               const NoteLimits& limits) {
  VITRINE_RETURN_IF_ERROR(ValidateBytes(signed_note, "note", limits));
  // The text ends at the last blank line (signed-note "Format").
  const size_t blank = signed_note.rfind("\n\n");
  if (blank == signed_note.npos) {
    return absl::InvalidArgumentError(
        "note has no blank line before its signatures");
  }
  Note note;
  note.text = std::string(signed_note.substr(0, blank + 1));
  absl::string_view block = signed_note.substr(blank + 2);
  if (block.empty()) return absl::InvalidArgumentError("note has no signatures");
  while (!block.empty()) {
    if (note.signatures.size() == limits.max_signatures) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "note has more than ", limits.max_signatures, " signatures"));
    }
    // The block ends in a newline and holds no empty line, so every line is
    // non-empty and newline-terminated.
    const size_t end = block.find('\n');
    VITRINE_ASSIGN_OR_RETURN(
        Signature signature,
        ParseSignatureLine(block.substr(0, end), note.signatures.size() + 1));
    note.signatures.push_back(std::move(signature));
    block.remove_prefix(end + 1);
  }
  return note;
}

std::string FormatSignatureLine(const Signature& signature) {
  return absl::StrCat(kSignaturePrefix, signature.name, " ",
                      EncodeSignature(signature), "\n");
}

std::string FormatNote(const Note& note) {
  std::string out = absl::StrCat(note.text, "\n");
  for (const Signature& signature : note.signatures) {
    out.append(FormatSignatureLine(signature));
  }
  return out;
}

absl::StatusOr<Signature> SignText(absl::string_view text,
                                   const Signer& signer) {
  VITRINE_RETURN_IF_ERROR(ValidateNoteText(text));
  Signature signature;
  signature.name = signer.Name();
  // A signer's name ends up in a line that must parse again.
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(signature.name));
  signature.key_id = signer.KeyId();
  VITRINE_ASSIGN_OR_RETURN(signature.bytes, signer.Sign(text));
  if (signature.bytes.empty()) {
    return absl::InternalError(
        absl::StrCat("signer ", signature.name, " returned no signature"));
  }
  return signature;
}

absl::StatusOr<std::string> SignNote(absl::string_view text,
                                     const Signer& signer) {
  Note note;
  note.text = std::string(text);
  VITRINE_ASSIGN_OR_RETURN(Signature signature, SignText(text, signer));
  note.signatures.push_back(std::move(signature));
  return FormatNote(note);
}

absl::StatusOr<std::string> AddSignature(absl::string_view signed_note,
                                         const Signer& signer,
                                         const NoteLimits& limits) {
  VITRINE_ASSIGN_OR_RETURN(Note note, ParseNote(signed_note, limits));
  const std::string name = signer.Name();
  const uint32_t key_id = signer.KeyId();
  for (const Signature& existing : note.signatures) {
    if (existing.name == name && existing.key_id == key_id) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "note is already signed by %s (key ID %08x)", name, key_id));
    }
  }
  if (note.signatures.size() >= limits.max_signatures) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "note already has ", note.signatures.size(), " signatures"));
  }
  VITRINE_ASSIGN_OR_RETURN(Signature signature, SignText(note.text, signer));
  note.signatures.push_back(std::move(signature));
  std::string out = FormatNote(note);
  if (out.size() > limits.max_size) {
    return absl::ResourceExhaustedError("signed note would exceed its limit");
  }
  return out;
}

absl::Status VerifierSet::Add(std::shared_ptr<const Verifier> verifier) {
  if (verifier == nullptr) return absl::InvalidArgumentError("null verifier");
  auto key = std::make_pair(verifier->Name(), verifier->KeyId());
  if (verifiers_.count(key) != 0) {
    return absl::AlreadyExistsError(absl::StrFormat(
        "verifier %s (key ID %08x) is already in the set", key.first,
        key.second));
  }
  verifiers_.emplace(std::move(key), std::move(verifier));
  return absl::OkStatus();
}

const Verifier* VerifierSet::Find(absl::string_view name,
                                  uint32_t key_id) const {
  auto it = verifiers_.find(std::make_pair(std::string(name), key_id));
  return it == verifiers_.end() ? nullptr : it->second.get();
}

absl::StatusOr<VerifiedNote> VerifyNote(Note note, const VerifierSet& trusted,
                                        const NoteLimits& limits) {
  VITRINE_RETURN_IF_ERROR(ValidateNoteText(note.text, limits));
  if (note.signatures.size() > limits.max_signatures) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "note has more than ", limits.max_signatures, " signatures"));
  }
  VerifiedNote result;
  for (const Signature& signature : note.signatures) {
    const Verifier* verifier = trusted.Find(signature.name, signature.key_id);
    if (verifier == nullptr) {
      result.unknown.push_back(signature);
      continue;
    }
    // A known key's bad signature means forgery or damage: reject the whole
    // note rather than quietly relying on the other signatures.
    if (!verifier->Verify(note.text, signature.bytes)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "signature by %s (key ID %08x) does not verify", signature.name,
          signature.key_id));
    }
    result.verified.push_back(signature);
  }
  if (result.verified.empty()) {
    std::vector<std::string> names;
    for (const Signature& s : result.unknown) {
      names.push_back(absl::StrFormat("%s+%08x", s.name, s.key_id));
    }
    return absl::PermissionDeniedError(absl::StrCat(
        "note is not signed by a trusted key (signed by: ",
        absl::StrJoin(names, ", "), ")"));
  }
  result.note = std::move(note);
  return result;
}

absl::StatusOr<VerifiedNote> OpenNote(absl::string_view signed_note,
                                      const VerifierSet& trusted,
                                      const NoteLimits& limits) {
  VITRINE_ASSIGN_OR_RETURN(Note note, ParseNote(signed_note, limits));
  return VerifyNote(std::move(note), trusted, limits);
}

}  // namespace vitrine::note
