#include "log/note/pkcs11/internal/module.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"

namespace vitrine::note::pkcs11::internal {
namespace {

constexpr size_t kLabelSize = 32;          // CK_TOKEN_INFO.label
constexpr size_t kMaxAttributeSize = 4096;  // Far above any Ed25519 field.
constexpr CK_ULONG kMaxObjects = 1024;

// DER: OBJECT IDENTIFIER 1.3.101.112 and PrintableString "edwards25519".
constexpr char kEd25519Oid[] = "\x06\x03\x2b\x65\x70";
constexpr char kEd25519Name[] = "\x13\x0c" "edwards25519";
constexpr char kEd448Oid[] = "\x06\x03\x2b\x65\x71";
constexpr char kEd448Name[] = "\x13\x0a" "edwards448";

absl::Mutex registry_mu(absl::kConstInit);
std::map<std::string, std::unique_ptr<Module>>& Registry()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(registry_mu) {
  static auto* modules = new std::map<std::string, std::unique_ptr<Module>>;
  return *modules;
}

std::string TrimLabel(const CK_UTF8CHAR* label) {
  std::string text(reinterpret_cast<const char*>(label), kLabelSize);
  const size_t end = text.find_last_not_of(' ');
  return end == std::string::npos ? "" : text.substr(0, end + 1);
}

absl::Status CallError(absl::string_view function, CK_RV rv,
                       absl::string_view context) {
  return absl::UnavailableError(
      absl::StrCat(function, context.empty() ? "" : " ", context, ": ",
                   RvName(rv)));
}

absl::Status MissingFunction(const Module& module, absl::string_view function) {
  return absl::UnimplementedError(absl::StrCat(
      "PKCS#11 module ", module.path(), " does not provide ", function));
}

}  // namespace

std::string RvName(CK_RV rv) {
  const char* name = nullptr;
  switch (rv) {
#define VITRINE_CKR(code) \
  case code:              \
    name = #code;         \
    break;
    VITRINE_CKR(CKR_OK)
    VITRINE_CKR(CKR_HOST_MEMORY)
    VITRINE_CKR(CKR_SLOT_ID_INVALID)
    VITRINE_CKR(CKR_GENERAL_ERROR)
    VITRINE_CKR(CKR_FUNCTION_FAILED)
    VITRINE_CKR(CKR_ARGUMENTS_BAD)
    VITRINE_CKR(CKR_ATTRIBUTE_SENSITIVE)
    VITRINE_CKR(CKR_ATTRIBUTE_TYPE_INVALID)
    VITRINE_CKR(CKR_ATTRIBUTE_VALUE_INVALID)
    VITRINE_CKR(CKR_DATA_LEN_RANGE)
    VITRINE_CKR(CKR_DEVICE_ERROR)
    VITRINE_CKR(CKR_DEVICE_MEMORY)
    VITRINE_CKR(CKR_DEVICE_REMOVED)
    VITRINE_CKR(CKR_FUNCTION_CANCELED)
    VITRINE_CKR(CKR_FUNCTION_NOT_SUPPORTED)
    VITRINE_CKR(CKR_KEY_HANDLE_INVALID)
    VITRINE_CKR(CKR_KEY_TYPE_INCONSISTENT)
    VITRINE_CKR(CKR_KEY_FUNCTION_NOT_PERMITTED)
    VITRINE_CKR(CKR_MECHANISM_INVALID)
    VITRINE_CKR(CKR_MECHANISM_PARAM_INVALID)
    VITRINE_CKR(CKR_OBJECT_HANDLE_INVALID)
    VITRINE_CKR(CKR_OPERATION_ACTIVE)
    VITRINE_CKR(CKR_OPERATION_NOT_INITIALIZED)
    VITRINE_CKR(CKR_PIN_INCORRECT)
    VITRINE_CKR(CKR_PIN_INVALID)
    VITRINE_CKR(CKR_PIN_LEN_RANGE)
    VITRINE_CKR(CKR_PIN_EXPIRED)
    VITRINE_CKR(CKR_PIN_LOCKED)
    VITRINE_CKR(CKR_SESSION_CLOSED)
    VITRINE_CKR(CKR_SESSION_COUNT)
    VITRINE_CKR(CKR_SESSION_HANDLE_INVALID)
    VITRINE_CKR(CKR_SESSION_READ_ONLY)
    VITRINE_CKR(CKR_TEMPLATE_INCOMPLETE)
    VITRINE_CKR(CKR_TEMPLATE_INCONSISTENT)
    VITRINE_CKR(CKR_TOKEN_NOT_PRESENT)
    VITRINE_CKR(CKR_TOKEN_NOT_RECOGNIZED)
    VITRINE_CKR(CKR_TOKEN_WRITE_PROTECTED)
    VITRINE_CKR(CKR_USER_ALREADY_LOGGED_IN)
    VITRINE_CKR(CKR_USER_NOT_LOGGED_IN)
    VITRINE_CKR(CKR_USER_PIN_NOT_INITIALIZED)
    VITRINE_CKR(CKR_USER_TYPE_INVALID)
    VITRINE_CKR(CKR_BUFFER_TOO_SMALL)
    VITRINE_CKR(CKR_CRYPTOKI_NOT_INITIALIZED)
    VITRINE_CKR(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    VITRINE_CKR(CKR_CANT_LOCK)
#undef VITRINE_CKR
    default:
      break;
  }
  const std::string hex = absl::StrFormat("0x%x", rv);
  return name == nullptr ? hex : absl::StrCat(name, " (", hex, ")");
}

std::string KeyTypeName(CK_KEY_TYPE type) {
  switch (type) {
    case CKK_RSA: return "CKK_RSA";
    case CKK_DSA: return "CKK_DSA";
    case CKK_EC: return "CKK_EC";
    case CKK_EC_EDWARDS: return "CKK_EC_EDWARDS";
    case 0x41: return "CKK_EC_MONTGOMERY";  // PKCS#11 3.0; not in p11-kit 0.24.
    case CKK_GENERIC_SECRET: return "CKK_GENERIC_SECRET";
    case CKK_AES: return "CKK_AES";
    default: return absl::StrFormat("key type 0x%x", type);
  }
}

absl::StatusOr<Module*> Module::Load(const std::string& path) {
  absl::MutexLock lock(&registry_mu);
  auto found = Registry().find(path);
  if (found != Registry().end()) return found->second.get();

  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("no PKCS#11 module at ", path, " (no such file)"));
  }
  // RTLD_LOCAL: the module's symbols (often a whole crypto library) must
  // not resolve this process's own.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot load PKCS#11 module ", path, ": ",
                     error == nullptr ? "dlopen failed" : error));
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(
      dlsym(handle, "C_GetFunctionList"));
  if (get_list == nullptr) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is not a PKCS#11 module: it has no C_GetFunctionList"));
  }
  CK_FUNCTION_LIST* functions = nullptr;
  const CK_RV rv = get_list(&functions);
  if (rv != CKR_OK || functions == nullptr ||
      functions->C_Initialize == nullptr) {
    dlclose(handle);
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is not a usable PKCS#11 module: C_GetFunctionList: ",
        RvName(rv)));
  }
  std::unique_ptr<Module> module(new Module(path, functions));
  if (absl::Status status = module->Initialize(); !status.ok()) {
    dlclose(handle);
    return status;
  }
  // The handle is never closed: the module's state lives as long as the
  // process, like the signers that use it.
  Module* result = module.get();
  Registry().emplace(path, std::move(module));
  return result;
}

absl::Status Module::Initialize() const {
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK;
  const CK_RV rv = functions_->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return CallError("C_Initialize", rv,
                     absl::StrCat("of PKCS#11 module ", path_));
  }
  return absl::OkStatus();
}

absl::Status Module::Reinitialize() const { return Initialize(); }

absl::StatusOr<CK_SLOT_ID> FindToken(const Module& module,
                                     const std::string& label) {
  if (label.size() > kLabelSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token label '", label, "' is longer than 32 bytes"));
  }
  CK_FUNCTION_LIST* f = module.functions();
  if (f->C_GetSlotList == nullptr || f->C_GetTokenInfo == nullptr) {
    return MissingFunction(module, "C_GetSlotList or C_GetTokenInfo");
  }
  std::vector<CK_SLOT_ID> slots;
  CK_RV rv = CKR_OK;
  for (int attempt = 0; attempt < 4; ++attempt) {
    CK_ULONG count = 0;
    rv = f->C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv == CKR_CRYPTOKI_NOT_INITIALIZED && attempt == 0) {
      if (absl::Status status = module.Reinitialize(); !status.ok()) {
        return status;
      }
      continue;
    }
    if (rv != CKR_OK) break;
    slots.resize(count);
    rv = f->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;  // A token just arrived.
    if (rv == CKR_OK) slots.resize(count);
    break;
  }
  if (rv != CKR_OK) {
    return CallError("C_GetSlotList", rv,
                     absl::StrCat("of PKCS#11 module ", module.path()));
  }
  std::vector<std::string> present;
  std::vector<CK_SLOT_ID> matches;
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info;
    if (f->C_GetTokenInfo(slot, &info) != CKR_OK) continue;  // Just removed.
    const std::string token = TrimLabel(info.label);
    if (token == label) {
      matches.push_back(slot);
    } else {
      present.push_back(absl::StrCat("'", token, "'"));
    }
  }
  if (matches.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        matches.size(), " tokens are labelled '", label, "' in PKCS#11 module ",
        module.path(), ": relabel one"));
  }
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no token labelled '", label, "' in PKCS#11 module ", module.path(),
        present.empty() ? " (no token present)"
                        : absl::StrCat(" (tokens present: ",
                                       absl::StrJoin(present, ", "), ")")));
  }
  return matches[0];
}

Session::Session(Session&& other) noexcept
    : module_(other.module_), handle_(other.handle_), open_(other.open_) {
  other.open_ = false;
}

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    if (open_ && module_->functions()->C_CloseSession != nullptr) {
      module_->functions()->C_CloseSession(handle_);
    }
    module_ = other.module_;
    handle_ = other.handle_;
    open_ = other.open_;
    other.open_ = false;
  }
  return *this;
}

Session::~Session() {
  // The result is ignored: a session of a removed token is already gone.
  if (open_ && module_->functions()->C_CloseSession != nullptr) {
    module_->functions()->C_CloseSession(handle_);
  }
}

absl::StatusOr<Session> OpenUserSession(const Module& module, CK_SLOT_ID slot,
                                        const std::string& token_label,
                                        const std::string& pin,
                                        bool read_write) {
  CK_FUNCTION_LIST* f = module.functions();
  if (f->C_OpenSession == nullptr || f->C_Login == nullptr) {
    return MissingFunction(module, "C_OpenSession or C_Login");
  }
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CK_RV rv = f->C_OpenSession(slot, flags, nullptr, nullptr, &handle);
  if (rv != CKR_OK) {
    return CallError("C_OpenSession", rv,
                     absl::StrCat("on token '", token_label, "'"));
  }
  Session session(&module, handle);
  std::string pin_copy = pin;  // C_Login takes a non-const pointer.
  rv = f->C_Login(handle, CKU_USER,
                  reinterpret_cast<CK_UTF8CHAR*>(pin_copy.data()),
                  pin_copy.size());
  std::fill(pin_copy.begin(), pin_copy.end(), '\0');
  switch (rv) {
    case CKR_OK:
    case CKR_USER_ALREADY_LOGGED_IN:
      return session;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
      return absl::UnauthenticatedError(absl::StrCat(
          "wrong PIN for token '", token_label, "' (C_Login: ", RvName(rv),
          ")"));
    case CKR_PIN_LOCKED:
      return absl::PermissionDeniedError(absl::StrCat(
          "the user PIN of token '", token_label, "' is locked (C_Login: ",
          RvName(rv), "): unlock it with the security officer's PIN"));
    case CKR_PIN_EXPIRED:
    case CKR_USER_PIN_NOT_INITIALIZED:
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot log in to token '", token_label, "' (C_Login: ", RvName(rv),
          "): set its user PIN"));
    default:
      return CallError("C_Login", rv,
                       absl::StrCat("to token '", token_label, "'"));
  }
}

absl::StatusOr<std::vector<CK_OBJECT_HANDLE>> FindObjects(
    const Session& session, CK_OBJECT_CLASS object_class,
    const std::string& label, const std::string& id) {
  CK_FUNCTION_LIST* f = session.functions();
  if (f->C_FindObjectsInit == nullptr || f->C_FindObjects == nullptr ||
      f->C_FindObjectsFinal == nullptr) {
    return MissingFunction(session.module(), "C_FindObjects");
  }
  std::string label_copy = label;
  std::string id_copy = id;
  std::vector<CK_ATTRIBUTE> attributes;
  attributes.push_back({CKA_CLASS, &object_class, sizeof(object_class)});
  if (!label.empty()) {
    attributes.push_back({CKA_LABEL, label_copy.data(), label_copy.size()});
  }
  if (!id.empty()) attributes.push_back({CKA_ID, id_copy.data(), id_copy.size()});
  CK_RV rv = f->C_FindObjectsInit(session.handle(), attributes.data(),
                                  attributes.size());
  if (rv != CKR_OK) return CallError("C_FindObjectsInit", rv, "");
  std::vector<CK_OBJECT_HANDLE> objects;
  CK_OBJECT_HANDLE batch[16];
  while (objects.size() < kMaxObjects) {
    CK_ULONG count = 0;
    rv = f->C_FindObjects(session.handle(), batch, 16, &count);
    if (rv != CKR_OK || count == 0) break;
    objects.insert(objects.end(), batch, batch + std::min<CK_ULONG>(count, 16));
  }
  f->C_FindObjectsFinal(session.handle());
  if (rv != CKR_OK) return CallError("C_FindObjects", rv, "");
  return objects;
}

absl::StatusOr<std::string> GetBytes(const Session& session,
                                     CK_OBJECT_HANDLE object,
                                     CK_ATTRIBUTE_TYPE type,
                                     absl::string_view what) {
  CK_FUNCTION_LIST* f = session.functions();
  if (f->C_GetAttributeValue == nullptr) {
    return MissingFunction(session.module(), "C_GetAttributeValue");
  }
  CK_ATTRIBUTE attribute = {type, nullptr, 0};
  CK_RV rv = f->C_GetAttributeValue(session.handle(), object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID ||
      (rv == CKR_OK && attribute.ulValueLen == CK_UNAVAILABLE_INFORMATION)) {
    return absl::NotFoundError(absl::StrCat("the key has no ", what));
  }
  if (rv != CKR_OK) {
    return CallError("C_GetAttributeValue", rv, absl::StrCat("(", what, ")"));
  }
  if (attribute.ulValueLen > kMaxAttributeSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the key's ", what, " is ", attribute.ulValueLen, " bytes"));
  }
  std::string value(attribute.ulValueLen, '\0');
  attribute.pValue = value.data();
  rv = f->C_GetAttributeValue(session.handle(), object, &attribute, 1);
  if (rv != CKR_OK) {
    return CallError("C_GetAttributeValue", rv, absl::StrCat("(", what, ")"));
  }
  value.resize(std::min<CK_ULONG>(attribute.ulValueLen, value.size()));
  return value;
}

namespace {

// Reads a fixed-size attribute into `value` (`size` bytes): NotFound when
// the key has none or it is another size. GetUlong and GetBool.
absl::Status GetFixed(const Session& session, CK_OBJECT_HANDLE object,
                      CK_ATTRIBUTE_TYPE type, absl::string_view what,
                      void* value, CK_ULONG size) {
  CK_FUNCTION_LIST* f = session.functions();
  if (f->C_GetAttributeValue == nullptr) {
    return MissingFunction(session.module(), "C_GetAttributeValue");
  }
  CK_ATTRIBUTE attribute = {type, value, size};
  const CK_RV rv =
      f->C_GetAttributeValue(session.handle(), object, &attribute, 1);
  if (rv == CKR_ATTRIBUTE_TYPE_INVALID ||
      (rv == CKR_OK && attribute.ulValueLen != size)) {
    return absl::NotFoundError(absl::StrCat("the key has no ", what));
  }
  if (rv != CKR_OK) {
    return CallError("C_GetAttributeValue", rv, absl::StrCat("(", what, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CK_ULONG> GetUlong(const Session& session,
                                  CK_OBJECT_HANDLE object,
                                  CK_ATTRIBUTE_TYPE type,
                                  absl::string_view what) {
  CK_ULONG value = 0;
  VITRINE_RETURN_IF_ERROR(
      GetFixed(session, object, type, what, &value, sizeof(value)));
  return value;
}

absl::StatusOr<bool> GetBool(const Session& session, CK_OBJECT_HANDLE object,
                             CK_ATTRIBUTE_TYPE type, absl::string_view what) {
  CK_BBOOL value = CK_FALSE;
  VITRINE_RETURN_IF_ERROR(
      GetFixed(session, object, type, what, &value, sizeof(value)));
  return value != CK_FALSE;
}

std::string Ed25519OidParams() {
  return std::string(kEd25519Oid, sizeof(kEd25519Oid) - 1);
}

std::string Ed25519NameParams() {
  return std::string(kEd25519Name, sizeof(kEd25519Name) - 1);
}

bool IsEd25519Params(absl::string_view params) {
  return params == Ed25519OidParams() || params == Ed25519NameParams();
}

bool IsEd448Params(absl::string_view params) {
  return params == absl::string_view(kEd448Oid, sizeof(kEd448Oid) - 1) ||
         params == absl::string_view(kEd448Name, sizeof(kEd448Name) - 1);
}

absl::StatusOr<std::string> DecodeEcPoint(absl::string_view ec_point) {
  if (ec_point.size() == 32) return std::string(ec_point);
  if (ec_point.size() == 34 && ec_point[0] == 0x04 && ec_point[1] == 0x20) {
    return std::string(ec_point.substr(2));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "CKA_EC_POINT is neither a 32-byte Ed25519 key nor its DER OCTET "
      "STRING (", ec_point.size(), " bytes)"));
}

std::string EncodeEcPoint(absl::string_view public_key) {
  return absl::StrCat(absl::string_view("\x04\x20", 2), public_key);
}

}  // namespace vitrine::note::pkcs11::internal
