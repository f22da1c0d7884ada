// Finding a TokenKey's key pair in its token: the checks shared by
// PublicKey, GenerateKeyPair and the signer's (re)opening of sessions.
#ifndef VITRINE_LOG_NOTE_PKCS11_INTERNAL_KEY_LOOKUP_H_
#define VITRINE_LOG_NOTE_PKCS11_INTERNAL_KEY_LOOKUP_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/note/pkcs11/internal/module.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note::pkcs11::internal {

// Checks a TokenKey's fields (InvalidArgument naming the field) and returns
// the CKA_ID bytes of key_id_hex (empty when not given).
absl::StatusOr<std::string> ValidateTokenKey(const TokenKey& key);

// Returns "key 'label' (ID 0a0b) in token 'T'", for messages.
std::string Describe(const TokenKey& key);

// The key pair as found in one session.
struct FoundKey {
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  std::string public_key;  // 32 bytes, ValidateEd25519PublicKey passed.
};

// Finds exactly one private key matching the label and/or `id`, checks that
// it is an Ed25519 key allowed to sign, and reads its public key from the
// public key object with the same label and ID.
absl::StatusOr<FoundKey> FindKey(const Session& session, const TokenKey& key,
                                 const std::string& id);

// A logged-in session with the key found in it.
struct KeySession {
  Session session;
  FoundKey key;
};

// Loads the module, finds the token, opens a session, logs in and finds
// the key: everything a use of a TokenKey starts with.
absl::StatusOr<KeySession> OpenKeySession(const TokenKey& key,
                                          const std::string& id,
                                          bool read_write);

}  // namespace vitrine::note::pkcs11::internal

#endif  // VITRINE_LOG_NOTE_PKCS11_INTERNAL_KEY_LOOKUP_H_
