// The PKCS#11 calls behind pkcs11_key.h: loading a module (dlopen,
// C_GetFunctionList, C_Initialize), finding a token by label, sessions and
// login, object search and attributes, and Ed25519 encodings (CKA_EC_PARAMS,
// CKA_EC_POINT). Headers are Debian's p11-kit pkcs11.h (PKCS#11 2.40 with
// the 3.0 Edwards-curve constants).
//
//   VITRINE_ASSIGN_OR_RETURN(Module* module, Module::Load(path));
//   VITRINE_ASSIGN_OR_RETURN(CK_SLOT_ID slot, FindToken(*module, "log"));
//   VITRINE_ASSIGN_OR_RETURN(Session session,
//                            OpenUserSession(*module, slot, "log", pin, false));
//
// Every error names the PKCS#11 function and its CKR_ code. No function
// here calls an entry the module leaves NULL: that is an error, not a crash.
// Thread-safe: modules are initialised with CKF_OS_LOCKING_OK, and a
// Session is used by one thread at a time.
#ifndef VITRINE_LOG_NOTE_PKCS11_INTERNAL_MODULE_H_
#define VITRINE_LOG_NOTE_PKCS11_INTERNAL_MODULE_H_

#include <p11-kit-1/p11-kit/pkcs11.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::note::pkcs11::internal {

// Returns "CKR_PIN_INCORRECT (0xa0)" for the codes this code meets, and the
// hex value alone for others.
std::string RvName(CK_RV rv);

// Returns "CKK_EC" etc. for a key type, the hex value for others.
std::string KeyTypeName(CK_KEY_TYPE type);

// A loaded, initialised module. Modules stay loaded for the life of the
// process: one C_Initialize per module and process (PKCS#11 allows one),
// shared by every key in it.
class Module {
 public:
  // Returns the module at `path`, loading and initialising it on first use
  // (CKF_OS_LOCKING_OK; CKR_CRYPTOKI_ALREADY_INITIALIZED, when another part
  // of the process did it, is fine). NotFound when no file is at `path`;
  // InvalidArgument when it cannot be loaded or has no C_GetFunctionList;
  // Unavailable when C_Initialize fails.
  static absl::StatusOr<Module*> Load(const std::string& path);

  CK_FUNCTION_LIST* functions() const { return functions_; }
  const std::string& path() const { return path_; }

  // Runs C_Initialize again, after a call answered
  // CKR_CRYPTOKI_NOT_INITIALIZED (something in the process finalised it).
  absl::Status Reinitialize() const;

 private:
  Module(std::string path, CK_FUNCTION_LIST* functions)
      : path_(std::move(path)), functions_(functions) {}
  absl::Status Initialize() const;

  const std::string path_;
  CK_FUNCTION_LIST* const functions_;
};

// Returns the slot whose token is labelled `label` (CK_TOKEN_INFO.label,
// 32 bytes padded with spaces). NotFound naming the labels present;
// InvalidArgument for a label over 32 bytes; FailedPrecondition when two
// tokens carry it; Unavailable when the module fails.
absl::StatusOr<CK_SLOT_ID> FindToken(const Module& module,
                                     const std::string& label);

// An open session, closed when dropped. Move-only.
class Session {
 public:
  Session(const Module* module, CK_SESSION_HANDLE handle)
      : module_(module), handle_(handle) {}
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  const Module& module() const { return *module_; }
  CK_FUNCTION_LIST* functions() const { return module_->functions(); }
  CK_SESSION_HANDLE handle() const { return handle_; }

 private:
  const Module* module_;
  CK_SESSION_HANDLE handle_;
  bool open_ = true;
};

// Opens a session on `slot` and logs the user in with `pin`
// (CKR_USER_ALREADY_LOGGED_IN is fine: login is per token and process).
// Unauthenticated for a wrong PIN, PermissionDenied for a locked one,
// Unavailable for other failures. `token_label` is for messages.
absl::StatusOr<Session> OpenUserSession(const Module& module, CK_SLOT_ID slot,
                                        const std::string& token_label,
                                        const std::string& pin,
                                        bool read_write);

// Returns the objects of `object_class` whose CKA_LABEL is `label` and
// whose CKA_ID is `id` (either may be empty: not searched on).
absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> FindObjects(
    const Session& session, CK_OBJECT_CLASS object_class,
    const std::string& label, const std::string& id);

// Returns a byte-array attribute (at most 4 KiB); NotFound when the object
// has no such attribute. `what` names it in messages.
absl::StatusOr<std::string> GetBytes(const Session& session,
                                     CK_OBJECT_HANDLE object,
                                     CK_ATTRIBUTE_TYPE type,
                                     absl::string_view what);

// Returns a CK_ULONG attribute (CKA_KEY_TYPE, CKA_CLASS).
absl::StatusOr<CK_ULONG> GetUlong(const Session& session,
                                  CK_OBJECT_HANDLE object,
                                  CK_ATTRIBUTE_TYPE type,
                                  absl::string_view what);

// Returns a CK_BBOOL attribute (CKA_SIGN, CKA_SENSITIVE, CKA_EXTRACTABLE).
absl::StatusOr<bool> GetBool(const Session& session, CK_OBJECT_HANDLE object,
                             CK_ATTRIBUTE_TYPE type, absl::string_view what);

// CKA_EC_PARAMS of Ed25519 (PKCS#11 3.0, 2.3.10): the DER of the OID
// 1.3.101.112 (RFC 8410, id-Ed25519) or of the PrintableString
// "edwards25519". SoftHSM 2.6 takes both, generating and importing, and
// stores a generated key's as the PrintableString; keys are generated with
// the OID, the form PKCS#11 3.0 prefers.
std::string Ed25519OidParams();
std::string Ed25519NameParams();
bool IsEd25519Params(absl::string_view params);
bool IsEd448Params(absl::string_view params);

// Returns the 32-byte key of a CKA_EC_POINT: a DER OCTET STRING (04 20 ...,
// what PKCS#11 3.0 specifies and SoftHSM returns) or the raw 32 bytes (what
// some tokens return). InvalidArgument otherwise.
absl::StatusOr<std::string> DecodeEcPoint(absl::string_view ec_point);

// Returns the CKA_EC_POINT of a 32-byte key: the DER OCTET STRING.
std::string EncodeEcPoint(absl::string_view public_key);

}  // namespace vitrine::note::pkcs11::internal

#endif  // VITRINE_LOG_NOTE_PKCS11_INTERNAL_MODULE_H_
