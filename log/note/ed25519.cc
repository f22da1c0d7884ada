#include "log/note/ed25519.h"

// Ed25519 keys, signing and verification through libsodium (issue 13):
// about twice as fast as OpenSSL 3.0's EVP on this project's machines, and
// one verification rule for the log, monitors and endpoints alike (see
// "The verification rule" in ed25519.h). SHA-256 for key IDs stays on
// OpenSSL or BoringSSL; only functions both provide are used for it
// (BUILD-NOTES "BoringSSL and OpenSSL").
#include <openssl/sha.h>
#include <sodium.h>

#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "log/note/internal/utf8.h"

namespace vitrine::note {
namespace {

constexpr uint64_t kMaxTimestamp = std::numeric_limits<int64_t>::max();

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

absl::Status CheckLength(absl::string_view what, absl::string_view bytes,
                         size_t want) {
  if (bytes.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an Ed25519 ", what, " is ", want, " bytes, got ", bytes.size()));
  }
  return absl::OkStatus();
}

// sodium_init picks the fastest implementation for this CPU; it must run
// once before any other libsodium call, from any thread (it is idempotent
// and thread-safe itself; the flag only saves the call).
absl::Status InitSodium() {
  static const int result = sodium_init();
  if (result < 0) return absl::InternalError("libsodium failed to initialise");
  return absl::OkStatus();
}

// A signing key: libsodium's 64-byte secret key (seed || public key),
// wiped when dropped.
struct SecretKey {
  uint8_t bytes[crypto_sign_SECRETKEYBYTES];
  ~SecretKey() { sodium_memzero(bytes, sizeof(bytes)); }
};

absl::StatusOr<std::unique_ptr<SecretKey>> SecretKeyFromSeed(
    absl::string_view seed, std::string* public_key) {
  VITRINE_RETURN_IF_ERROR(CheckLength("seed", seed, kEd25519SeedSize));
  VITRINE_RETURN_IF_ERROR(InitSodium());
  auto key = std::make_unique<SecretKey>();
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  if (crypto_sign_seed_keypair(pk, key->bytes, Bytes(seed)) != 0) {
    return absl::InternalError("cannot derive an Ed25519 key from the seed");
  }
  public_key->assign(reinterpret_cast<const char*>(pk), sizeof(pk));
  return key;
}

absl::StatusOr<std::string> SignRaw(const SecretKey& key,
                                    absl::string_view message) {
  uint8_t sig[crypto_sign_BYTES];
  unsigned long long length = 0;
  if (crypto_sign_detached(sig, &length, Bytes(message), message.size(),
                           key.bytes) != 0 ||
      length != sizeof(sig)) {
    return absl::InternalError("Ed25519 signing failed");
  }
  return std::string(reinterpret_cast<const char*>(sig), sizeof(sig));
}

bool VerifyRaw(const std::string& public_key, absl::string_view message,
               absl::string_view signature) {
  if (signature.size() != kEd25519SignatureSize) return false;
  return crypto_sign_verify_detached(Bytes(signature), Bytes(message),
                                     message.size(), Bytes(public_key)) == 0;
}

std::string BigEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value);
  return out;
}

uint64_t ReadBigEndian64(absl::string_view bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | Bytes(bytes)[i];
  return value;
}

// One class serves both signature types and every place a key is held:
// the types differ only in the message given to the raw Ed25519 operation,
// and the operation is libsodium with a seed in memory (NewSigner below) or
// a key outside the process (NewEd25519FunctionSigner: an HSM). Nothing is
// modified after construction, so concurrent Sign calls are safe when the
// operation is thread-safe (libsodium keeps no state between calls).
class Ed25519SignerImpl final : public Signer {
 public:
  Ed25519SignerImpl(std::string name, uint32_t key_id, SignatureType type,
                    Ed25519SignFunction sign, CosignatureClock clock)
      : name_(std::move(name)), key_id_(key_id), type_(type),
        sign_(std::move(sign)), clock_(std::move(clock)) {}

  std::string Name() const override { return name_; }
  uint32_t KeyId() const override { return key_id_; }
  SignatureType Type() const override { return type_; }

  absl::StatusOr<std::string> Sign(absl::string_view text) const override {
    if (type_ == SignatureType::kEd25519) return SignChecked(text);
    const uint64_t timestamp = clock_();
    if (timestamp > kMaxTimestamp) {
      return absl::OutOfRangeError(absl::StrCat(
          "cosignature timestamp ", timestamp, " exceeds 2^63-1"));
    }
    VITRINE_ASSIGN_OR_RETURN(
        std::string sig, SignChecked(CosignatureV1Message(timestamp, text)));
    return absl::StrCat(BigEndian64(timestamp), sig);
  }

 private:
  absl::StatusOr<std::string> SignChecked(absl::string_view message) const {
    VITRINE_ASSIGN_OR_RETURN(std::string sig, sign_(message));
    if (sig.size() != kEd25519SignatureSize) {
      return absl::InternalError(absl::StrCat(
          "the Ed25519 signing operation of key ", name_, " returned ",
          sig.size(), " bytes (want 64)"));
    }
    return sig;
  }

  const std::string name_;
  const uint32_t key_id_;
  const SignatureType type_;
  const Ed25519SignFunction sign_;
  const CosignatureClock clock_;  // Only for kCosignatureV1.
};

class Ed25519VerifierImpl final : public Verifier {
 public:
  Ed25519VerifierImpl(std::string name, uint32_t key_id, SignatureType type,
                      std::string public_key)
      : name_(std::move(name)), key_id_(key_id), type_(type),
        public_key_(std::move(public_key)) {}

  std::string Name() const override { return name_; }
  uint32_t KeyId() const override { return key_id_; }
  SignatureType Type() const override { return type_; }

  bool Verify(absl::string_view text,
              absl::string_view signature) const override {
    if (type_ == SignatureType::kEd25519) {
      return VerifyRaw(public_key_, text, signature);
    }
    if (signature.size() != kCosignatureV1Size) return false;
    const uint64_t timestamp = ReadBigEndian64(signature.substr(0, 8));
    if (timestamp > kMaxTimestamp) return false;
    return VerifyRaw(public_key_, CosignatureV1Message(timestamp, text),
                     signature.substr(8));
  }

 private:
  const std::string name_;
  const uint32_t key_id_;
  const SignatureType type_;
  // A point of prime order (ValidateEd25519PublicKey).
  const std::string public_key_;
};

absl::StatusOr<std::unique_ptr<Signer>> NewSigner(absl::string_view name,
                                                  absl::string_view seed,
                                                  SignatureType type,
                                                  CosignatureClock clock) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  std::string public_key;
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<SecretKey> key,
                           SecretKeyFromSeed(seed, &public_key));
  std::shared_ptr<const SecretKey> shared_key = std::move(key);
  return std::make_unique<Ed25519SignerImpl>(
      std::string(name), ComputeKeyId(name, type, public_key), type,
      [shared_key](absl::string_view message) {
        return SignRaw(*shared_key, message);
      },
      std::move(clock));
}

absl::StatusOr<std::unique_ptr<Verifier>> NewVerifier(
    absl::string_view name, absl::string_view public_key, SignatureType type) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  VITRINE_RETURN_IF_ERROR(ValidateEd25519PublicKey(public_key));
  return std::make_unique<Ed25519VerifierImpl>(
      std::string(name), ComputeKeyId(name, type, public_key), type,
      std::string(public_key));
}

}  // namespace

absl::Status ValidateKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("empty key name");
  for (size_t i = 0; i < name.size();) {
    char32_t c;
    const size_t n = internal::DecodeUtf8(name.substr(i), &c);
    if (n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("key name is not valid UTF-8 at byte ", i));
    }
    if (c == '+') {
      return absl::InvalidArgumentError(
          absl::StrCat("key name contains '+' at byte ", i));
    }
    if (internal::IsUnicodeSpace(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key name contains a space at byte ", i));
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key name contains a control character at byte ", i));
    }
    i += n;
  }
  return absl::OkStatus();
}

uint32_t ComputeKeyId(absl::string_view name, SignatureType type,
                      absl::string_view public_key) {
  std::string input =
      absl::StrCat(name, "\n", std::string(1, static_cast<char>(type)),
                   public_key);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(Bytes(input), input.size(), digest);
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) |
         (uint32_t{digest[2]} << 8) | uint32_t{digest[3]};
}

absl::Status ValidateEd25519PublicKey(absl::string_view public_key) {
  VITRINE_RETURN_IF_ERROR(
      CheckLength("public key", public_key, kEd25519PublicKeySize));
  VITRINE_RETURN_IF_ERROR(InitSodium());
  // One libsodium call checks all four conditions; it costs a scalar
  // multiplication by L (the subgroup check), paid once per key loaded.
  if (crypto_core_ed25519_is_valid_point(Bytes(public_key)) != 1) {
    return absl::InvalidArgumentError(
        "not a valid Ed25519 public key: it must encode canonically a point "
        "of prime order (small-order, mixed-order, non-canonical and "
        "off-curve keys are refused)");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GenerateEd25519Seed() {
  std::string seed(kEd25519SeedSize, '\0');
  VITRINE_RETURN_IF_ERROR(InitSodium());
  randombytes_buf(&seed[0], seed.size());
  return seed;
}

absl::StatusOr<std::string> Ed25519PublicKey(absl::string_view seed) {
  std::string public_key;
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<SecretKey> key,
                           SecretKeyFromSeed(seed, &public_key));
  return public_key;
}

absl::StatusOr<std::unique_ptr<Signer>> NewEd25519Signer(
    absl::string_view name, absl::string_view seed) {
  return NewSigner(name, seed, SignatureType::kEd25519, nullptr);
}

absl::StatusOr<std::unique_ptr<Verifier>> NewEd25519Verifier(
    absl::string_view name, absl::string_view public_key) {
  return NewVerifier(name, public_key, SignatureType::kEd25519);
}

uint64_t SystemClockSeconds() {
  return static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
}

std::string CosignatureV1Message(uint64_t timestamp, absl::string_view text) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", text);
}

absl::StatusOr<std::unique_ptr<Signer>> NewCosignatureV1Signer(
    absl::string_view name, absl::string_view seed, CosignatureClock clock) {
  if (!clock) return absl::InvalidArgumentError("a cosigner needs a clock");
  return NewSigner(name, seed, SignatureType::kCosignatureV1, std::move(clock));
}

absl::StatusOr<std::unique_ptr<Verifier>> NewCosignatureV1Verifier(
    absl::string_view name, absl::string_view public_key) {
  return NewVerifier(name, public_key, SignatureType::kCosignatureV1);
}

absl::StatusOr<std::unique_ptr<Signer>> NewEd25519FunctionSigner(
    absl::string_view name, absl::string_view public_key, SignatureType type,
    Ed25519SignFunction sign, CosignatureClock clock) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  VITRINE_RETURN_IF_ERROR(ValidateEd25519PublicKey(public_key));
  if (!sign) {
    return absl::InvalidArgumentError("a signer needs a signing function");
  }
  if (type == SignatureType::kCosignatureV1 && !clock) {
    return absl::InvalidArgumentError("a cosigner needs a clock");
  }
  return std::make_unique<Ed25519SignerImpl>(
      std::string(name), ComputeKeyId(name, type, public_key), type,
      std::move(sign), std::move(clock));
}

}  // namespace vitrine::note
