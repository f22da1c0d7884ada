#include "log/note/ed25519.h"

// Only functions that OpenSSL 3 and BoringSSL both provide with the same
// signatures are used here (BUILD-NOTES "BoringSSL and OpenSSL").
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#if defined(OPENSSL_IS_BORINGSSL)
#include <openssl/mem.h>
#endif

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

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

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

absl::StatusOr<EvpPkeyPtr> PrivateKeyFromSeed(absl::string_view seed) {
  VITRINE_RETURN_IF_ERROR(CheckLength("seed", seed, kEd25519SeedSize));
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                              Bytes(seed), seed.size()));
  if (key == nullptr) return absl::InternalError("cannot load Ed25519 seed");
  return key;
}

absl::StatusOr<EvpPkeyPtr> PublicKeyFromBytes(absl::string_view public_key) {
  VITRINE_RETURN_IF_ERROR(
      CheckLength("public key", public_key, kEd25519PublicKeySize));
  EvpPkeyPtr key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  // Any 32 bytes load; an invalid point only makes every signature fail.
  if (key == nullptr) return absl::InternalError("cannot load Ed25519 key");
  return key;
}

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* key) {
  uint8_t out[kEd25519PublicKeySize];
  size_t length = sizeof(out);
  if (EVP_PKEY_get_raw_public_key(key, out, &length) != 1 ||
      length != sizeof(out)) {
    return absl::InternalError("cannot read Ed25519 public key");
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

absl::StatusOr<std::string> SignRaw(EVP_PKEY* key, absl::string_view message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  uint8_t sig[kEd25519SignatureSize];
  size_t length = sizeof(sig);
  // Ed25519 hashes internally: no digest, one-shot EVP_DigestSign.
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &length, Bytes(message),
                     message.size()) != 1 ||
      length != sizeof(sig)) {
    return absl::InternalError("Ed25519 signing failed");
  }
  return std::string(reinterpret_cast<const char*>(sig), length);
}

bool VerifyRaw(EVP_PKEY* key, absl::string_view message,
               absl::string_view signature) {
  if (signature.size() != kEd25519SignatureSize) return false;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                          Bytes(message), message.size()) == 1;
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

// One class serves both signature types: they differ only in the message.
// The EVP_PKEY is never modified after construction, so concurrent Sign
// calls (each with its own EVP_MD_CTX) are safe in both libraries.
class Ed25519SignerImpl final : public Signer {
 public:
  Ed25519SignerImpl(std::string name, uint32_t key_id, SignatureType type,
                    EvpPkeyPtr key, CosignatureClock clock)
      : name_(std::move(name)), key_id_(key_id), type_(type),
        key_(std::move(key)), clock_(std::move(clock)) {}

  std::string Name() const override { return name_; }
  uint32_t KeyId() const override { return key_id_; }
  SignatureType Type() const override { return type_; }

  absl::StatusOr<std::string> Sign(absl::string_view text) const override {
    if (type_ == SignatureType::kEd25519) return SignRaw(key_.get(), text);
    const uint64_t timestamp = clock_();
    if (timestamp > kMaxTimestamp) {
      return absl::OutOfRangeError(absl::StrCat(
          "cosignature timestamp ", timestamp, " exceeds 2^63-1"));
    }
    VITRINE_ASSIGN_OR_RETURN(
        std::string sig,
        SignRaw(key_.get(), CosignatureV1Message(timestamp, text)));
    return absl::StrCat(BigEndian64(timestamp), sig);
  }

 private:
  const std::string name_;
  const uint32_t key_id_;
  const SignatureType type_;
  const EvpPkeyPtr key_;
  const CosignatureClock clock_;  // Only for kCosignatureV1.
};

class Ed25519VerifierImpl final : public Verifier {
 public:
  Ed25519VerifierImpl(std::string name, uint32_t key_id, SignatureType type,
                      EvpPkeyPtr key)
      : name_(std::move(name)), key_id_(key_id), type_(type),
        key_(std::move(key)) {}

  std::string Name() const override { return name_; }
  uint32_t KeyId() const override { return key_id_; }
  SignatureType Type() const override { return type_; }

  bool Verify(absl::string_view text,
              absl::string_view signature) const override {
    if (type_ == SignatureType::kEd25519) {
      return VerifyRaw(key_.get(), text, signature);
    }
    if (signature.size() != kCosignatureV1Size) return false;
    const uint64_t timestamp = ReadBigEndian64(signature.substr(0, 8));
    if (timestamp > kMaxTimestamp) return false;
    return VerifyRaw(key_.get(), CosignatureV1Message(timestamp, text),
                     signature.substr(8));
  }

 private:
  const std::string name_;
  const uint32_t key_id_;
  const SignatureType type_;
  const EvpPkeyPtr key_;
};

absl::StatusOr<std::unique_ptr<Signer>> NewSigner(absl::string_view name,
                                                  absl::string_view seed,
                                                  SignatureType type,
                                                  CosignatureClock clock) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  VITRINE_ASSIGN_OR_RETURN(EvpPkeyPtr key, PrivateKeyFromSeed(seed));
  VITRINE_ASSIGN_OR_RETURN(std::string public_key, RawPublicKey(key.get()));
  return std::make_unique<Ed25519SignerImpl>(
      std::string(name), ComputeKeyId(name, type, public_key), type,
      std::move(key), std::move(clock));
}

absl::StatusOr<std::unique_ptr<Verifier>> NewVerifier(
    absl::string_view name, absl::string_view public_key, SignatureType type) {
  VITRINE_RETURN_IF_ERROR(ValidateKeyName(name));
  VITRINE_ASSIGN_OR_RETURN(EvpPkeyPtr key, PublicKeyFromBytes(public_key));
  return std::make_unique<Ed25519VerifierImpl>(
      std::string(name), ComputeKeyId(name, type, public_key), type,
      std::move(key));
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

absl::StatusOr<std::string> GenerateEd25519Seed() {
  std::string seed(kEd25519SeedSize, '\0');
  if (RAND_bytes(reinterpret_cast<uint8_t*>(&seed[0]), seed.size()) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return seed;
}

absl::StatusOr<std::string> Ed25519PublicKey(absl::string_view seed) {
  VITRINE_ASSIGN_OR_RETURN(EvpPkeyPtr key, PrivateKeyFromSeed(seed));
  return RawPublicKey(key.get());
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

}  // namespace vitrine::note
