// Log and witness keys held in an HSM (issue 18): Ed25519 key pairs that are
// generated inside a PKCS#11 token and sign there (CKM_EDDSA), so that the
// private key never exists in this process or on its disk. OpenSigner
// returns a note::Signer (log/note/signer.h) for checkpoints (type 0x01,
// the log key) or cosignatures (cosignature/v1, a witness key), with the
// same bytes as the file signer for the same key.
//
//   TokenKey key{"/usr/lib/softhsm/libsofthsm2.so", "vitrine-log",
//                "log-key", "", ""};
//   VITRINE_ASSIGN_OR_RETURN(key.pin, ReadPin("/etc/vitrine/pin", ""));
//   VITRINE_ASSIGN_OR_RETURN(std::string public_key, GenerateKeyPair(key));
//   VITRINE_ASSIGN_OR_RETURN(
//       std::unique_ptr<Signer> signer,
//       OpenSigner(key, "example.com/log", SignatureType::kEd25519));
//
// The module is loaded with dlopen (any PKCS#11 module: SoftHSM, a USB
// token's, a cloud HSM's) and initialised once per process with
// CKF_OS_LOCKING_OK. Keys are found by CKA_LABEL and/or CKA_ID among
// private keys of the token; the public key comes from the public key
// object with the same label/ID.
//
// Errors (every message names the token, the key and the PKCS#11 code):
//   InvalidArgument     a malformed TokenKey; a file that is not a PKCS#11
//                       module; a PIN file readable by group or others
//   NotFound            no module file; no token with that label; no key
//   Unauthenticated     a wrong PIN (CKR_PIN_INCORRECT)
//   PermissionDenied    a locked PIN (CKR_PIN_LOCKED)
//   FailedPrecondition  a key that is not Ed25519 (RSA, P-256, Ed448),
//                       several keys or tokens matching, a key that
//                       cannot sign; GenerateKeyPair: a token that cannot
//                       make Ed25519 keys or made the key extractable
//   AlreadyExists       GenerateKeyPair: a key with that label or ID exists
//   Unavailable         the module or token failing (removed, device error)
//   Unimplemented       a module without a function this needs
// All functions are thread-safe; so is every signer.
#ifndef VITRINE_LOG_NOTE_PKCS11_PKCS11_KEY_H_
#define VITRINE_LOG_NOTE_PKCS11_PKCS11_KEY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "log/note/ed25519.h"
#include "log/note/signer.h"

namespace vitrine::note::pkcs11 {

// Where a key pair lives.
struct TokenKey {
  // The PKCS#11 module, dlopen()ed (e.g. /usr/lib/softhsm/libsofthsm2.so).
  std::string module_path;
  // The token's label (CK_TOKEN_INFO.label, at most 32 bytes, without the
  // padding spaces).
  std::string token_label;
  // The key pair's CKA_LABEL and/or its CKA_ID in hex (even length, upper
  // or lower case): at least one. When both are given, both must match.
  std::string key_label;
  std::string key_id_hex;
  // The user PIN (ReadPin). Secret: never logged or put in a message.
  std::string pin;
};

// Returns the PIN from exactly one of `pin_file` (its first line, without
// the line ending; the file must be a regular file of at most 4 KiB that
// neither group nor others can read, mode 0600 or 0400, as ssh demands of
// private keys, else InvalidArgument) or the environment variable named
// `pin_env` (NotFound when unset). InvalidArgument for both or neither
// given, or an empty PIN. A PIN is never taken from a flag's value: flags
// show in `ps`.
absl::StatusOr<std::string> ReadPin(const std::string& pin_file,
                                    const std::string& pin_env);

// Generates an Ed25519 key pair inside the token (CKM_EC_EDWARDS_KEY_PAIR_GEN
// with CKA_EC_PARAMS the OID 1.3.101.112): the private key is CKA_TOKEN,
// CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_SIGN only; both
// objects get key_label and key_id_hex (those given). Returns the 32-byte
// public key. AlreadyExists when the token holds any key object with that
// label or that ID.
absl::StatusOr<std::string> GenerateKeyPair(const TokenKey& key);

// Returns the 32-byte public key of the key pair, after checking that the
// private key is an Ed25519 key that may sign (CKK_EC_EDWARDS, Ed25519
// parameters, CKA_SIGN) and reading the public key object's CKA_EC_POINT
// (a DER OCTET STRING or the raw 32 bytes).
absl::StatusOr<std::string> PublicKey(const TokenKey& key);

// Options of OpenSigner; the defaults suit a log or a witness.
struct SignerOptions {
  // Sessions kept open for reuse; a Sign finding none idle opens another.
  // One per signing thread avoids C_OpenSession on the hot path.
  int max_idle_sessions = 4;
};

// Returns a signer of `type` (kEd25519: checkpoints; kCosignatureV1:
// witness cosignatures, timestamped by `clock`) named `key_name` (the log's
// origin or the witness's name), signing in the token with CKM_EDDSA.
// Fails as PublicKey does, after opening and logging in one session.
//
// Sign: each call signs in a session of its own (a small pool), so threads
// sign in parallel as far as the token allows. Every signature is verified
// against the public key before it is returned (libsodium, about 50 us):
// a faulty token or a key object swapped behind our back gives Internal,
// never a bad signature. When the module fails (token removed, device
// error, session closed) Sign returns Unavailable saying so and drops its
// sessions; the next Sign finds the token again by label, opens a session,
// logs in and finds the key (it must have the same public key), so signing
// resumes when the token is back. If that login is refused (wrong or
// locked PIN: the token was replaced or its PIN changed), every later Sign
// fails with the same error without trying again, so as not to spend the
// token's PIN retries: restart with the right PIN.
absl::StatusOr<std::unique_ptr<Signer>> OpenSigner(
    const TokenKey& key, std::string key_name, SignatureType type,
    CosignatureClock clock = SystemClockSeconds,
    SignerOptions options = SignerOptions());

}  // namespace vitrine::note::pkcs11

#endif  // VITRINE_LOG_NOTE_PKCS11_PKCS11_KEY_H_
