// Test support: SoftHSM 2 tokens in a temporary folder, and keys put in
// them the way no production code may (a known seed imported with
// C_CreateObject; keys of other types under a label).
//
//   ASSERT_OK(ConfigureSoftHsm(temp_dir));   // before the module loads
//   ASSERT_OK(InitToken("log", "1234", "5678"));
//   ASSERT_OK(ImportEd25519Seed(key, seed, Ed25519OidParams()));
#ifndef VITRINE_LOG_NOTE_PKCS11_INTERNAL_SOFTHSM_TOKEN_H_
#define VITRINE_LOG_NOTE_PKCS11_INTERNAL_SOFTHSM_TOKEN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note::pkcs11::internal {

// Debian's softhsm2 module.
inline constexpr char kSoftHsmModule[] = "/usr/lib/softhsm/libsofthsm2.so";

// Writes `dir`/softhsm2.conf keeping tokens in `dir`/tokens and points
// SOFTHSM2_CONF at it. SoftHSM reads it when the module is initialised, so
// this must run before the first use of kSoftHsmModule in the process.
absl::Status ConfigureSoftHsm(const std::string& dir);

// Initialises a token in a free slot with `softhsm2-util --init-token`.
absl::Status InitToken(const std::string& label, const std::string& pin,
                       const std::string& so_pin);

// Creates an Ed25519 key pair from a 32-byte seed in key's token
// (C_CreateObject: the private key's CKA_VALUE is the seed, PKCS#11 3.0
// 2.3.6), with key's label and ID and `params` as CKA_EC_PARAMS.
absl::Status ImportEd25519Seed(const TokenKey& key, absl::string_view seed,
                               const std::string& params);

// Generates an EC P-256 (CKM_EC_KEY_PAIR_GEN), RSA 2048 or Ed448 key pair
// under key's label and ID: keys of the wrong type.
absl::Status GenerateP256KeyPair(const TokenKey& key);
absl::Status GenerateRsaKeyPair(const TokenKey& key);
absl::Status GenerateEd448KeyPair(const TokenKey& key);

}  // namespace vitrine::note::pkcs11::internal

#endif  // VITRINE_LOG_NOTE_PKCS11_INTERNAL_SOFTHSM_TOKEN_H_
