// Key strings in the formats of golang.org/x/mod/sumdb/note, used by every
// C2SP tool: a verifier key ("vkey") is
//
//   <name>+<key ID, 8 lowercase hex digits>+<base64(type || public key)>
//
// and a signer key is
//
//   PRIVATE+KEY+<name>+<key ID hex>+<base64(type || Ed25519 seed)>
//
// with type 0x01 for note signers (logs, vendors) and 0x04 for cosignature/v1
// witnesses (tlog-cosignature, "Ed25519 public keys MAY be encoded as vkeys
// with signature type 0x04"). The key ID is always recomputed and compared.
//
//   VITRINE_ASSIGN_OR_RETURN(GeneratedKey key,
//       GenerateKey("example.com/log", SignatureType::kEd25519));
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Signer> signer,
//                            NewSigner(key.signer_key));
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Verifier> verifier,
//                            NewVerifier(key.verifier_key));
//
// Every error is InvalidArgument with a message saying what is wrong (never
// echoing private key material). Functions are thread-safe.
#ifndef VITRINE_LOG_NOTE_KEYS_H_
#define VITRINE_LOG_NOTE_KEYS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/ed25519.h"
#include "log/note/signer.h"

namespace vitrine::note {

// A parsed verifier key.
struct VerifierKey {
  std::string name;
  SignatureType type = SignatureType::kEd25519;
  uint32_t key_id = 0;
  std::string public_key;  // 32 bytes.
};

// Parses a vkey strictly: a valid name (ValidateKeyName), exactly 8
// lowercase hex digits matching the recomputed key ID, canonical padded
// base64, a supported type (0x01 or 0x04) and a 32-byte public key that
// ValidateEd25519PublicKey accepts (a point of prime order, ed25519.h).
absl::StatusOr<VerifierKey> ParseVerifierKey(absl::string_view vkey);

// Returns the vkey of a 32-byte public key; InvalidArgument for a bad name
// or key length.
absl::StatusOr<std::string> FormatVerifierKey(absl::string_view name,
                                              SignatureType type,
                                              absl::string_view public_key);

// Returns a verifier for a vkey of either type.
absl::StatusOr<std::unique_ptr<Verifier>> NewVerifier(absl::string_view vkey);

// Returns a signer for a signer key string. A type 0x04 key makes a
// cosigner whose timestamps come from `clock`.
absl::StatusOr<std::unique_ptr<Signer>> NewSigner(
    absl::string_view signer_key, CosignatureClock clock = SystemClockSeconds);

// Returns the signer key string of a 32-byte seed. The result is secret.
absl::StatusOr<std::string> FormatSignerKey(absl::string_view name,
                                            SignatureType type,
                                            absl::string_view seed);

// Returns the vkey matching a signer key string.
absl::StatusOr<std::string> VerifierKeyOf(absl::string_view signer_key);

// A fresh key pair as strings.
struct GeneratedKey {
  std::string signer_key;    // Secret: store with WriteSignerKeyFile.
  std::string verifier_key;  // Public.
};

// Generates a key from a random seed (GenerateEd25519Seed: libsodium's CSPRNG).
absl::StatusOr<GeneratedKey> GenerateKey(absl::string_view name,
                                         SignatureType type);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_KEYS_H_
