// A bounded, thread-safe cache of decoded hash tiles, so that proofs read
// the hot tiles (the upper levels and the tree's right edge) from memory.
// Eviction is CLOCK (second chance), not exact LRU: a Lookup only sets its
// tile's "used" bit, under a shared lock, so concurrent proofs reading the
// same hot tiles do not serialise on a shard's lock or rewrite list links
// (an LRU move touches three random list nodes per hit); Insert evicts from
// the oldest end, giving each used tile one more round.
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

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
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
// subtrees are made once, when the tile is loaded, and each node read
// afterwards is a lookup in one flat array. A full tile takes 511 hashes
// (16 KiB): its 256 stored hashes and its 255-hash interior, which either
// comes from the store (DecodeFull: no hashing) or is computed (Decode: W - 1
// hashes).
class CachedTile {
 public:
  // Returns tile (level, index) decoded from its stored bytes, computing its
  // inner subtrees: DataLoss when the length is not 32 * W for a W in 1..256
  // (they came from our disk); InvalidArgument for a level above
  // merkle::kMaxTileLevel.
  static absl::StatusOr<std::shared_ptr<const CachedTile>> Decode(
      uint8_t level, uint64_t index, absl::string_view bytes);
  // Returns the full tile (level, index) from its 256 stored hashes and its
  // stored interior (merkle/tile_interior.h), without hashing: the caller
  // vouches that `interior` belongs to `bytes` (see store.h, "Integrity").
  // DataLoss when `bytes` is not 256 hashes or `interior` not 255;
  // InvalidArgument for a level above merkle::kMaxTileLevel.
  static absl::StatusOr<std::shared_ptr<const CachedTile>> DecodeFull(
      uint8_t level, uint64_t index, absl::string_view bytes,
      absl::string_view interior);

  uint8_t level() const { return level_; }
  uint64_t index() const { return index_; }
  uint16_t width() const { return width_; }
  merkle::TileId id() const { return {level_, index_, width_}; }
  // The W hashes as stored: tree level 8L, indexes [256N, 256N + W).
  absl::Span<const merkle::Hash> hashes() const {
    return absl::MakeConstSpan(nodes_.data(), width_);
  }
  // Returns the approximate memory this tile holds, for the cache's budget.
  size_t MemoryBytes() const;

  // Returns the hash of `node` when it is a complete subtree of this tile's
  // W hashes (tree level 8L + k, 0 <= k <= 8, as merkle::HashNodeInTile);
  // nullopt otherwise.
  std::optional<merkle::Hash> NodeHash(merkle::NodeId node) const;
  // The same, as a pointer into this tile (valid while it lives), or null:
  // lets a reader prefetch the nodes of a proof before copying them.
  const merkle::Hash* FindNode(merkle::NodeId node) const;

 private:
  CachedTile(uint8_t level, uint64_t index, uint16_t width,
             std::vector<merkle::Hash> nodes);

  uint8_t level_;
  uint16_t width_;
  uint64_t index_;
  // offsets_[k] is where tree level 8L + k starts in nodes_; it holds
  // W >> k nodes: nodes_[offsets_[k] + j] is node (8L + k, N * (256 >> k) +
  // j). For a full tile this is the stored hashes followed by the interior.
  std::array<uint16_t, merkle::kTileHeight + 2> offsets_;
  std::vector<merkle::Hash> nodes_;
};

class TileCache {
 public:
  // Keeps at most about `capacity_tiles` tiles and `capacity_bytes` bytes of
  // them (CachedTile::MemoryBytes; both rounded up to a multiple of the
  // shard count); 0 disables caching (every Lookup misses).
  explicit TileCache(size_t capacity_tiles,
                     size_t capacity_bytes = std::numeric_limits<size_t>::max());

  TileCache(const TileCache&) = delete;
  TileCache& operator=(const TileCache&) = delete;

  // Returns the cached tile (level, index) if it holds at least `min_width`
  // hashes, marking it used; nullptr otherwise.
  std::shared_ptr<const CachedTile> Lookup(uint8_t level, uint64_t index,
                                           uint16_t min_width);
  // Returns whether some version of tile (level, index) is cached.
  bool Contains(uint8_t level, uint64_t index);
  // Caches `tile` unless a version at least as wide is already cached,
  // evicting tiles of its shard beyond capacity: the oldest not used since
  // the sweep last passed them.
  void Insert(std::shared_ptr<const CachedTile> tile);

  // Returns the number of tiles cached.
  size_t size();
  // Returns the memory the cached tiles hold (sum of their MemoryBytes).
  size_t MemoryBytes();

 private:
  using Key = std::pair<uint8_t, uint64_t>;
  struct Entry {
    explicit Entry(std::shared_ptr<const CachedTile> t) : tile(std::move(t)) {}
    std::shared_ptr<const CachedTile> tile;
    // Set by Lookup under the shared lock (hence atomic), cleared by the
    // sweep under the exclusive one.
    std::atomic<bool> used{false};
  };
  // Lookups take a shard's lock shared; sharding keeps Inserts (misses)
  // from blocking readers of other tiles.
  struct Shard {
    absl::Mutex mu;
    // Newest first; the sweep takes from the back.
    std::list<Entry> entries ABSL_GUARDED_BY(mu);
    absl::flat_hash_map<Key, std::list<Entry>::iterator> by_key
        ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardFor(uint8_t level, uint64_t index);

  size_t per_shard_capacity_;
  size_t per_shard_bytes_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_TILE_CACHE_H_
