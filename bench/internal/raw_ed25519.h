// Raw Ed25519, the references the Ed25519 benchmarks (note_bench,
// verify_bench, monitor_bench) measure Vitrine against: one key prepared
// once, outside any timing loop, then the bare library calls on the exact
// bytes the code under test signs or verifies.
//
// Two libraries: libsodium (crypto_sign_detached /
// crypto_sign_verify_detached), which log/note uses since issue 13 and which
// the targets are stated against, and OpenSSL 3.0's one-shot EVP API (a
// fresh EVP_MD_CTX per call, as the log did before), printed beside it.
//
//   absl::StatusOr<std::unique_ptr<RawEd25519>> key =
//       RawEd25519::FromSeed(seed);
//   absl::StatusOr<Ed25519Signature> sig = (*key)->SodiumSign(text);
//   bool ok = (*key)->SodiumVerify(text, SignatureBytes(*sig));
//
// Thread-safe: a key is immutable after construction; libsodium keeps no
// state between calls and each EVP call makes its own context.
#ifndef VITRINE_BENCH_INTERNAL_RAW_ED25519_H_
#define VITRINE_BENCH_INTERNAL_RAW_ED25519_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// OpenSSL's and BoringSSL's EVP_PKEY, kept out of this header.
struct evp_pkey_st;

namespace vitrine::bench {

// A signature in a stack buffer: the raw loops allocate nothing.
using Ed25519Signature = std::array<uint8_t, 64>;

// Returns the signature's bytes as a string_view over `signature`.
absl::string_view SignatureBytes(const Ed25519Signature& signature);

class RawEd25519 {
 public:
  // Returns a key that signs and verifies, from a 32-byte RFC 8032 seed:
  // libsodium's 64-byte secret key and EVP private and public keys.
  // InvalidArgument on a wrong length; Internal if a library refuses it.
  static absl::StatusOr<std::unique_ptr<RawEd25519>> FromSeed(
      absl::string_view seed);
  // Returns a key that only verifies, from a 32-byte public key.
  static absl::StatusOr<std::unique_ptr<RawEd25519>> FromPublicKey(
      absl::string_view public_key);

  RawEd25519(const RawEd25519&) = delete;
  RawEd25519& operator=(const RawEd25519&) = delete;
  ~RawEd25519();

  const std::string& public_key() const { return public_key_; }

  // Returns the Ed25519 signature of `message` (crypto_sign_detached);
  // FailedPrecondition for a verify-only key, Internal if libsodium fails.
  absl::StatusOr<Ed25519Signature> SodiumSign(absl::string_view message) const;
  // Returns whether crypto_sign_verify_detached accepts the signature
  // (false for one that is not 64 bytes).
  bool SodiumVerify(absl::string_view message,
                    absl::string_view signature) const;

  // The same through EVP: EVP_MD_CTX_new, EVP_DigestSignInit /
  // EVP_DigestVerifyInit, EVP_DigestSign / EVP_DigestVerify, EVP_MD_CTX_free.
  absl::StatusOr<Ed25519Signature> EvpSign(absl::string_view message) const;
  bool EvpVerify(absl::string_view message, absl::string_view signature) const;

 private:
  struct EvpKeyDeleter {
    void operator()(evp_pkey_st* key) const;
  };
  using EvpKey = std::unique_ptr<evp_pkey_st, EvpKeyDeleter>;

  RawEd25519() = default;

  std::string public_key_;
  std::array<uint8_t, 64> secret_key_{};  // seed || public key; zero if none
  bool can_sign_ = false;
  EvpKey evp_private_;  // null for a verify-only key
  EvpKey evp_public_;
};

// One Ed25519 verification's exact inputs, prepared before timing.
struct RawEd25519Check {
  const RawEd25519* key;  // Not owned; must outlive the check.
  std::string message;
  std::string signature;  // 64 bytes
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_RAW_ED25519_H_
