#include "log/storage/tile_cache.h"

#include <string>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vitrine::storage {

using merkle::Hash;
using merkle::kHashSize;
using merkle::kTileHeight;
using merkle::kTileWidth;

absl::StatusOr<std::shared_ptr<const CachedTile>> CachedTile::Decode(
    uint8_t level, uint64_t index, absl::string_view bytes) {
  if (level > merkle::kMaxTileLevel) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile level ", int{level}, " is above ",
                     int{merkle::kMaxTileLevel}));
  }
  if (bytes.empty() || bytes.size() % kHashSize != 0 ||
      bytes.size() > kTileWidth * kHashSize) {
    return absl::DataLossError(absl::StrCat(
        "stored tile ", int{level}, "/", index, " has ", bytes.size(),
        " bytes, not 32 * W for a width W in 1..256"));
  }
  std::vector<std::vector<Hash>> levels;
  levels.reserve(kTileHeight + 1);
  std::vector<Hash>& stored = levels.emplace_back(bytes.size() / kHashSize);
  for (size_t i = 0; i < stored.size(); ++i) {
    std::copy_n(bytes.data() + i * kHashSize, kHashSize, stored[i].data());
  }
  // Pair up each level's complete subtrees (RFC 9162 2.1.1: a perfect
  // subtree's hash is HashChildren of its halves) until none are left.
  while (levels.back().size() > 1) {
    const std::vector<Hash>& below = levels.back();
    std::vector<Hash> above(below.size() / 2);
    for (size_t j = 0; j < above.size(); ++j) {
      above[j] = merkle::HashChildren(below[2 * j], below[2 * j + 1]);
    }
    levels.push_back(std::move(above));
  }
  return std::shared_ptr<const CachedTile>(
      new CachedTile(level, index, std::move(levels)));
}

std::optional<Hash> CachedTile::NodeHash(merkle::NodeId node) const {
  int k = int{node.level} - int{kTileHeight} * level_;
  if (k < 0 || k > kTileHeight || static_cast<size_t>(k) >= levels_.size()) {
    return std::nullopt;
  }
  uint64_t per_tile = uint64_t{kTileWidth} >> k;
  if (node.index / per_tile != index_) return std::nullopt;
  uint64_t j = node.index % per_tile;
  if (j >= levels_[k].size()) return std::nullopt;
  return levels_[k][j];
}

TileCache::TileCache(size_t capacity_tiles) {
  // Small caches (tests) keep exact LRU order in one shard.
  size_t shards = capacity_tiles >= 1024 ? 16 : 1;
  per_shard_capacity_ = (capacity_tiles + shards - 1) / shards;
  for (size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

TileCache::Shard& TileCache::ShardFor(uint8_t level, uint64_t index) {
  size_t h = absl::Hash<Key>()(Key(level, index));
  return *shards_[h % shards_.size()];
}

std::shared_ptr<const CachedTile> TileCache::Lookup(uint8_t level,
                                                    uint64_t index,
                                                    uint16_t min_width) {
  Shard& shard = ShardFor(level, index);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_key.find(Key(level, index));
  if (it == shard.by_key.end()) return nullptr;
  if ((*it->second)->width() < min_width) return nullptr;
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return *it->second;
}

bool TileCache::Contains(uint8_t level, uint64_t index) {
  Shard& shard = ShardFor(level, index);
  absl::MutexLock lock(&shard.mu);
  return shard.by_key.contains(Key(level, index));
}

void TileCache::Insert(std::shared_ptr<const CachedTile> tile) {
  if (per_shard_capacity_ == 0 || tile == nullptr) return;
  Key key(tile->level(), tile->index());
  Shard& shard = ShardFor(key.first, key.second);
  // Dropped tiles are released after the lock, outside the critical section.
  std::list<std::shared_ptr<const CachedTile>> evicted;
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_key.find(key);
  if (it != shard.by_key.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    // Never narrower: a reader's stale read must not undo a newer version.
    if ((*it->second)->width() < tile->width()) *it->second = std::move(tile);
    return;
  }
  shard.lru.push_front(std::move(tile));
  shard.by_key.emplace(key, shard.lru.begin());
  while (shard.lru.size() > per_shard_capacity_) {
    const CachedTile& last = *shard.lru.back();
    shard.by_key.erase(Key(last.level(), last.index()));
    evicted.splice(evicted.begin(), shard.lru, std::prev(shard.lru.end()));
  }
}

size_t TileCache::size() {
  size_t total = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    total += shard->lru.size();
  }
  return total;
}

}  // namespace vitrine::storage
