// GenerateKeyPair and PublicKey (pkcs11_key.h); OpenSigner is in
// pkcs11_signer.cc and ReadPin in pin.cc.
#include "log/note/pkcs11/pkcs11_key.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/note/pkcs11/internal/key_lookup.h"
#include "log/note/pkcs11/internal/module.h"

namespace vitrine::note::pkcs11 {
namespace {

using internal::Session;

// Returns AlreadyExists when any key object of the token has the label or
// the ID: a second key under either would make lookups ambiguous.
absl::Status CheckNoKeyNamed(const Session& session, const TokenKey& key,
                             const std::string& id) {
  for (CK_OBJECT_CLASS object_class : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
    if (!key.key_label.empty()) {
      VITRINE_ASSIGN_OR_RETURN(
          std::vector<CK_OBJECT_HANDLE> found,
          internal::FindObjects(session, object_class, key.key_label, ""));
      if (!found.empty()) {
        return absl::AlreadyExistsError(absl::StrCat(
            "token '", key.token_label, "' already holds a key labelled '",
            key.key_label, "'"));
      }
    }
    if (!id.empty()) {
      VITRINE_ASSIGN_OR_RETURN(
          std::vector<CK_OBJECT_HANDLE> found,
          internal::FindObjects(session, object_class, "", id));
      if (!found.empty()) {
        return absl::AlreadyExistsError(absl::StrCat(
            "token '", key.token_label, "' already holds a key with ID ",
            key.key_id_hex));
      }
    }
  }
  return absl::OkStatus();
}

// Checks what the token made of the private key's protection: a token that
// ignored CKA_SENSITIVE or CKA_EXTRACTABLE would let the key out.
absl::Status CheckProtected(const Session& session, CK_OBJECT_HANDLE private_key,
                            const TokenKey& key) {
  VITRINE_ASSIGN_OR_RETURN(bool sensitive,
                           internal::GetBool(session, private_key,
                                             CKA_SENSITIVE, "CKA_SENSITIVE"));
  VITRINE_ASSIGN_OR_RETURN(
      bool extractable, internal::GetBool(session, private_key,
                                          CKA_EXTRACTABLE, "CKA_EXTRACTABLE"));
  if (!sensitive || extractable) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the token made ", internal::Describe(key),
        sensitive ? " extractable" : " not sensitive",
        ": the key pair was deleted"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> GenerateKeyPair(const TokenKey& key) {
  VITRINE_ASSIGN_OR_RETURN(std::string id, internal::ValidateTokenKey(key));
  VITRINE_ASSIGN_OR_RETURN(internal::Module * module,
                           internal::Module::Load(key.module_path));
  VITRINE_ASSIGN_OR_RETURN(CK_SLOT_ID slot,
                           internal::FindToken(*module, key.token_label));
  VITRINE_ASSIGN_OR_RETURN(
      Session session, internal::OpenUserSession(*module, slot, key.token_label,
                                                 key.pin, /*read_write=*/true));
  VITRINE_RETURN_IF_ERROR(CheckNoKeyNamed(session, key, id));
  CK_FUNCTION_LIST* f = module->functions();
  if (f->C_GenerateKeyPair == nullptr || f->C_DestroyObject == nullptr) {
    return absl::UnimplementedError(absl::StrCat(
        "PKCS#11 module ", module->path(),
        " does not provide C_GenerateKeyPair or C_DestroyObject"));
  }

  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  std::string params = internal::Ed25519OidParams();
  std::string label = key.key_label;
  std::vector<CK_ATTRIBUTE> public_template = {
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_PRIVATE, &no, sizeof(no)},
      {CKA_VERIFY, &yes, sizeof(yes)},
      {CKA_EC_PARAMS, params.data(), params.size()},
  };
  std::vector<CK_ATTRIBUTE> private_template = {
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_PRIVATE, &yes, sizeof(yes)},
      {CKA_SENSITIVE, &yes, sizeof(yes)},
      {CKA_EXTRACTABLE, &no, sizeof(no)},
      {CKA_SIGN, &yes, sizeof(yes)},
      {CKA_DECRYPT, &no, sizeof(no)},
      {CKA_DERIVE, &no, sizeof(no)},
  };
  for (auto* attributes : {&public_template, &private_template}) {
    if (!label.empty()) {
      attributes->push_back({CKA_LABEL, label.data(), label.size()});
    }
    if (!id.empty()) attributes->push_back({CKA_ID, id.data(), id.size()});
  }
  CK_MECHANISM mechanism = {CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  const CK_RV rv = f->C_GenerateKeyPair(
      session.handle(), &mechanism, public_template.data(),
      public_template.size(), private_template.data(), private_template.size(),
      &public_key, &private_key);
  if (rv == CKR_MECHANISM_INVALID || rv == CKR_ATTRIBUTE_VALUE_INVALID ||
      rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_DOMAIN_PARAMS_INVALID) {
    return absl::FailedPreconditionError(absl::StrCat(
        "token '", key.token_label,
        "' cannot generate Ed25519 key pairs (C_GenerateKeyPair: ",
        internal::RvName(rv), ")"));
  }
  if (rv != CKR_OK) {
    return absl::UnavailableError(absl::StrCat(
        "generating ", internal::Describe(key),
        " failed (C_GenerateKeyPair: ", internal::RvName(rv), ")"));
  }
  absl::Status status = CheckProtected(session, private_key, key);
  absl::StatusOr<internal::FoundKey> found =
      status.ok() ? internal::FindKey(session, key, id)
                  : absl::StatusOr<internal::FoundKey>(status);
  if (!found.ok()) {
    // Leave no half-checked key behind under the name.
    f->C_DestroyObject(session.handle(), private_key);
    f->C_DestroyObject(session.handle(), public_key);
    return found.status();
  }
  return std::move(found->public_key);
}

absl::StatusOr<std::string> PublicKey(const TokenKey& key) {
  VITRINE_ASSIGN_OR_RETURN(std::string id, internal::ValidateTokenKey(key));
  VITRINE_ASSIGN_OR_RETURN(
      internal::KeySession opened,
      internal::OpenKeySession(key, id, /*read_write=*/false));
  return std::move(opened.key.public_key);
}

}  // namespace vitrine::note::pkcs11
