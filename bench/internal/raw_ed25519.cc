#include "bench/internal/raw_ed25519.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace vitrine::bench {
namespace {

static_assert(crypto_sign_BYTES == sizeof(Ed25519Signature));
static_assert(crypto_sign_SECRETKEYBYTES == 64);

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

absl::Status CheckLength(absl::string_view what, absl::string_view bytes) {
  if (bytes.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 ", what, " is 32 bytes, got ", bytes.size()));
  }
  return absl::OkStatus();
}

// sodium_init picks the implementation for this CPU, as log/note does.
absl::Status InitSodium() {
  static const int result = sodium_init();
  if (result < 0) return absl::InternalError("libsodium failed to initialise");
  return absl::OkStatus();
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

}  // namespace

absl::string_view SignatureBytes(const Ed25519Signature& signature) {
  return absl::string_view(reinterpret_cast<const char*>(signature.data()),
                           signature.size());
}

void RawEd25519::EvpKeyDeleter::operator()(evp_pkey_st* key) const {
  EVP_PKEY_free(key);
}

RawEd25519::~RawEd25519() { sodium_memzero(secret_key_.data(), 64); }

absl::StatusOr<std::unique_ptr<RawEd25519>> RawEd25519::FromSeed(
    absl::string_view seed) {
  VITRINE_RETURN_IF_ERROR(CheckLength("seed", seed));
  VITRINE_RETURN_IF_ERROR(InitSodium());
  std::unique_ptr<RawEd25519> key(new RawEd25519);
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  if (crypto_sign_seed_keypair(pk, key->secret_key_.data(), Bytes(seed)) !=
      0) {
    return absl::InternalError("libsodium refused the seed");
  }
  key->public_key_.assign(reinterpret_cast<const char*>(pk), sizeof(pk));
  key->can_sign_ = true;
  key->evp_private_.reset(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  key->evp_public_.reset(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, pk, sizeof(pk)));
  if (!key->evp_private_ || !key->evp_public_) {
    return absl::InternalError("EVP refused the Ed25519 key");
  }
  return key;
}

absl::StatusOr<std::unique_ptr<RawEd25519>> RawEd25519::FromPublicKey(
    absl::string_view public_key) {
  VITRINE_RETURN_IF_ERROR(CheckLength("public key", public_key));
  VITRINE_RETURN_IF_ERROR(InitSodium());
  std::unique_ptr<RawEd25519> key(new RawEd25519);
  key->public_key_ = std::string(public_key);
  key->evp_public_.reset(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
  if (!key->evp_public_) {
    return absl::InternalError("EVP refused the Ed25519 public key");
  }
  return key;
}

absl::StatusOr<Ed25519Signature> RawEd25519::SodiumSign(
    absl::string_view message) const {
  if (!can_sign_) return absl::FailedPreconditionError("a verify-only key");
  Ed25519Signature sig;
  if (crypto_sign_detached(sig.data(), nullptr, Bytes(message), message.size(),
                           secret_key_.data()) != 0) {
    return absl::InternalError("crypto_sign_detached failed");
  }
  return sig;
}

bool RawEd25519::SodiumVerify(absl::string_view message,
                              absl::string_view signature) const {
  return signature.size() == crypto_sign_BYTES &&
         crypto_sign_verify_detached(Bytes(signature), Bytes(message),
                                     message.size(), Bytes(public_key_)) == 0;
}

absl::StatusOr<Ed25519Signature> RawEd25519::EvpSign(
    absl::string_view message) const {
  if (!evp_private_) return absl::FailedPreconditionError("a verify-only key");
  MdCtx ctx(EVP_MD_CTX_new());
  Ed25519Signature sig;
  size_t length = sig.size();
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                         evp_private_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &length, Bytes(message),
                     message.size()) != 1 ||
      length != sig.size()) {
    return absl::InternalError("EVP Ed25519 signing failed");
  }
  return sig;
}

bool RawEd25519::EvpVerify(absl::string_view message,
                           absl::string_view signature) const {
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                              evp_public_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                          Bytes(message), message.size()) == 1;
}

}  // namespace vitrine::bench
