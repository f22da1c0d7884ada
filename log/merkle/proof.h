// Inclusion and consistency proofs (RFC 9162 2.1.3.1 and 2.1.4.1, the PATH
// and PROOF of RFC 6962) and tree roots, for any tree size the reader holds,
// read through a HashReader in one ReadHashes call of O(log n) nodes.
//
//   MemoryHashStore store;                    // or tiles, or RocksDB
//   ...
//   absl::StatusOr<std::vector<Hash>> path = InclusionProof(3, 7, store);
//   absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(4, 7, store);
//   absl::StatusOr<Hash> root = TreeRoot(7, store);
//
//   // A store that fetches tiles can plan first and prefetch:
//   absl::StatusOr<ProofPlan> plan = InclusionProofNodes(3, 7);
//   ... fetch the tiles holding plan->nodes, read their hashes ...
//   absl::StatusOr<std::vector<Hash>> path = plan->ProofFromHashes(hashes);
//
// Errors: InvalidArgument when the arguments contradict each other whatever
// the tree (index >= size, old_size > new_size): absl reserves OutOfRange for
// what a bigger tree would fix. These functions do not know how big the
// reader's tree is: a size beyond it comes back as the reader's status
// (NotFound from MemoryHashStore; a storage layer that knows its size should
// answer OutOfRange before calling). Every plan for a non-empty tree reads a
// node covering leaf size-1, so such a size is never silently accepted.
//
// Pure functions; thread-safe when the reader is.
#ifndef VITRINE_LOG_MERKLE_PROOF_H_
#define VITRINE_LOG_MERKLE_PROOF_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"

namespace vitrine::merkle {

// Which complete subtrees a proof needs and how their hashes make it. Proof
// hashes are those of nodes[0, proof_nodes) in order, except that the run
// nodes[fold_begin, fold_end), when not empty, is the RangeNodes
// decomposition of one right-edge ("ephemeral") node that is not a complete
// subtree: its hashes are folded right to left into a single proof hash.
// nodes[proof_nodes, end) are read only to confirm the tree holds the size.
struct ProofPlan {
  std::vector<NodeId> nodes;
  size_t fold_begin = 0;
  size_t fold_end = 0;
  size_t proof_nodes = 0;

  // Returns the number of hashes in the proof.
  size_t ProofSize() const;

  // Returns the proof from `hashes`, the hashes of `nodes` in order.
  // InvalidArgument when the count differs from nodes.size().
  absl::StatusOr<std::vector<Hash>> ProofFromHashes(
      absl::Span<const Hash> hashes) const;
};

// Plans PATH(index, D[size]) (RFC 9162 2.1.3.1): the siblings of the path
// from leaf `index` to the root, leaf to root. InvalidArgument when
// index >= size.
absl::StatusOr<ProofPlan> InclusionProofNodes(uint64_t index, uint64_t size);

// Plans PROOF(old_size, D[new_size]) (RFC 9162 2.1.4.1). The proof is empty
// when old_size is 0 or equals new_size (tlog-witness: "The proof MUST be
// empty if the old size is zero"). InvalidArgument when old_size > new_size.
absl::StatusOr<ProofPlan> ConsistencyProofNodes(uint64_t old_size,
                                                uint64_t new_size);

// Returns the inclusion proof of leaf `index` in the tree of `size` leaves
// (RFC 9162 2.1.3.1), leaf to root, read from `reader` in one call.
absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                 HashReader& reader);

// Returns the consistency proof between the trees of `old_size` and
// `new_size` leaves (RFC 9162 2.1.4.1), read from `reader` in one call.
absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size,
                                                   uint64_t new_size,
                                                   HashReader& reader);

// Returns MTH(D[0:size)) (RFC 9162 2.1.1) folded from the RangeNodes(0, size)
// hashes read in one call; EmptyRoot() for size 0, without reading.
absl::StatusOr<Hash> TreeRoot(uint64_t size, HashReader& reader);

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_PROOF_H_
