// A bounded, thread-safe LRU cache of decoded hash tiles, so that proofs read
// the hot tiles (the upper levels and the tree's right edge) from memory.
//
//   TileCache cache(/*capacity_tiles=*/8192);
//   VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const CachedTile> tile,
//                            CachedTile::Decode(0, 3, stored_bytes));
//   cache.Insert(tile);
//   std::shared_ptr<const CachedTile> hit = cache.Lookup(0, 3, /*min_width=*/17);
//   std::optional<Hash> h = hit->NodeHash(NodeId{2, 200});
//
// Full tiles never change, so a cached one stays right forever. A partial
// tile is rewritten wider as the log grows, and every narrower version is a
// prefix of the wider one (the same complete subtrees), so any version at
// least as wide as a reader needs is correct for it. Hence the two rules that
// keep readers from ever seeing a narrower tile than they asked for:
// Lookup misses when the cached version is narrower than `min_width`, and
// Insert never replaces a cached tile with a narrower one (a reader that read
// an old version from disk cannot undo the writer's write-through).
//
// Thread-safety: all methods are thread-safe. CachedTile is immutable and
// shared by pointer, so a tile evicted while a reader uses it stays valid.
#ifndef VITRINE_LOG_STORAGE_TILE_CACHE_H_
#define VITRINE_LOG_STORAGE_TILE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"
#include "log/merkle/tile.h"

namespace vitrine::storage {

// One tile's hashes together with every complete subtree inside it. A proof
// needs nodes at all eight tree levels of a tile; computing one from the
// stored hashes (merkle::HashNodeInTile) costs up to 127 hashes, so the
// subtrees are computed once, on decode (W - 1 hashes), and each node read
// afterwards is a lookup. A full tile takes 511 hashes (16 KiB).
class CachedTile {
 public:
  // Returns tile (level, index) decoded from its stored bytes: DataLoss when
  // the length is not 32 * W for a W in 1..256 (they came from our disk);
  // InvalidArgument for a level above merkle::kMaxTileLevel.
  static absl::StatusOr<std::shared_ptr<const CachedTile>> Decode(
      uint8_t level, uint64_t index, absl::string_view bytes);

  uint8_t level() const { return level_; }
  uint64_t index() const { return index_; }
  uint16_t width() const { return static_cast<uint16_t>(levels_[0].size()); }
  merkle::TileId id() const { return {level_, index_, width()}; }
  // The W hashes as stored: tree level 8L, indexes [256N, 256N + W).
  absl::Span<const merkle::Hash> hashes() const { return levels_[0]; }

  // Returns the hash of `node` when it is a complete subtree of this tile's
  // W hashes (tree level 8L + k, 0 <= k <= 8, as merkle::HashNodeInTile);
  // nullopt otherwise.
  std::optional<merkle::Hash> NodeHash(merkle::NodeId node) const;

 private:
  CachedTile(uint8_t level, uint64_t index,
             std::vector<std::vector<merkle::Hash>> levels)
      : level_(level), index_(index), levels_(std::move(levels)) {}

  uint8_t level_;
  uint64_t index_;
  // levels_[k][j] is node (8L + k, N * (256 >> k) + j); levels_[0] is the
  // stored hashes, levels_[8] (full tiles only) the tile's root.
  std::vector<std::vector<merkle::Hash>> levels_;
};

class TileCache {
 public:
  // Keeps at most about `capacity_tiles` tiles (rounded up to a multiple of
  // the shard count); 0 disables caching (every Lookup misses).
  explicit TileCache(size_t capacity_tiles);

  TileCache(const TileCache&) = delete;
  TileCache& operator=(const TileCache&) = delete;

  // Returns the cached tile (level, index) if it holds at least `min_width`
  // hashes, marking it recently used; nullptr otherwise.
  std::shared_ptr<const CachedTile> Lookup(uint8_t level, uint64_t index,
                                           uint16_t min_width);
  // Returns whether some version of tile (level, index) is cached.
  bool Contains(uint8_t level, uint64_t index);
  // Caches `tile` unless a version at least as wide is already cached,
  // evicting the least recently used tiles of its shard beyond capacity.
  void Insert(std::shared_ptr<const CachedTile> tile);

  // Returns the number of tiles cached.
  size_t size();

 private:
  using Key = std::pair<uint8_t, uint64_t>;
  // Lookups take a shard's lock; sharding keeps concurrent proof readers
  // from queueing on one mutex.
  struct Shard {
    absl::Mutex mu;
    // Most recently used first.
    std::list<std::shared_ptr<const CachedTile>> lru ABSL_GUARDED_BY(mu);
    absl::flat_hash_map<Key, std::list<std::shared_ptr<const CachedTile>>::iterator>
        by_key ABSL_GUARDED_BY(mu);
  };

  Shard& ShardFor(uint8_t level, uint64_t index);

  size_t per_shard_capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_TILE_CACHE_H_
