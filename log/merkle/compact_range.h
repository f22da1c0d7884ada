// A compact range: the O(log n) hashes that summarise a contiguous range of
// leaves [begin, end), the minimal set of complete subtrees covering it. For
// begin = 0 it is the tree's right edge, from which the root of the tree of
// size `end` follows, and to which leaves can be appended one at a time or in
// batches (the sequencer's only in-memory tree state).
//
//   CompactRange range;                       // [0, 0)
//   for (absl::string_view e : entries) range.Append(HashLeaf(e));
//   Hash root = range.Root();                 // MTH(D[0:end)), RFC 9162 2.1.1
//
//   // Persist every complete subtree as it appears (leaves included):
//   range.Append(leaf, [&](NodeId id, const Hash& h) { store.Put(id, h); });
//
// Append costs one leaf push and, amortised, one node hash; Root() costs
// O(log n) hashes.
//
// A CompactRange is a value type; not thread-safe for concurrent mutation.
#ifndef VITRINE_LOG_MERKLE_COMPACT_RANGE_H_
#define VITRINE_LOG_MERKLE_COMPACT_RANGE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"

namespace vitrine::merkle {

// Called with each complete subtree created by an append, in the order they
// are completed (a leaf, then the parents it completes, bottom-up).
using NodeVisitor = std::function<void(NodeId id, const Hash& hash)>;

// Returns the minimal complete subtrees covering [begin, end), left to right
// (RFC 9162's decomposition of a range). Empty for begin == end. Requires
// begin <= end.
std::vector<NodeId> RangeNodes(uint64_t begin, uint64_t end);

class CompactRange {
 public:
  // Returns the empty range [begin, begin).
  explicit CompactRange(uint64_t begin = 0);

  // Returns the range [begin, end) summarised by `hashes`, the hashes of
  // RangeNodes(begin, end) in order. InvalidArgument when begin > end or the
  // number of hashes is wrong. Used to resume from stored hashes.
  static absl::StatusOr<CompactRange> FromHashes(uint64_t begin, uint64_t end,
                                                 std::vector<Hash> hashes);

  // Appends one leaf hash at index end(). Calls `visitor` (if set) for the
  // leaf and every complete subtree it completes.
  void Append(const Hash& leaf_hash, const NodeVisitor& visitor = nullptr);
  // Appends leaf hashes at end(), end()+1, ...; same as Append in a loop.
  void AppendBatch(absl::Span<const Hash> leaf_hashes,
                   const NodeVisitor& visitor = nullptr);

  // Extends this range with `right`, which must start where this one ends
  // (InvalidArgument otherwise). Calls `visitor` for each complete subtree
  // the merge creates (not for those already in either range).
  absl::Status Merge(const CompactRange& right,
                     const NodeVisitor& visitor = nullptr);

  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  // The hashes of RangeNodes(begin(), end()), left to right.
  absl::Span<const Hash> hashes() const { return hashes_; }
  // Returns RangeNodes(begin(), end()): the ids of hashes().
  std::vector<NodeId> nodes() const;

  // Returns the hash of the tree [begin, end) folded right to left, as
  // MTH does for the right edge: for begin() == 0 it is the root of the tree
  // of size end(), and EmptyRoot() when empty.
  Hash Root() const;

 private:
  // Adds complete subtree `id`, which starts at end(), merging it with the
  // range's last nodes while they are left siblings; does not move end().
  void Push(NodeId id, Hash hash, const NodeVisitor& visitor);

  uint64_t begin_;
  uint64_t end_;
  std::vector<Hash> hashes_;
};

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_COMPACT_RANGE_H_
