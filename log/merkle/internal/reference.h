// The slow, obviously correct Merkle tree of RFC 9162, written as the
// recursions of sections 2.1.1, 2.1.3.1 and 2.1.4.1 over a list of leaf
// hashes, for tests to compare the fast code against. Test-only: every call
// rehashes whole subtrees (O(n) per proof).
//
//   std::vector<Hash> leaves = ...;            // leaf hashes D[0:n]
//   Hash root = ReferenceRoot(leaves);        // MTH(D[n])
//   std::vector<Hash> path = ReferenceInclusionProof(3, leaves);
//   std::vector<Hash> proof = ReferenceConsistencyProof(5, leaves);
//
// Pure functions; thread-safe.
#ifndef VITRINE_LOG_MERKLE_INTERNAL_REFERENCE_H_
#define VITRINE_LOG_MERKLE_INTERNAL_REFERENCE_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "log/merkle/hash.h"

namespace vitrine::merkle::internal {

// Returns MTH(D[n]) of RFC 9162 2.1.1 over the leaf hashes `leaves`
// (EmptyRoot() when there are none).
Hash ReferenceRoot(absl::Span<const Hash> leaves);

// Returns PATH(m, D[n]) of RFC 9162 2.1.3.1, leaf to root. Requires
// m < leaves.size().
std::vector<Hash> ReferenceInclusionProof(uint64_t m,
                                          absl::Span<const Hash> leaves);

// Returns PROOF(m, D[n]) of RFC 9162 2.1.4.1; empty for m == 0 and m == n
// (the tlog-witness convention). Requires m <= leaves.size().
std::vector<Hash> ReferenceConsistencyProof(uint64_t m,
                                            absl::Span<const Hash> leaves);

}  // namespace vitrine::merkle::internal

#endif  // VITRINE_LOG_MERKLE_INTERNAL_REFERENCE_H_
