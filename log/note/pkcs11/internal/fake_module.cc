// Test support: a tiny PKCS#11 module (a shared library, dlopen()ed like a
// real one) with one token, "fake-token" (PIN 1234), holding one Ed25519
// key pair "fake-key" (ID 01) whose seed is 32 bytes of 0x42. Its public
// key object gives CKA_EC_POINT as the raw 32 bytes and CKA_EC_PARAMS as
// the PrintableString "edwards25519", the forms SoftHSM does not use.
//
// Tests steer it through the fake_pkcs11_* functions below (found with
// dlsym on the same path): failing C_Sign or C_SignInit, removing the
// token, changing or locking the PIN, corrupting signatures. Only the
// functions Vitrine calls are implemented; the others are NULL.
#include <p11-kit-1/p11-kit/pkcs11.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr CK_SLOT_ID kSlot = 3;
constexpr CK_OBJECT_HANDLE kPrivateKey = 10;
constexpr CK_OBJECT_HANDLE kPublicKey = 11;
constexpr char kLabel[] = "fake-key";
constexpr unsigned char kId[] = {0x01};
constexpr char kParams[] = "\x13\x0c" "edwards25519";

struct State {
  std::mutex mu;
  bool initialized = false;
  bool present = true;
  bool pin_locked = false;
  bool logged_in = false;
  std::string pin = "1234";
  CK_SESSION_HANDLE next_session = 100;
  std::set<CK_SESSION_HANDLE> sessions;
  std::set<CK_SESSION_HANDLE> signing;  // C_SignInit done.
  std::map<CK_SESSION_HANDLE, std::vector<CK_OBJECT_HANDLE>> found;
  CK_RV sign_rv = CKR_OK;
  int sign_failures = 0;
  CK_RV sign_init_rv = CKR_OK;
  int sign_init_failures = 0;
  int corruptions = 0;
  bool keys_present = true;      // Objects 10 and 11 exist.
  bool extractable = false;      // What C_GenerateKeyPair makes.
  CK_RV generate_rv = CKR_OK;    // What C_GenerateKeyPair answers.
  long opened = 0;
  long logins = 0;
  long signatures = 0;
  unsigned char secret[crypto_sign_SECRETKEYBYTES];
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
};

State& S() {
  static State* state = [] {
    auto* s = new State;
    if (sodium_init() < 0) abort();
    unsigned char seed[32];
    std::memset(seed, 0x42, sizeof(seed));
    crypto_sign_seed_keypair(s->public_key, s->secret, seed);
    return s;
  }();
  return *state;
}

void Forget(State& s) {  // The token went away: sessions and login too.
  s.sessions.clear();
  s.signing.clear();
  s.found.clear();
  s.logged_in = false;
}

CK_RV CheckSession(State& s, CK_SESSION_HANDLE session) {
  if (!s.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (!s.present) return CKR_DEVICE_REMOVED;
  if (s.sessions.count(session) == 0) return CKR_SESSION_HANDLE_INVALID;
  return CKR_OK;
}

// Returns the attribute's bytes of an object, or false when it has none.
bool Attribute(const State& s, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
               std::string* out) {
  auto ulong = [out](CK_ULONG v) {
    out->assign(reinterpret_cast<const char*>(&v), sizeof(v));
  };
  auto bbool = [out](bool v) { out->assign(1, v ? CK_TRUE : CK_FALSE); };
  const bool is_private = object == kPrivateKey;
  switch (type) {
    case CKA_CLASS: ulong(is_private ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY); return true;
    case CKA_KEY_TYPE: ulong(CKK_EC_EDWARDS); return true;
    case CKA_LABEL: out->assign(kLabel); return true;
    case CKA_ID: out->assign(reinterpret_cast<const char*>(kId), sizeof(kId)); return true;
    case CKA_EC_PARAMS: out->assign(kParams, sizeof(kParams) - 1); return true;
    case CKA_SIGN: if (!is_private) return false; bbool(true); return true;
    case CKA_SENSITIVE:
      if (!is_private) return false;
      bbool(!s.extractable);
      return true;
    case CKA_EXTRACTABLE:
      if (!is_private) return false;
      bbool(s.extractable);
      return true;
    case CKA_EC_POINT:
      if (is_private) return false;
      out->assign(reinterpret_cast<const char*>(s.public_key), 32);
      return true;
    default: return false;
  }
}

CK_RV Initialize(void*) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.initialized) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  s.initialized = true;
  return CKR_OK;
}

CK_RV Finalize(void*) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  s.initialized = false;
  Forget(s);
  return CKR_OK;
}

CK_RV GetSlotList(CK_BBOOL, CK_SLOT_ID* list, CK_ULONG* count) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  const CK_ULONG n = s.present ? 1 : 0;
  if (list != nullptr) {
    if (*count < n) { *count = n; return CKR_BUFFER_TOO_SMALL; }
    if (n == 1) list[0] = kSlot;
  }
  *count = n;
  return CKR_OK;
}

CK_RV GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO* info) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (slot != kSlot) return CKR_SLOT_ID_INVALID;
  if (!s.present) return CKR_TOKEN_NOT_PRESENT;
  std::memset(info, 0, sizeof(*info));
  std::memset(info->label, ' ', sizeof(info->label));
  std::memcpy(info->label, "fake-token", 10);
  info->flags = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED;
  return CKR_OK;
}

CK_RV OpenSession(CK_SLOT_ID slot, CK_FLAGS, void*, CK_NOTIFY,
                  CK_SESSION_HANDLE* session) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (slot != kSlot) return CKR_SLOT_ID_INVALID;
  if (!s.present) return CKR_TOKEN_NOT_PRESENT;
  *session = s.next_session++;
  s.sessions.insert(*session);
  ++s.opened;
  return CKR_OK;
}

CK_RV CloseSession(CK_SESSION_HANDLE session) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  s.sessions.erase(session);
  s.signing.erase(session);
  s.found.erase(session);
  if (s.sessions.empty()) s.logged_in = false;  // PKCS#11: last one logs out.
  return CKR_OK;
}

CK_RV Login(CK_SESSION_HANDLE session, CK_USER_TYPE, CK_UTF8CHAR* pin,
            CK_ULONG length) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  ++s.logins;
  if (s.pin_locked) return CKR_PIN_LOCKED;
  if (std::string(reinterpret_cast<char*>(pin), length) != s.pin) {
    return CKR_PIN_INCORRECT;
  }
  if (s.logged_in) return CKR_USER_ALREADY_LOGGED_IN;
  s.logged_in = true;
  return CKR_OK;
}

CK_RV FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE* templ,
                      CK_ULONG count) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  std::vector<CK_OBJECT_HANDLE> matches;
  for (CK_OBJECT_HANDLE object : {kPrivateKey, kPublicKey}) {
    if (!s.keys_present) break;
    if (object == kPrivateKey && !s.logged_in) continue;  // CKA_PRIVATE.
    bool match = true;
    for (CK_ULONG i = 0; i < count; ++i) {
      std::string value;
      match = match && Attribute(s, object, templ[i].type, &value) &&
              value == std::string(static_cast<char*>(templ[i].pValue),
                                   templ[i].ulValueLen);
    }
    if (match) matches.push_back(object);
  }
  s.found[session] = matches;
  return CKR_OK;
}

CK_RV FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* objects,
                  CK_ULONG max, CK_ULONG* count) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  std::vector<CK_OBJECT_HANDLE>& left = s.found[session];
  *count = 0;
  while (*count < max && !left.empty()) {
    objects[(*count)++] = left.front();
    left.erase(left.begin());
  }
  return CKR_OK;
}

CK_RV FindObjectsFinal(CK_SESSION_HANDLE session) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  s.found.erase(session);
  return CKR_OK;
}

CK_RV GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
                        CK_ATTRIBUTE* templ, CK_ULONG count) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  if ((object != kPrivateKey && object != kPublicKey) || !s.keys_present) {
    return CKR_OBJECT_HANDLE_INVALID;
  }
  CK_RV result = CKR_OK;
  for (CK_ULONG i = 0; i < count; ++i) {
    std::string value;
    if (!Attribute(s, object, templ[i].type, &value)) {
      templ[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      result = CKR_ATTRIBUTE_TYPE_INVALID;
    } else if (templ[i].pValue == nullptr) {
      templ[i].ulValueLen = value.size();
    } else if (templ[i].ulValueLen < value.size()) {
      templ[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      result = CKR_BUFFER_TOO_SMALL;
    } else {
      std::memcpy(templ[i].pValue, value.data(), value.size());
      templ[i].ulValueLen = value.size();
    }
  }
  return result;
}

CK_RV SignInit(CK_SESSION_HANDLE session, CK_MECHANISM* mechanism,
               CK_OBJECT_HANDLE key) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  if (s.sign_init_failures > 0) {
    --s.sign_init_failures;
    return s.sign_init_rv;
  }
  if (!s.logged_in) return CKR_USER_NOT_LOGGED_IN;
  if (mechanism->mechanism != CKM_EDDSA) return CKR_MECHANISM_INVALID;
  if (key != kPrivateKey) return CKR_KEY_HANDLE_INVALID;
  if (!s.signing.insert(session).second) return CKR_OPERATION_ACTIVE;
  return CKR_OK;
}

CK_RV Sign(CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG length,
           CK_BYTE* signature, CK_ULONG* signature_length) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  if (s.signing.count(session) == 0) return CKR_OPERATION_NOT_INITIALIZED;
  if (signature == nullptr) {
    *signature_length = crypto_sign_BYTES;
    return CKR_OK;
  }
  s.signing.erase(session);
  if (s.sign_failures > 0) {
    --s.sign_failures;
    if (s.sign_rv == CKR_DEVICE_REMOVED) Forget(s);  // A blip of the token.
    return s.sign_rv;
  }
  if (*signature_length < crypto_sign_BYTES) return CKR_BUFFER_TOO_SMALL;
  crypto_sign_detached(signature, nullptr, data, length, s.secret);
  *signature_length = crypto_sign_BYTES;
  if (s.corruptions > 0) {
    --s.corruptions;
    signature[5] ^= 0x01;
  }
  ++s.signatures;
  return CKR_OK;
}

// "Generates" the one key pair the fake knows (whatever the templates
// say), sensitive or not as fake_pkcs11_generate steered it.
CK_RV GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM* mechanism,
                      CK_ATTRIBUTE*, CK_ULONG, CK_ATTRIBUTE*, CK_ULONG,
                      CK_OBJECT_HANDLE* public_key,
                      CK_OBJECT_HANDLE* private_key) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  if (s.generate_rv != CKR_OK) return s.generate_rv;
  if (mechanism->mechanism != CKM_EC_EDWARDS_KEY_PAIR_GEN) {
    return CKR_MECHANISM_INVALID;
  }
  if (s.keys_present) return CKR_GENERAL_ERROR;  // One key pair at most.
  s.keys_present = true;
  *public_key = kPublicKey;
  *private_key = kPrivateKey;
  return CKR_OK;
}

CK_RV DestroyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  if (CK_RV rv = CheckSession(s, session); rv != CKR_OK) return rv;
  if ((object != kPrivateKey && object != kPublicKey) || !s.keys_present) {
    return CKR_OBJECT_HANDLE_INVALID;
  }
  s.keys_present = false;  // Both go: the fake's pair is one.
  return CKR_OK;
}

CK_FUNCTION_LIST* List() {
  static CK_FUNCTION_LIST* list = [] {
    auto* l = new CK_FUNCTION_LIST();
    std::memset(l, 0, sizeof(*l));
    l->version = {2, 40};
    l->C_Initialize = Initialize;
    l->C_Finalize = Finalize;
    l->C_GetSlotList = GetSlotList;
    l->C_GetTokenInfo = GetTokenInfo;
    l->C_OpenSession = OpenSession;
    l->C_CloseSession = CloseSession;
    l->C_Login = Login;
    l->C_FindObjectsInit = FindObjectsInit;
    l->C_FindObjects = FindObjects;
    l->C_FindObjectsFinal = FindObjectsFinal;
    l->C_GetAttributeValue = GetAttributeValue;
    l->C_SignInit = SignInit;
    l->C_Sign = Sign;
    l->C_GenerateKeyPair = GenerateKeyPair;
    l->C_DestroyObject = DestroyObject;
    return l;
  }();
  return list;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) CK_RV C_GetFunctionList(
    CK_FUNCTION_LIST** list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  *list = List();
  return CKR_OK;
}

// The next `count` C_Sign calls fail with `rv` (CKR_DEVICE_REMOVED also
// drops every session and the login, as a token pulled and put back).
__attribute__((visibility("default"))) void fake_pkcs11_fail_signs(CK_RV rv,
                                                                  int count) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().sign_rv = rv;
  S().sign_failures = count;
}

// The next `count` C_SignInit calls fail with `rv`.
__attribute__((visibility("default"))) void fake_pkcs11_fail_sign_inits(
    CK_RV rv, int count) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().sign_init_rv = rv;
  S().sign_init_failures = count;
}

// The next `count` signatures have one bit flipped.
__attribute__((visibility("default"))) void fake_pkcs11_corrupt_signs(
    int count) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().corruptions = count;
}

// Removes (0) or inserts (1) the token.
__attribute__((visibility("default"))) void fake_pkcs11_set_present(
    int present) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().present = present != 0;
  if (!S().present) Forget(S());
}

__attribute__((visibility("default"))) void fake_pkcs11_set_pin(
    const char* pin, int locked) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().pin = pin;
  S().pin_locked = locked != 0;
}

// Removes the key pair (present = 0) or puts it back, and sets what
// C_GenerateKeyPair does: answer `rv`, or make the pair with a private key
// that is extractable and not sensitive (extractable = 1) or not.
__attribute__((visibility("default"))) void fake_pkcs11_set_keys(
    int present, CK_RV rv, int extractable) {
  std::lock_guard<std::mutex> lock(S().mu);
  S().keys_present = present != 0;
  S().generate_rv = rv;
  S().extractable = extractable != 0;
}

// Sessions opened, C_Login calls, signatures made, sessions open now.
__attribute__((visibility("default"))) void fake_pkcs11_counts(
    long* opened, long* logins, long* signatures, long* open_now) {
  std::lock_guard<std::mutex> lock(S().mu);
  *opened = S().opened;
  *logins = S().logins;
  *signatures = S().signatures;
  *open_now = static_cast<long>(S().sessions.size());
}

}  // extern "C"
