#include "log/note/keys.h"

#include <openssl/crypto.h>
#if defined(OPENSSL_IS_BORINGSSL)
#include <openssl/mem.h>
#endif

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"

namespace vitrine::note {
namespace {

constexpr absl::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";

// Zeroes a string that held secret bytes before its memory is released.
class ScopedCleanse {
 public:
  explicit ScopedCleanse(std::string* secret) : secret_(secret) {}
  ~ScopedCleanse() { OPENSSL_cleanse(&(*secret_)[0], secret_->size()); }
  ScopedCleanse(const ScopedCleanse&) = delete;
  ScopedCleanse& operator=(const ScopedCleanse&) = delete;

 private:
  std::string* secret_;
};

// The three fields shared by both key strings, checked for syntax only.
struct KeyFields {
  std::string name;
  uint32_t key_id = 0;
  SignatureType type = SignatureType::kEd25519;
  std::string key;  // Public key or seed.
};

absl::StatusOr<SignatureType> ParseType(uint8_t byte) {
  switch (byte) {
    case static_cast<uint8_t>(SignatureType::kEd25519):
      return SignatureType::kEd25519;
    case static_cast<uint8_t>(SignatureType::kCosignatureV1):
      return SignatureType::kCosignatureV1;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "unsupported key type 0x%02x (want 0x01 or 0x04)", byte));
  }
}

// Parses "<name>+<8 hex>+<base64(type || key)>". The name cannot contain
// '+', so the first two '+' split the fields; base64 may contain more.
// `what` names the key kind in errors; key bytes never appear in them.
absl::StatusOr<KeyFields> ParseFields(absl::string_view text,
                                      absl::string_view what) {
  const size_t plus1 = text.find('+');
  const size_t plus2 =
      plus1 == text.npos ? text.npos : text.find('+', plus1 + 1);
  if (plus2 == text.npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not name+keyid+key"));
  }
  KeyFields fields;
  fields.name = std::string(text.substr(0, plus1));
  absl::Status name_ok = ValidateKeyName(fields.name);
  if (!name_ok.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", name_ok.message()));
  }
  absl::string_view id_hex = text.substr(plus1 + 1, plus2 - plus1 - 1);
  if (id_hex.size() != 8 ||
      id_hex.find_first_not_of("0123456789abcdef") != id_hex.npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": key ID is not 8 lowercase hex digits"));
  }
  for (char c : id_hex) {
    fields.key_id = (fields.key_id << 4) |
                    static_cast<uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  absl::string_view b64 = text.substr(plus2 + 1);
  std::string decoded;
  ScopedCleanse cleanse_decoded(&decoded);
  if (!absl::Base64Unescape(b64, &decoded) ||
      absl::Base64Escape(decoded) != b64) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": key is not canonical padded base64"));
  }
  if (decoded.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": empty key"));
  }
  VITRINE_ASSIGN_OR_RETURN(fields.type,
                           ParseType(static_cast<uint8_t>(decoded[0])));
  fields.key = decoded.substr(1);
  if (fields.key.size() != kEd25519PublicKeySize) {
    // Seeds and public keys are both 32 bytes.
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": wrong key length ", fields.key.size(), " (want 32)"));
  }
  return fields;
}

absl::Status CheckKeyId(const KeyFields& fields, absl::string_view public_key,
                        absl::string_view what) {
  const uint32_t want = ComputeKeyId(fields.name, fields.type, public_key);
  if (fields.key_id != want) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: wrong key ID %08x for this name, type and key (want %08x)", what,
        fields.key_id, want));
  }
  return absl::OkStatus();
}

std::string EncodeKey(SignatureType type, absl::string_view key) {
  std::string raw = absl::StrCat(std::string(1, static_cast<char>(type)), key);
  ScopedCleanse cleanse_raw(&raw);
  return absl::Base64Escape(raw);
}

absl::StatusOr<KeyFields> ParseSignerFields(absl::string_view signer_key) {
  if (!absl::StartsWith(signer_key, kPrivateKeyPrefix)) {
    return absl::InvalidArgumentError(
        "signer key does not start with PRIVATE+KEY+");
  }
  VITRINE_ASSIGN_OR_RETURN(
      KeyFields fields,
      ParseFields(signer_key.substr(kPrivateKeyPrefix.size()), "signer key"));
  VITRINE_ASSIGN_OR_RETURN(std::string public_key, Ed25519PublicKey(fields.key));
  VITRINE_RETURN_IF_ERROR(CheckKeyId(fields, public_key, "signer key"));
  return fields;
}

}  // namespace

absl::StatusOr<VerifierKey> ParseVerifierKey(absl::string_view vkey) {
  VITRINE_ASSIGN_OR_RETURN(KeyFields fields, ParseFields(vkey, "verifier key"));
  VITRINE_RETURN_IF_ERROR(CheckKeyId(fields, fields.key, "verifier key"));
  if (absl::Status valid = ValidateEd25519PublicKey(fields.key); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("verifier key: ", valid.message()));
  }
  return VerifierKey{std::move(fields.name), fields.type, fields.key_id,
                     std::move(fields.key)};
}

absl::StatusOr<std::string> FormatVerifierKey(absl::string_view name,
                                              SignatureType type,
                                              absl::string_view public_key) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an Ed25519 public key is 32 bytes, got ", public_key.size()));
  }
  return absl::StrFormat("%s+%08x+%s", name,
                         ComputeKeyId(name, type, public_key),
                         EncodeKey(type, public_key));
}

absl::StatusOr<std::unique_ptr<Verifier>> NewVerifier(absl::string_view vkey) {
  VITRINE_ASSIGN_OR_RETURN(VerifierKey key, ParseVerifierKey(vkey));
  if (key.type == SignatureType::kCosignatureV1) {
    return NewCosignatureV1Verifier(key.name, key.public_key);
  }
  return NewEd25519Verifier(key.name, key.public_key);
}

absl::StatusOr<std::unique_ptr<Signer>> NewSigner(absl::string_view signer_key,
                                                  CosignatureClock clock) {
  VITRINE_ASSIGN_OR_RETURN(KeyFields fields, ParseSignerFields(signer_key));
  ScopedCleanse cleanse_seed(&fields.key);
  if (fields.type == SignatureType::kCosignatureV1) {
    return NewCosignatureV1Signer(fields.name, fields.key, std::move(clock));
  }
  return NewEd25519Signer(fields.name, fields.key);
}

absl::StatusOr<std::string> FormatSignerKey(absl::string_view name,
                                            SignatureType type,
                                            absl::string_view seed) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  VITRINE_ASSIGN_OR_RETURN(std::string public_key, Ed25519PublicKey(seed));
  return absl::StrFormat("%s%s+%08x+%s", kPrivateKeyPrefix, name,
                         ComputeKeyId(name, type, public_key),
                         EncodeKey(type, seed));
}

absl::StatusOr<std::string> VerifierKeyOf(absl::string_view signer_key) {
  VITRINE_ASSIGN_OR_RETURN(KeyFields fields, ParseSignerFields(signer_key));
  ScopedCleanse cleanse_seed(&fields.key);
  VITRINE_ASSIGN_OR_RETURN(std::string public_key, Ed25519PublicKey(fields.key));
  return FormatVerifierKey(fields.name, fields.type, public_key);
}

absl::StatusOr<GeneratedKey> GenerateKey(absl::string_view name,
                                         SignatureType type) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  VITRINE_ASSIGN_OR_RETURN(std::string seed, GenerateEd25519Seed());
  ScopedCleanse cleanse_seed(&seed);
  VITRINE_ASSIGN_OR_RETURN(std::string public_key, Ed25519PublicKey(seed));
  GeneratedKey key;
  VITRINE_ASSIGN_OR_RETURN(key.signer_key, FormatSignerKey(name, type, seed));
  VITRINE_ASSIGN_OR_RETURN(key.verifier_key,
                           FormatVerifierKey(name, type, public_key));
  return key;
}

}  // namespace vitrine::note
