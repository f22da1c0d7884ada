// An in-memory HashReader that keeps every complete subtree hash of a tree
// built by appending leaves, for tests and benchmarks. A tree of n leaves
// holds 2n - popcount(n) hashes: 2^24 leaves take about 1 GiB.
//
//   MemoryHashStore store(/*expected_leaves=*/1000);
//   for (int i = 0; i < 1000; ++i) store.Append(HashLeaf(StrCat("entry-", i)));
//   absl::StatusOr<std::vector<Hash>> proof = InclusionProof(3, 700, store);
//
// Thread-safety: ReadHashes (and the const methods) may run concurrently with
// each other, not with Append.
#ifndef VITRINE_LOG_MERKLE_MEMORY_HASH_STORE_H_
#define VITRINE_LOG_MERKLE_MEMORY_HASH_STORE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"

namespace vitrine::merkle {

class MemoryHashStore : public HashReader {
 public:
  // Reserves room for `expected_leaves` (a hint: more may be appended), so
  // that filling a large store neither reallocates nor overshoots memory.
  explicit MemoryHashStore(uint64_t expected_leaves = 0);

  MemoryHashStore(const MemoryHashStore&) = delete;
  MemoryHashStore& operator=(const MemoryHashStore&) = delete;

  // Appends a leaf hash at index size(), storing it and every complete
  // subtree it completes.
  void Append(const Hash& leaf_hash);
  void AppendBatch(absl::Span<const Hash> leaf_hashes);

  // Returns the number of leaves.
  uint64_t size() const { return range_.end(); }
  // Returns the root of the whole tree, MTH(D[0:size())) (RFC 9162 2.1.1).
  Hash Root() const { return range_.Root(); }

  // Returns the stored hashes of `nodes`, in order; NotFound (naming the
  // node) for any node not yet complete in this tree.
  absl::StatusOr<std::vector<Hash>> ReadHashes(
      absl::Span<const NodeId> nodes) override;

 private:
  void Store(NodeId id, const Hash& hash);

  CompactRange range_;
  // levels_[l][i] is the hash of NodeId{l, i}.
  std::vector<std::vector<Hash>> levels_;
  // Built once, so that appends do not construct a std::function each.
  NodeVisitor store_visitor_;
};

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_MEMORY_HASH_STORE_H_
