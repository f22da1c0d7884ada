#include "log/note/pkcs11/internal/key_lookup.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/note/ed25519.h"

namespace vitrine::note::pkcs11::internal {
namespace {

constexpr size_t kMaxIdHexSize = 128;     // 64-byte CKA_ID: far above use.
constexpr size_t kMaxKeyLabelSize = 256;  // Labels are short names.

// Prefixes a lookup error with the key it was about, keeping its code.
absl::Status About(const TokenKey& key, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(Describe(key), ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::string> ValidateTokenKey(const TokenKey& key) {
  if (key.module_path.empty()) {
    return absl::InvalidArgumentError("no PKCS#11 module path given");
  }
  if (key.token_label.empty()) {
    return absl::InvalidArgumentError("no PKCS#11 token label given");
  }
  if (key.token_label.size() > 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token label '", key.token_label, "' is longer than 32 bytes"));
  }
  if (key.key_label.empty() && key.key_id_hex.empty()) {
    return absl::InvalidArgumentError(
        "no key label or key ID given: name the key by one or both");
  }
  if (key.key_label.size() > kMaxKeyLabelSize) {
    return absl::InvalidArgumentError("key label is longer than 256 bytes");
  }
  // Labels go into messages and logs: no control characters there.
  for (const std::string* label : {&key.token_label, &key.key_label}) {
    for (unsigned char c : *label) {
      if (c < 0x20 || c == 0x7f) {
        return absl::InvalidArgumentError(absl::StrCat(
            label == &key.token_label ? "token" : "key",
            " label contains a control character"));
      }
    }
  }
  if (key.key_id_hex.size() > kMaxIdHexSize || key.key_id_hex.size() % 2 != 0 ||
      key.key_id_hex.find_first_not_of("0123456789abcdefABCDEF") !=
          std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key ID '", key.key_id_hex,
        "' is not an even number of hex digits (at most 128)"));
  }
  if (key.pin.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no PIN given for token '", key.token_label, "'"));
  }
  return absl::HexStringToBytes(key.key_id_hex);
}

std::string Describe(const TokenKey& key) {
  std::string out = "key";
  if (!key.key_label.empty()) absl::StrAppend(&out, " '", key.key_label, "'");
  if (!key.key_id_hex.empty()) {
    absl::StrAppend(&out, key.key_label.empty() ? " with ID " : " (ID ",
                    absl::AsciiStrToLower(key.key_id_hex),
                    key.key_label.empty() ? "" : ")");
  }
  absl::StrAppend(&out, " in token '", key.token_label, "'");
  return out;
}

absl::StatusOr<FoundKey> FindKey(const Session& session, const TokenKey& key,
                                 const std::string& id) {
  VITRINE_ASSIGN_OR_RETURN(
      std::vector<CK_OBJECT_HANDLE> privates,
      FindObjects(session, CKO_PRIVATE_KEY, key.key_label, id));
  if (privates.empty()) {
    return absl::NotFoundError(absl::StrCat(
        Describe(key), " not found: the token holds no such private key"));
  }
  if (privates.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(key), ": ", privates.size(),
        " private keys match; name the key by its label and its ID"));
  }
  const CK_OBJECT_HANDLE private_key = privates[0];
  absl::StatusOr<CK_ULONG> type =
      GetUlong(session, private_key, CKA_KEY_TYPE, "CKA_KEY_TYPE");
  if (!type.ok()) return About(key, type.status());
  if (*type != CKK_EC_EDWARDS) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(key), " is a ", KeyTypeName(*type),
        " key, not Ed25519 (CKK_EC_EDWARDS)"));
  }
  // The ID the private key really has (it may have been found by label).
  absl::StatusOr<std::string> real_id =
      GetBytes(session, private_key, CKA_ID, "CKA_ID");
  std::string public_id = id;
  if (real_id.ok()) {
    public_id = *real_id;
  } else if (!absl::IsNotFound(real_id.status())) {
    return About(key, real_id.status());
  }
  VITRINE_ASSIGN_OR_RETURN(
      std::vector<CK_OBJECT_HANDLE> publics,
      FindObjects(session, CKO_PUBLIC_KEY, key.key_label, public_id));
  if (publics.size() != 1) {
    return (publics.empty() ? absl::NotFoundError : absl::FailedPreconditionError)(
        absl::StrCat(Describe(key), ": ", publics.size(),
                     " public key objects with its label and ID (want 1)"));
  }
  absl::StatusOr<std::string> params =
      GetBytes(session, publics[0], CKA_EC_PARAMS, "CKA_EC_PARAMS");
  if (!params.ok()) return About(key, params.status());
  if (IsEd448Params(*params)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(key), " is an Ed448 key, not Ed25519"));
  }
  if (!IsEd25519Params(*params)) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(key), " has unknown Edwards curve parameters (CKA_EC_PARAMS ",
        absl::BytesToHexString(*params), "), not Ed25519"));
  }
  absl::StatusOr<bool> can_sign =
      GetBool(session, private_key, CKA_SIGN, "CKA_SIGN");
  if (!can_sign.ok()) return About(key, can_sign.status());
  if (!*can_sign) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(key), " may not sign (its CKA_SIGN is false)"));
  }
  absl::StatusOr<std::string> point =
      GetBytes(session, publics[0], CKA_EC_POINT, "CKA_EC_POINT");
  if (!point.ok()) return About(key, point.status());
  absl::StatusOr<std::string> public_key = DecodeEcPoint(*point);
  if (!public_key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(key), ": ", public_key.status().message()));
  }
  if (absl::Status valid = ValidateEd25519PublicKey(*public_key); !valid.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(key), ": ", valid.message()));
  }
  return FoundKey{private_key, *std::move(public_key)};
}

absl::StatusOr<KeySession> OpenKeySession(const TokenKey& key,
                                          const std::string& id,
                                          bool read_write) {
  VITRINE_ASSIGN_OR_RETURN(Module * module, Module::Load(key.module_path));
  VITRINE_ASSIGN_OR_RETURN(CK_SLOT_ID slot,
                           FindToken(*module, key.token_label));
  VITRINE_ASSIGN_OR_RETURN(
      Session session,
      OpenUserSession(*module, slot, key.token_label, key.pin, read_write));
  VITRINE_ASSIGN_OR_RETURN(FoundKey found, FindKey(session, key, id));
  return KeySession{std::move(session), std::move(found)};
}

}  // namespace vitrine::note::pkcs11::internal
