#include "log/note/internal/ed25519_edge_cases.h"

// Each case is built from the group law, not copied from a vector file: a
// scalar k = SHA-512(R || A || M) mod L is computed for the chosen R and A,
// and S is solved for so that the cofactorless equation
// [S]B = R + [k]A holds (or, for the malformed cases, deliberately not).
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vitrine::note::internal {
namespace {

using Bytes32 = std::string;  // 32 bytes: a scalar or a point encoding

// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
const unsigned char kOrderL[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// A point of order 8 (one of the eight small-order points; MakeEdge checks
// its order with the group law before using it).
const unsigned char kOrder8Point[32] = {
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
    0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
    0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "ed25519_edge_cases: %s\n", what);
  std::abort();
}

const unsigned char* U(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* U(std::string* s) {
  return reinterpret_cast<unsigned char*>(&(*s)[0]);
}

// The identity (0, 1), canonically and as y = p + 1 = 2^255 - 18.
Bytes32 Identity() {
  Bytes32 out(32, '\0');
  out[0] = 1;
  return out;
}
Bytes32 NonCanonicalIdentity() {
  Bytes32 out(32, '\xff');
  out[0] = '\xee';
  out[31] = '\x7f';
  return out;
}

// Little-endian a + b over 256 bits; aborts on overflow.
Bytes32 AddWide(const Bytes32& a, const unsigned char* b) {
  Bytes32 out(32, '\0');
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    carry += U(a)[i] + b[i];
    out[i] = static_cast<char>(carry & 0xff);
    carry >>= 8;
  }
  if (carry != 0) Die("scalar overflow");
  return out;
}

Bytes32 Reduce64(const std::string& wide) {
  Bytes32 out(32, '\0');
  crypto_core_ed25519_scalar_reduce(U(&out), U(wide));
  return out;
}

// k = SHA-512(R || A || M) mod L (RFC 8032 5.1.7).
Bytes32 Challenge(const Bytes32& r, const Bytes32& a, absl::string_view m) {
  std::string digest(64, '\0');
  const std::string input = absl::StrCat(r, a, m);
  crypto_hash_sha512(U(&digest), U(input), input.size());
  return Reduce64(digest);
}

Bytes32 ScalarMul(const Bytes32& x, const Bytes32& y) {
  Bytes32 out(32, '\0');
  crypto_core_ed25519_scalar_mul(U(&out), U(x), U(y));
  return out;
}
Bytes32 ScalarAdd(const Bytes32& x, const Bytes32& y) {
  Bytes32 out(32, '\0');
  crypto_core_ed25519_scalar_add(U(&out), U(x), U(y));
  return out;
}

// [s]B for a reduced, non-zero scalar.
Bytes32 BaseTimes(const Bytes32& s) {
  Bytes32 out(32, '\0');
  if (crypto_scalarmult_ed25519_base_noclamp(U(&out), U(s)) != 0) {
    Die("scalar multiplication of the base point");
  }
  return out;
}

Bytes32 PointAdd(const Bytes32& p, const Bytes32& q) {
  Bytes32 out(32, '\0');
  if (crypto_core_ed25519_add(U(&out), U(p), U(q)) != 0) Die("point addition");
  return out;
}

// The secret scalar a of RFC 8032 5.1.5 (clamped SHA-512(seed)[0:32]),
// reduced mod L, and the public key [a]B.
struct KeyPair {
  Bytes32 scalar;
  Bytes32 public_key;
  std::string secret_key;  // libsodium's seed || public key
};

KeyPair FromSeed(absl::string_view seed) {
  if (seed.size() != 32 || sodium_init() < 0) Die("seed or libsodium");
  KeyPair key;
  key.public_key.assign(32, '\0');
  key.secret_key.assign(64, '\0');
  const std::string seed_bytes(seed);
  crypto_sign_seed_keypair(U(&key.public_key), U(&key.secret_key),
                           U(seed_bytes));
  std::string h(64, '\0');
  crypto_hash_sha512(U(&h), U(seed_bytes), seed_bytes.size());
  h[0] = static_cast<char>(h[0] & 248);
  h[31] = static_cast<char>((h[31] & 127) | 64);
  key.scalar = Reduce64(h.substr(0, 32) + std::string(32, '\0'));
  if (BaseTimes(key.scalar) != key.public_key) Die("secret scalar");
  return key;
}

std::string HonestSignature(const KeyPair& key, absl::string_view m) {
  std::string sig(64, '\0');
  crypto_sign_detached(U(&sig), nullptr,
                       reinterpret_cast<const unsigned char*>(m.data()),
                       m.size(), U(key.secret_key));
  return sig;
}

// A deterministic scalar stream for the ground cases: SHA-512 of a label,
// the message and a counter, reduced.
Bytes32 Nonce(absl::string_view label, absl::string_view m, int counter) {
  std::string digest(64, '\0');
  const std::string input = absl::StrCat(label, "\n", counter, "\n", m);
  crypto_hash_sha512(U(&digest), U(input), input.size());
  return Reduce64(digest);
}

bool DivisibleBy8(const Bytes32& k) { return (U(k)[0] & 7) == 0; }

// A point T of order exactly 8: [8]T is the identity, [4]T is not.
Bytes32 Order8Point() {
  const Bytes32 t(reinterpret_cast<const char*>(kOrder8Point), 32);
  const Bytes32 t2 = PointAdd(t, t);
  const Bytes32 t4 = PointAdd(t2, t2);
  if (t4 == Identity() || PointAdd(t4, t4) != Identity()) Die("order-8 point");
  return t;
}

// For a key A whose every multiple [k]A vanishes when 8 | k (small order):
// S chosen, R = [S]B, ground until 8 | k. Then [S]B - [k]A = R.
EdgeSignature SignWithTorsionKey(const Bytes32& a, absl::string_view m) {
  for (int i = 0; i < 1024; ++i) {
    const Bytes32 s = Nonce("torsion-key", m, i);
    const Bytes32 r = BaseTimes(s);
    if (DivisibleBy8(Challenge(r, a, m))) return {a, r + s};
  }
  Die("no nonce found");
}

// 32 bytes that decode to no point: the smallest y >= 2 (sign bit clear)
// that crypto_core_ed25519_add refuses to decode.
Bytes32 OffCurveKey() {
  const Bytes32 base = BaseTimes(Reduce64(std::string(1, '\1') +
                                          std::string(63, '\0')));
  for (int y = 2; y < 256; ++y) {
    Bytes32 candidate(32, '\0');
    candidate[0] = static_cast<char>(y);
    Bytes32 sum(32, '\0');
    if (crypto_core_ed25519_add(U(&sum), U(candidate), U(base)) != 0) {
      return candidate;
    }
  }
  Die("no off-curve encoding found");
}

}  // namespace

std::vector<EdgeCase> AllEdgeCases() {
  return {EdgeCase::kHonest,        EdgeCase::kScalarPlusL,
          EdgeCase::kScalarPlus8L,  EdgeCase::kSmallOrderR,
          EdgeCase::kNonCanonicalR, EdgeCase::kOtherMessage,
          EdgeCase::kFlippedBit,    EdgeCase::kIdentityKey,
          EdgeCase::kSmallOrderKey, EdgeCase::kMixedOrderKey,
          EdgeCase::kNonCanonicalKey, EdgeCase::kOffCurveKey};
}

const char* EdgeCaseName(EdgeCase edge_case) {
  switch (edge_case) {
    case EdgeCase::kHonest: return "honest";
    case EdgeCase::kScalarPlusL: return "scalar_plus_l";
    case EdgeCase::kScalarPlus8L: return "scalar_plus_8l";
    case EdgeCase::kSmallOrderR: return "small_order_r";
    case EdgeCase::kNonCanonicalR: return "non_canonical_r";
    case EdgeCase::kOtherMessage: return "other_message";
    case EdgeCase::kFlippedBit: return "flipped_bit";
    case EdgeCase::kIdentityKey: return "identity_key";
    case EdgeCase::kSmallOrderKey: return "small_order_key";
    case EdgeCase::kMixedOrderKey: return "mixed_order_key";
    case EdgeCase::kNonCanonicalKey: return "non_canonical_key";
    case EdgeCase::kOffCurveKey: return "off_curve_key";
  }
  return "unknown";
}

bool UsesSeedKey(EdgeCase edge_case) {
  switch (edge_case) {
    case EdgeCase::kIdentityKey:
    case EdgeCase::kSmallOrderKey:
    case EdgeCase::kMixedOrderKey:
    case EdgeCase::kNonCanonicalKey:
    case EdgeCase::kOffCurveKey:
      return false;
    default:
      return true;
  }
}

EdgeSignature MakeEdgeSignature(EdgeCase edge_case, absl::string_view seed,
                                absl::string_view m) {
  const KeyPair key = FromSeed(seed);
  const std::string honest = HonestSignature(key, m);
  const Bytes32 s = honest.substr(32);
  switch (edge_case) {
    case EdgeCase::kHonest:
      return {key.public_key, honest};
    case EdgeCase::kScalarPlusL:
      return {key.public_key, honest.substr(0, 32) + AddWide(s, kOrderL)};
    case EdgeCase::kScalarPlus8L: {
      Bytes32 wide = s;
      for (int i = 0; i < 8; ++i) wide = AddWide(wide, kOrderL);
      return {key.public_key, honest.substr(0, 32) + wide};
    }
    case EdgeCase::kSmallOrderR:
    case EdgeCase::kNonCanonicalR: {
      // R = O, so [S]B - [k]A = R needs S = k·a.
      const Bytes32 r = edge_case == EdgeCase::kSmallOrderR
                            ? Identity()
                            : NonCanonicalIdentity();
      const Bytes32 k = Challenge(r, key.public_key, m);
      return {key.public_key, r + ScalarMul(k, key.scalar)};
    }
    case EdgeCase::kOtherMessage:
      return {key.public_key, HonestSignature(key, absl::StrCat(m, "x"))};
    case EdgeCase::kFlippedBit: {
      std::string sig = honest;
      sig[32] = static_cast<char>(sig[32] ^ 1);
      return {key.public_key, sig};
    }
    case EdgeCase::kIdentityKey: {
      // [k]O = O for every k: any S with R = [S]B verifies cofactorless.
      const Bytes32 any_s = Nonce("identity-key", m, 0);
      return {Identity(), BaseTimes(any_s) + any_s};
    }
    case EdgeCase::kSmallOrderKey:
      return SignWithTorsionKey(Order8Point(), m);
    case EdgeCase::kMixedOrderKey: {
      // A = [a]B + T; with 8 | k, [k]A = [k·a]B, so S = r + k·a works.
      const Bytes32 a = PointAdd(key.public_key, Order8Point());
      for (int i = 0; i < 1024; ++i) {
        const Bytes32 r = Nonce("mixed-order-key", m, i);
        const Bytes32 big_r = BaseTimes(r);
        const Bytes32 k = Challenge(big_r, a, m);
        if (DivisibleBy8(k)) {
          return {a, big_r + ScalarAdd(r, ScalarMul(k, key.scalar))};
        }
      }
      Die("no nonce found");
    }
    case EdgeCase::kNonCanonicalKey: {
      const Bytes32 any_s = Nonce("non-canonical-key", m, 0);
      return {NonCanonicalIdentity(), BaseTimes(any_s) + any_s};
    }
    case EdgeCase::kOffCurveKey:
      return {OffCurveKey(), honest};
  }
  Die("unknown case");
}

bool SodiumVerifies(absl::string_view public_key, absl::string_view message,
                    absl::string_view signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace vitrine::note::internal
