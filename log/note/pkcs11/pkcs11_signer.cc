// OpenSigner (pkcs11_key.h): CKM_EDDSA in a pool of sessions, reopened
// after the token fails. The note framing (key ID, cosignature/v1
// timestamp) is log/note/ed25519's, through NewEd25519FunctionSigner.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "log/note/ed25519.h"
#include "log/note/pkcs11/internal/key_lookup.h"
#include "log/note/pkcs11/internal/module.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note::pkcs11 {
namespace {

using internal::KeySession;

// The token side of one signer, shared by the Signer's signing function.
// Thread-safe: the pool and the latched error are guarded by mu_; a session
// is used by one thread at a time (taken out of the pool while in use).
class TokenSigner {
 public:
  TokenSigner(TokenKey key, std::string id, std::string public_key,
              std::unique_ptr<Verifier> verifier, SignerOptions options)
      : key_(std::move(key)), id_(std::move(id)),
        public_key_(std::move(public_key)), verifier_(std::move(verifier)),
        options_(options) {}

  ~TokenSigner() { std::fill(key_.pin.begin(), key_.pin.end(), '\0'); }

  void AddIdle(KeySession session) {
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(session));
  }

  // Returns the 64-byte Ed25519 signature of `message` made in the token.
  absl::StatusOr<std::string> Sign(absl::string_view message) {
    std::optional<KeySession> session;
    {
      absl::MutexLock lock(&mu_);
      if (!latched_.ok()) return latched_;
      if (!idle_.empty()) {
        session.emplace(std::move(idle_.back()));
        idle_.pop_back();
      }
    }
    if (!session.has_value()) {
      absl::StatusOr<KeySession> opened = Reopen();
      if (!opened.ok()) return opened.status();
      session.emplace(*std::move(opened));
    }
    CK_FUNCTION_LIST* f = session->session.functions();
    if (f->C_SignInit == nullptr || f->C_Sign == nullptr) {
      return Failed("the module does not provide C_SignInit or C_Sign");
    }
    const CK_SESSION_HANDLE handle = session->session.handle();
    CK_MECHANISM mechanism = {CKM_EDDSA, nullptr, 0};  // Pure Ed25519.
    CK_RV rv = f->C_SignInit(handle, &mechanism, session->key.private_key);
    if (rv != CKR_OK) {
      return Failed(absl::StrCat("C_SignInit: ", internal::RvName(rv)));
    }
    std::string signature(kEd25519SignatureSize, '\0');
    CK_ULONG length = signature.size();
    std::string data(message);  // C_Sign takes a non-const pointer.
    rv = f->C_Sign(handle, reinterpret_cast<CK_BYTE*>(data.data()),
                   data.size(), reinterpret_cast<CK_BYTE*>(signature.data()),
                   &length);
    if (rv != CKR_OK) {
      return Failed(absl::StrCat("C_Sign: ", internal::RvName(rv)));
    }
    if (length != kEd25519SignatureSize ||
        !verifier_->Verify(message, signature)) {
      // The session is dropped too: the token is not to be trusted with it.
      return absl::InternalError(absl::StrCat(
          "the signature made with ", internal::Describe(key_),
          " does not verify under its public key (", length,
          " bytes): the token is faulty"));
    }
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(idle_.size()) < options_.max_idle_sessions) {
      idle_.push_back(*std::move(session));
    }
    return signature;
  }

 private:
  // Drops every idle session (the failing one is dropped by the caller's
  // scope) and returns Unavailable: the next Sign opens a new session.
  absl::Status Failed(absl::string_view what) {
    std::vector<KeySession> dropped;
    {
      absl::MutexLock lock(&mu_);
      dropped.swap(idle_);
    }
    return absl::UnavailableError(absl::StrCat(
        "signing with ", internal::Describe(key_), " failed: ", what,
        "; the next signature opens a new session"));
  }

  // Opens a session as OpenSigner did. A refused PIN or another key under
  // the name latches: retrying would spend the token's PIN tries or sign
  // with a key nobody pinned.
  absl::StatusOr<KeySession> Reopen() {
    absl::StatusOr<KeySession> opened =
        internal::OpenKeySession(key_, id_, /*read_write=*/false);
    if (opened.ok() && opened->key.public_key != public_key_) {
      opened = absl::FailedPreconditionError(absl::StrCat(
          internal::Describe(key_),
          " now has another public key than when the signer was opened"));
    }
    if (opened.ok()) return opened;
    const absl::StatusCode code = opened.status().code();
    if (code == absl::StatusCode::kUnauthenticated ||
        code == absl::StatusCode::kPermissionDenied ||
        code == absl::StatusCode::kFailedPrecondition) {
      absl::MutexLock lock(&mu_);
      latched_ = absl::UnavailableError(absl::StrCat(
          "signing with ", internal::Describe(key_),
          " stopped: reopening the session failed: ",
          opened.status().message(), " (not retried: restart when fixed)"));
      return latched_;
    }
    return absl::UnavailableError(absl::StrCat(
        "signing with ", internal::Describe(key_),
        " failed: cannot open a session: ", opened.status().message()));
  }

  TokenKey key_;  // Holds the PIN, for logging in again.
  const std::string id_;
  const std::string public_key_;
  const std::unique_ptr<Verifier> verifier_;  // Type 0x01: raw Ed25519.
  const SignerOptions options_;

  absl::Mutex mu_;
  std::vector<KeySession> idle_ ABSL_GUARDED_BY(mu_);
  absl::Status latched_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Signer>> OpenSigner(
    const TokenKey& key, std::string key_name, SignatureType type,
    CosignatureClock clock, SignerOptions options) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(key_name));
  if (type != SignatureType::kEd25519 &&
      type != SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError("unsupported signature type");
  }
  if (options.max_idle_sessions < 1) {
    return absl::InvalidArgumentError("max_idle_sessions must be at least 1");
  }
  VITRINE_ASSIGN_OR_RETURN(std::string id, internal::ValidateTokenKey(key));
  VITRINE_ASSIGN_OR_RETURN(
      KeySession session,
      internal::OpenKeySession(key, id, /*read_write=*/false));
  const std::string public_key = session.key.public_key;
  // The raw verifier's name is irrelevant: only Verify is used.
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Verifier> verifier,
                           NewEd25519Verifier(key_name, public_key));
  auto token = std::make_shared<TokenSigner>(key, id, public_key,
                                             std::move(verifier), options);
  token->AddIdle(std::move(session));
  return NewEd25519FunctionSigner(
      key_name, public_key, type,
      [token](absl::string_view message) { return token->Sign(message); },
      std::move(clock));
}

}  // namespace vitrine::note::pkcs11
