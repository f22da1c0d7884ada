// The one interface through which the Merkle code reads stored hashes, so the
// same proof code runs over RocksDB, a tile cache, tiles fetched over HTTP or
// a test vector (STYLE.md habit 2).
//
//   class MyStore : public HashReader {
//     absl::StatusOr<std::vector<Hash>> ReadHashes(
//         absl::Span<const NodeId> nodes) override { ... }
//   };
//   absl::StatusOr<std::vector<Hash>> proof = InclusionProof(3, 7, store);
#ifndef VITRINE_LOG_MERKLE_HASH_READER_H_
#define VITRINE_LOG_MERKLE_HASH_READER_H_

#include <cstdint>
#include <ostream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"

namespace vitrine::merkle {

// The root of a complete (perfect) subtree: the node at `level` above the
// leaves whose leaves are [index << level, (index + 1) << level). Level 0
// nodes are the leaf hashes. Only complete subtrees have stored hashes; the
// hashes along the right edge of a tree whose size is not a power of two are
// computed from them.
struct NodeId {
  uint8_t level = 0;
  uint64_t index = 0;

  // Returns the first leaf index under this node and one past the last.
  uint64_t begin() const { return index << level; }
  uint64_t end() const { return (index + 1) << level; }

  friend bool operator==(const NodeId& a, const NodeId& b) {
    return a.level == b.level && a.index == b.index;
  }
  friend bool operator!=(const NodeId& a, const NodeId& b) { return !(a == b); }
  friend bool operator<(const NodeId& a, const NodeId& b) {
    return a.level != b.level ? a.level < b.level : a.index < b.index;
  }
  template <typename H>
  friend H AbslHashValue(H state, const NodeId& id) {
    return H::combine(std::move(state), id.level, id.index);
  }
  friend std::ostream& operator<<(std::ostream& os, const NodeId& id) {
    return os << "(" << int{id.level} << "," << id.index << ")";
  }
};

// Reads stored hashes of complete subtrees. Implementations say whether they
// are thread-safe.
class HashReader {
 public:
  virtual ~HashReader() = default;

  // Returns the hashes of `nodes`, in the same order. Every node is a
  // complete subtree of the tree being read. Returns NotFound when a node is
  // not stored (beyond the tree) and DataLoss when what is stored is corrupt.
  // Callers batch: one call per proof, so a store can serve it in O(log n)
  // reads.
  virtual absl::StatusOr<std::vector<Hash>> ReadHashes(
      absl::Span<const NodeId> nodes) = 0;
};

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_HASH_READER_H_
