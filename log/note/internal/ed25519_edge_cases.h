// Test support: Ed25519 signatures and keys at the edges of the verification
// rule (log/note/ed25519.h), made for any message, so that tests can put
// them inside real statements and checkpoints and see every component
// decide. Built from libsodium's group and scalar operations (the
// crypto_core_ed25519_* API); test-only, never linked into a server.
//
//   EdgeSignature edge = MakeEdgeSignature(EdgeCase::kSmallOrderR, seed, text);
//   // edge.public_key is the seed's key; edge.signature satisfies the
//   // cofactorless equation but has R = the identity: refused.
#ifndef VITRINE_LOG_NOTE_INTERNAL_ED25519_EDGE_CASES_H_
#define VITRINE_LOG_NOTE_INTERNAL_ED25519_EDGE_CASES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vitrine::note::internal {

enum class EdgeCase {
  // Signatures by the seed's (valid) key.
  kHonest,            // RFC 8032 signature: accepted.
  kScalarPlusL,       // S + L: the same point, S not canonical.
  kScalarPlus8L,      // S + 8L: S >= 2^255, its top bit set.
  kSmallOrderR,       // R = identity, S = k·a: the equation holds.
  kNonCanonicalR,     // R = identity written as y = p + 1, S = k·a.
  kOtherMessage,      // an honest signature of another message.
  kFlippedBit,        // an honest signature with one bit of S flipped.
  // Signatures by weak keys (the key part of the rule refuses them).
  kIdentityKey,       // A = identity: [S]B = R holds for every message.
  kSmallOrderKey,     // A of order 8, R = [S]B: holds whenever 8 | k.
  kMixedOrderKey,     // A = [a]B + T (T of order 8), ground so that 8 | k:
                      // libsodium's own verify accepts it.
  kNonCanonicalKey,   // the identity written as y = p + 1.
  kOffCurveKey,       // 32 bytes that decode to no point.
};

// Every case, in declaration order.
std::vector<EdgeCase> AllEdgeCases();

// "honest", "scalar_plus_l", ... (for test names and messages).
const char* EdgeCaseName(EdgeCase edge_case);

// True for the cases whose key is the seed's own (valid) key.
bool UsesSeedKey(EdgeCase edge_case);

// True only for kHonest: every other case is refused by Vitrine's rule.
inline bool IsAccepted(EdgeCase edge_case) {
  return edge_case == EdgeCase::kHonest;
}

struct EdgeSignature {
  std::string public_key;  // 32 bytes
  std::string signature;   // 64 bytes
};

// Makes `edge_case` for `message`, with the key of the 32-byte `seed` where
// the case uses a valid key (the weak-key cases derive their key from it).
// Aborts on a libsodium failure (test support).
EdgeSignature MakeEdgeSignature(EdgeCase edge_case, absl::string_view seed,
                                absl::string_view message);

// libsodium's raw crypto_sign_verify_detached verdict, without Vitrine's
// key check (to show what that check adds).
bool SodiumVerifies(absl::string_view public_key, absl::string_view message,
                    absl::string_view signature);

}  // namespace vitrine::note::internal

#endif  // VITRINE_LOG_NOTE_INTERNAL_ED25519_EDGE_CASES_H_
