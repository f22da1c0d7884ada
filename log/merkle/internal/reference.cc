#include "log/merkle/internal/reference.h"

#include <cstdlib>

namespace vitrine::merkle::internal {
namespace {

// Returns the largest power of two smaller than n (n > 1): RFC 9162's k.
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1.
std::vector<Hash> SubProof(uint64_t m, absl::Span<const Hash> d, bool b) {
  const uint64_t n = d.size();
  if (m == n) {
    if (b) return {};
    return {ReferenceRoot(d)};
  }
  const uint64_t k = SplitPoint(n);
  std::vector<Hash> proof;
  if (m <= k) {
    proof = SubProof(m, d.subspan(0, k), b);
    proof.push_back(ReferenceRoot(d.subspan(k)));
  } else {
    proof = SubProof(m - k, d.subspan(k), false);
    proof.push_back(ReferenceRoot(d.subspan(0, k)));
  }
  return proof;
}

}  // namespace

Hash ReferenceRoot(absl::Span<const Hash> leaves) {
  const uint64_t n = leaves.size();
  if (n == 0) return EmptyRoot();
  // Leaves are given already hashed: MTH({d}) = HASH(0x00 || d) is theirs.
  if (n == 1) return leaves[0];
  const uint64_t k = SplitPoint(n);
  return HashChildren(ReferenceRoot(leaves.subspan(0, k)),
                      ReferenceRoot(leaves.subspan(k)));
}

std::vector<Hash> ReferenceInclusionProof(uint64_t m,
                                          absl::Span<const Hash> leaves) {
  const uint64_t n = leaves.size();
  if (m >= n) std::abort();  // a test bug, not an input to handle
  if (n == 1) return {};
  const uint64_t k = SplitPoint(n);
  std::vector<Hash> path;
  if (m < k) {
    path = ReferenceInclusionProof(m, leaves.subspan(0, k));
    path.push_back(ReferenceRoot(leaves.subspan(k)));
  } else {
    path = ReferenceInclusionProof(m - k, leaves.subspan(k));
    path.push_back(ReferenceRoot(leaves.subspan(0, k)));
  }
  return path;
}

std::vector<Hash> ReferenceConsistencyProof(uint64_t m,
                                            absl::Span<const Hash> leaves) {
  if (m > leaves.size()) std::abort();  // a test bug, not an input to handle
  if (m == 0 || m == leaves.size()) return {};
  return SubProof(m, leaves, true);
}

}  // namespace vitrine::merkle::internal
