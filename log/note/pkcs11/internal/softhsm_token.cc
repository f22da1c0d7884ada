#include "log/note/pkcs11/internal/softhsm_token.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/ed25519.h"
#include "log/note/pkcs11/internal/module.h"

namespace vitrine::note::pkcs11::internal {
namespace {

absl::StatusOr<Session> OpenWriteSession(const TokenKey& key) {
  VITRINE_ASSIGN_OR_RETURN(Module * module, Module::Load(key.module_path));
  VITRINE_ASSIGN_OR_RETURN(CK_SLOT_ID slot,
                           FindToken(*module, key.token_label));
  return OpenUserSession(*module, slot, key.token_label, key.pin,
                         /*read_write=*/true);
}

void AddName(const TokenKey& key, std::string* label, std::string* id,
             std::vector<CK_ATTRIBUTE>* attributes) {
  *label = key.key_label;
  *id = absl::HexStringToBytes(key.key_id_hex);
  if (!label->empty()) {
    attributes->push_back({CKA_LABEL, label->data(), label->size()});
  }
  if (!id->empty()) attributes->push_back({CKA_ID, id->data(), id->size()});
}

absl::Status Check(CK_RV rv, absl::string_view what) {
  if (rv != CKR_OK) {
    return absl::InternalError(absl::StrCat(what, ": ", RvName(rv)));
  }
  return absl::OkStatus();
}

absl::Status GenerateOther(const TokenKey& key, CK_MECHANISM_TYPE mechanism_type,
                           std::vector<CK_ATTRIBUTE> public_template) {
  VITRINE_ASSIGN_OR_RETURN(Session session, OpenWriteSession(key));
  CK_BBOOL yes = CK_TRUE;
  std::vector<CK_ATTRIBUTE> private_template = {
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_PRIVATE, &yes, sizeof(yes)},
      {CKA_SENSITIVE, &yes, sizeof(yes)},
      {CKA_SIGN, &yes, sizeof(yes)},
  };
  public_template.push_back({CKA_TOKEN, &yes, sizeof(yes)});
  std::string label, id, label2, id2;
  AddName(key, &label, &id, &public_template);
  AddName(key, &label2, &id2, &private_template);
  CK_MECHANISM mechanism = {mechanism_type, nullptr, 0};
  CK_OBJECT_HANDLE public_key, private_key;
  return Check(session.functions()->C_GenerateKeyPair(
                   session.handle(), &mechanism, public_template.data(),
                   public_template.size(), private_template.data(),
                   private_template.size(), &public_key, &private_key),
               "C_GenerateKeyPair");
}

}  // namespace

absl::Status ConfigureSoftHsm(const std::string& dir) {
  const std::string tokens = absl::StrCat(dir, "/tokens");
  VITRINE_RETURN_IF_ERROR(MakeDirs(tokens, 0700));
  const std::string conf = absl::StrCat(dir, "/softhsm2.conf");
  VITRINE_RETURN_IF_ERROR(WriteFileAtomically(
      conf,
      absl::StrCat("directories.tokendir = ", tokens,
                   "\nobjectstore.backend = file\nlog.level = ERROR\n"
                   "slots.removable = false\n"),
      0600));
  if (setenv("SOFTHSM2_CONF", conf.c_str(), 1) != 0) {
    return absl::InternalError("setenv SOFTHSM2_CONF failed");
  }
  return absl::OkStatus();
}

absl::Status InitToken(const std::string& label, const std::string& pin,
                       const std::string& so_pin) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Quiet: softhsm2-util prints the slot it used.
    freopen("/dev/null", "w", stdout);
    execlp("softhsm2-util", "softhsm2-util", "--init-token", "--free",
           "--label", label.c_str(), "--pin", pin.c_str(), "--so-pin",
           so_pin.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(
        "softhsm2-util --init-token --label ", label,
        " failed (exit status ", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        "; is softhsm2 installed?)"));
  }
  return absl::OkStatus();
}

absl::Status ImportEd25519Seed(const TokenKey& key, absl::string_view seed,
                               const std::string& params) {
  VITRINE_ASSIGN_OR_RETURN(std::string public_key, Ed25519PublicKey(seed));
  VITRINE_ASSIGN_OR_RETURN(Session session, OpenWriteSession(key));
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_KEY_TYPE key_type = CKK_EC_EDWARDS;
  CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
  CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
  std::string params_copy = params;
  std::string value(seed);
  std::string point = EncodeEcPoint(public_key);
  std::vector<CK_ATTRIBUTE> private_template = {
      {CKA_CLASS, &private_class, sizeof(private_class)},
      {CKA_KEY_TYPE, &key_type, sizeof(key_type)},
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_PRIVATE, &yes, sizeof(yes)},
      {CKA_SENSITIVE, &yes, sizeof(yes)},
      {CKA_EXTRACTABLE, &no, sizeof(no)},
      {CKA_SIGN, &yes, sizeof(yes)},
      {CKA_EC_PARAMS, params_copy.data(), params_copy.size()},
      {CKA_VALUE, value.data(), value.size()},
  };
  std::vector<CK_ATTRIBUTE> public_template = {
      {CKA_CLASS, &public_class, sizeof(public_class)},
      {CKA_KEY_TYPE, &key_type, sizeof(key_type)},
      {CKA_TOKEN, &yes, sizeof(yes)},
      {CKA_VERIFY, &yes, sizeof(yes)},
      {CKA_EC_PARAMS, params_copy.data(), params_copy.size()},
      {CKA_EC_POINT, point.data(), point.size()},
  };
  std::string label, id, label2, id2;
  AddName(key, &label, &id, &private_template);
  AddName(key, &label2, &id2, &public_template);
  CK_OBJECT_HANDLE object;
  VITRINE_RETURN_IF_ERROR(
      Check(session.functions()->C_CreateObject(
                session.handle(), private_template.data(),
                private_template.size(), &object),
            "C_CreateObject (private key)"));
  return Check(session.functions()->C_CreateObject(
                   session.handle(), public_template.data(),
                   public_template.size(), &object),
               "C_CreateObject (public key)");
}

absl::Status GenerateP256KeyPair(const TokenKey& key) {
  // DER OBJECT IDENTIFIER 1.2.840.10045.3.1.7 (prime256v1).
  static const std::string kP256 =
      absl::HexStringToBytes("06082a8648ce3d030107");
  std::string params = kP256;
  return GenerateOther(key, CKM_EC_KEY_PAIR_GEN,
                       {{CKA_EC_PARAMS, params.data(), params.size()}});
}

absl::Status GenerateEd448KeyPair(const TokenKey& key) {
  // DER OBJECT IDENTIFIER 1.3.101.113 (id-Ed448).
  std::string params = absl::HexStringToBytes("06032b6571");
  return GenerateOther(key, CKM_EC_EDWARDS_KEY_PAIR_GEN,
                       {{CKA_EC_PARAMS, params.data(), params.size()}});
}

absl::Status GenerateRsaKeyPair(const TokenKey& key) {
  CK_ULONG bits = 2048;
  CK_BYTE exponent[] = {0x01, 0x00, 0x01};
  return GenerateOther(key, CKM_RSA_PKCS_KEY_PAIR_GEN,
                       {{CKA_MODULUS_BITS, &bits, sizeof(bits)},
                        {CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent)}});
}

}  // namespace vitrine::note::pkcs11::internal
