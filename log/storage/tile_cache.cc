#include "log/storage/tile_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "log/merkle/tile_interior.h"

namespace vitrine::storage {

using merkle::Hash;
using merkle::kHashSize;
using merkle::kTileHeight;
using merkle::kTileWidth;

namespace {

absl::Status CheckLevel(uint8_t level) {
  if (level > merkle::kMaxTileLevel) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile level ", int{level}, " is above ",
                     int{merkle::kMaxTileLevel}));
  }
  return absl::OkStatus();
}

// Copies `bytes` (a multiple of 32) into `out`.
void CopyHashes(absl::string_view bytes, Hash* out) {
  std::memcpy(static_cast<void*>(out), bytes.data(), bytes.size());
}

}  // namespace

static_assert(sizeof(Hash) == kHashSize, "hashes are copied as raw bytes");

CachedTile::CachedTile(uint8_t level, uint64_t index, uint16_t width,
                       std::vector<Hash> nodes)
    : level_(level), width_(width), index_(index), nodes_(std::move(nodes)) {
  uint16_t offset = 0;
  for (int k = 0; k <= kTileHeight + 1; ++k) {
    offsets_[k] = offset;
    if (k <= kTileHeight) offset = static_cast<uint16_t>(offset + (width >> k));
  }
}

absl::StatusOr<std::shared_ptr<const CachedTile>> CachedTile::Decode(
    uint8_t level, uint64_t index, absl::string_view bytes) {
  if (absl::Status s = CheckLevel(level); !s.ok()) return s;
  if (bytes.empty() || bytes.size() % kHashSize != 0 ||
      bytes.size() > kTileWidth * kHashSize) {
    return absl::DataLossError(absl::StrCat(
        "stored tile ", int{level}, "/", index, " has ", bytes.size(),
        " bytes, not 32 * W for a width W in 1..256"));
  }
  const uint16_t width = static_cast<uint16_t>(bytes.size() / kHashSize);
  size_t total = 0;
  for (int k = 0; k <= kTileHeight; ++k) total += width >> k;
  std::vector<Hash> nodes(total);
  CopyHashes(bytes, nodes.data());
  // Pair up each level's complete subtrees (RFC 9162 2.1.1: a perfect
  // subtree's hash is HashChildren of its halves) until none are left.
  const Hash* below = nodes.data();
  Hash* above = nodes.data() + width;
  for (size_t count = width; count > 1; count /= 2) {
    for (size_t j = 0; j < count / 2; ++j) {
      above[j] = merkle::HashChildren(below[2 * j], below[2 * j + 1]);
    }
    below = above;
    above += count / 2;
  }
  return std::shared_ptr<const CachedTile>(
      new CachedTile(level, index, width, std::move(nodes)));
}

absl::StatusOr<std::shared_ptr<const CachedTile>> CachedTile::DecodeFull(
    uint8_t level, uint64_t index, absl::string_view bytes,
    absl::string_view interior) {
  if (absl::Status s = CheckLevel(level); !s.ok()) return s;
  if (bytes.size() != kTileWidth * kHashSize ||
      interior.size() != merkle::kTileInteriorSize * kHashSize) {
    return absl::DataLossError(absl::StrCat(
        "stored full tile ", int{level}, "/", index, " has ", bytes.size(),
        " bytes and an interior of ", interior.size(), ", not ",
        kTileWidth * kHashSize, " and ", merkle::kTileInteriorSize * kHashSize));
  }
  std::vector<Hash> nodes(kTileWidth + merkle::kTileInteriorSize);
  CopyHashes(bytes, nodes.data());
  CopyHashes(interior, nodes.data() + kTileWidth);
  return std::shared_ptr<const CachedTile>(
      new CachedTile(level, index, kTileWidth, std::move(nodes)));
}

size_t CachedTile::MemoryBytes() const {
  // The object, its hashes, and about what shared_ptr's control block and
  // the cache's list and map entries take.
  return sizeof(CachedTile) + nodes_.capacity() * sizeof(Hash) + 96;
}

const Hash* CachedTile::FindNode(merkle::NodeId node) const {
  const int k = int{node.level} - int{kTileHeight} * level_;
  if (k < 0 || k > kTileHeight) return nullptr;
  const uint64_t per_tile = uint64_t{kTileWidth} >> k;
  if (node.index / per_tile != index_) return nullptr;
  const uint64_t j = node.index % per_tile;
  if (j >= static_cast<uint64_t>(offsets_[k + 1] - offsets_[k])) return nullptr;
  return &nodes_[offsets_[k] + j];
}

std::optional<Hash> CachedTile::NodeHash(merkle::NodeId node) const {
  const Hash* hash = FindNode(node);
  if (hash == nullptr) return std::nullopt;
  return *hash;
}

TileCache::TileCache(size_t capacity_tiles, size_t capacity_bytes) {
  // Small caches (tests) keep one shard, so that eviction order is exact.
  size_t shards = capacity_tiles >= 1024 ? 16 : 1;
  per_shard_capacity_ = (capacity_tiles + shards - 1) / shards;
  per_shard_bytes_ = capacity_bytes / shards + (capacity_bytes % shards != 0);
  if (per_shard_bytes_ == 0) per_shard_capacity_ = 0;
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
  absl::ReaderMutexLock lock(&shard.mu);
  auto it = shard.by_key.find(Key(level, index));
  if (it == shard.by_key.end()) return nullptr;
  Entry& entry = *it->second;
  if (entry.tile->width() < min_width) return nullptr;
  // Read first: hot tiles are already marked, and a store would bounce
  // their cache line between the cores on every proof.
  if (!entry.used.load(std::memory_order_relaxed)) {
    entry.used.store(true, std::memory_order_relaxed);
  }
  return entry.tile;
}

bool TileCache::Contains(uint8_t level, uint64_t index) {
  Shard& shard = ShardFor(level, index);
  absl::ReaderMutexLock lock(&shard.mu);
  return shard.by_key.contains(Key(level, index));
}

void TileCache::Insert(std::shared_ptr<const CachedTile> tile) {
  if (per_shard_capacity_ == 0 || tile == nullptr) return;
  Key key(tile->level(), tile->index());
  Shard& shard = ShardFor(key.first, key.second);
  // Dropped tiles are released after the lock, outside the critical section.
  std::vector<std::shared_ptr<const CachedTile>> evicted;
  absl::MutexLock lock(&shard.mu);
  auto it = shard.by_key.find(key);
  if (it != shard.by_key.end()) {
    Entry& entry = *it->second;
    entry.used.store(true, std::memory_order_relaxed);
    // Never narrower: a reader's stale read must not undo a newer version.
    if (entry.tile->width() < tile->width()) {
      shard.bytes -= entry.tile->MemoryBytes();
      shard.bytes += tile->MemoryBytes();
      evicted.push_back(std::exchange(entry.tile, std::move(tile)));
    }
  } else {
    shard.bytes += tile->MemoryBytes();
    shard.entries.emplace_front(std::move(tile));
    shard.by_key.emplace(key, shard.entries.begin());
  }
  // The newest tile stays even when it alone exceeds the byte budget. Each
  // used tile at the back gets a second chance (to the front, bit cleared),
  // so the sweep ends within one round.
  while (shard.entries.size() > 1 &&
         (shard.entries.size() > per_shard_capacity_ ||
          shard.bytes > per_shard_bytes_)) {
    auto last = std::prev(shard.entries.end());
    if (last->used.load(std::memory_order_relaxed)) {
      last->used.store(false, std::memory_order_relaxed);
      shard.entries.splice(shard.entries.begin(), shard.entries, last);
      continue;
    }
    shard.by_key.erase(Key(last->tile->level(), last->tile->index()));
    shard.bytes -= last->tile->MemoryBytes();
    evicted.push_back(std::move(last->tile));
    shard.entries.erase(last);
  }
}

size_t TileCache::size() {
  size_t total = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    total += shard->entries.size();
  }
  return total;
}

size_t TileCache::MemoryBytes() {
  size_t total = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    total += shard->bytes;
  }
  return total;
}

}  // namespace vitrine::storage
