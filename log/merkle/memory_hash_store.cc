#include "log/merkle/memory_hash_store.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vitrine::merkle {

MemoryHashStore::MemoryHashStore(uint64_t expected_leaves)
    : store_visitor_([this](NodeId id, const Hash& hash) { Store(id, hash); }) {
  // A tree has at most 64 levels; each holds half the hashes of the one
  // below, so the reservations add up to twice the expected leaves.
  levels_.reserve(64);
  for (uint64_t n = expected_leaves; n > 0; n >>= 1) {
    levels_.emplace_back().reserve(n);
  }
}

void MemoryHashStore::Store(NodeId id, const Hash& hash) {
  // Nodes complete in index order within a level, so each is a push_back.
  if (id.level >= levels_.size()) levels_.resize(id.level + 1);
  levels_[id.level].push_back(hash);
}

void MemoryHashStore::Append(const Hash& leaf_hash) {
  range_.Append(leaf_hash, store_visitor_);
}

void MemoryHashStore::AppendBatch(absl::Span<const Hash> leaf_hashes) {
  range_.AppendBatch(leaf_hashes, store_visitor_);
}

absl::StatusOr<std::vector<Hash>> MemoryHashStore::ReadHashes(
    absl::Span<const NodeId> nodes) {
  std::vector<Hash> hashes;
  hashes.reserve(nodes.size());
  for (const NodeId& id : nodes) {
    if (id.level >= levels_.size() || id.index >= levels_[id.level].size()) {
      return absl::NotFoundError(absl::StrCat(
          "node ", id.level, "/", id.index, " is not in the tree of size ",
          size()));
    }
    hashes.push_back(levels_[id.level][id.index]);
  }
  return hashes;
}

}  // namespace vitrine::merkle
