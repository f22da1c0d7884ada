#include "log/storage/internal/store_hash_reader.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/tile.h"
#include "log/storage/internal/keys.h"
#include "log/storage/internal/rocksdb_status.h"

namespace vitrine::storage::internal {

using merkle::Hash;
using merkle::kTileHeight;
using merkle::kTileWidth;
using merkle::NodeId;

namespace {

using TileCoords = std::pair<uint8_t, uint64_t>;

// Where a node's hash lives: tile (level, index), which must hold at least
// `min_width` hashes for the node's leaves to lie inside it.
struct Home {
  TileCoords tile;
  uint16_t min_width = 0;
};

std::string Name(NodeId node) {
  return absl::StrCat(int{node.level}, "/", node.index);
}

absl::StatusOr<Home> HomeOf(NodeId node) {
  // Levels above 63 name subtrees of more than 2^63 leaves: never stored.
  if (node.level > 63) {
    return absl::NotFoundError(absl::StrCat("node ", Name(node), " is not stored"));
  }
  int k = node.level % kTileHeight;
  uint64_t per_tile = uint64_t{kTileWidth} >> k;
  uint64_t offset = node.index % per_tile;
  Home home;
  home.tile = TileCoords(static_cast<uint8_t>(node.level / kTileHeight),
                      node.index / per_tile);
  home.min_width = static_cast<uint16_t>((offset + 1) << k);
  return home;
}

}  // namespace

absl::StatusOr<std::vector<StoreHashReader::Loaded>>
StoreHashReader::LoadTiles(absl::Span<const TileCoords> keys) const {
  // Each tile and its interior (absent for partial tiles and for tiles
  // stored before interiors were), in one MultiGet over both families.
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<Db> db, db_->Get());
  const size_t n = keys.size();
  std::vector<std::string> key_bytes;
  key_bytes.reserve(n);
  for (const TileCoords& key : keys) {
    key_bytes.push_back(internal::TileKey(key.first, key.second));
  }
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  slices.reserve(2 * n);
  families.reserve(2 * n);
  for (Cf family : {Cf::kTiles, Cf::kTileInteriors}) {
    for (const std::string& key : key_bytes) {
      slices.emplace_back(key);
      families.push_back(db->cf(family));
    }
  }
  std::vector<rocksdb::PinnableSlice> values(2 * n);
  std::vector<rocksdb::Status> statuses(2 * n);
  rocksdb::ReadOptions read = VerifiedReadOptions();
  // The tile cache is these values' cache: copying them into RocksDB's
  // block cache too would only evict the entry and index blocks there.
  read.fill_cache = false;
  db->db->MultiGet(read, 2 * n, families.data(), slices.data(),
                    values.data(), statuses.data());

  std::vector<Loaded> tiles(n);
  for (size_t i = 0; i < n; ++i) {
    const auto [level, index] = keys[i];
    if (statuses[i].IsNotFound()) continue;  // NotFound later, per node
    VITRINE_RETURN_IF_ERROR(FromRocksDb(
        statuses[i], absl::StrCat("reading tile ", int{level}, "/", index)));
    const rocksdb::Status& interior_status = statuses[n + i];
    if (!interior_status.IsNotFound()) {
      VITRINE_RETURN_IF_ERROR(FromRocksDb(
          interior_status,
          absl::StrCat("reading the interior of tile ", int{level}, "/", index)));
    }
    const absl::string_view bytes = ToView(values[i]);
    if (interior_status.ok() && bytes.size() == kTileWidth * merkle::kHashSize) {
      VITRINE_ASSIGN_OR_RETURN(
          tiles[i].tile, CachedTile::DecodeFull(level, index, bytes,
                                                ToView(values[n + i])));
      tiles[i].stored_interior = true;
    } else {
      VITRINE_ASSIGN_OR_RETURN(tiles[i].tile,
                               CachedTile::Decode(level, index, bytes));
    }
  }
  return tiles;
}

absl::Status StoreHashReader::CheckAgainstParent(const CachedTile& tile) const {
  const uint64_t slot = tile.index() % kTileWidth;
  std::shared_ptr<const CachedTile> parent =
      cache_->Lookup(static_cast<uint8_t>(tile.level() + 1),
                     tile.index() / kTileWidth, static_cast<uint16_t>(slot + 1));
  if (parent == nullptr) return absl::OkStatus();
  const NodeId root{static_cast<uint8_t>(kTileHeight * (tile.level() + 1)),
                    tile.index()};
  if (tile.NodeHash(root) != parent->hashes()[slot]) {
    return absl::DataLossError(absl::StrCat(
        "the stored interior of tile ", int{tile.level()}, "/", tile.index(),
        " ends in ", tile.NodeHash(root)->ToHex(), " but its parent tile holds ",
        parent->hashes()[slot].ToHex(), " for it"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Hash>> StoreHashReader::ReadHashes(
    absl::Span<const NodeId> nodes) {
  // The distinct tiles the nodes live in, each with the widest it must be.
  // A proof touches a handful: a linear search beats hashing keys.
  struct Need {
    TileCoords key;
    uint16_t min_width = 0;
    std::shared_ptr<const CachedTile> tile;
  };
  absl::InlinedVector<Need, 8> need;
  absl::InlinedVector<uint32_t, 40> home_of(nodes.size());
  absl::flat_hash_map<TileCoords, uint32_t> index_of;  // only for many tiles
  constexpr size_t kLinear = 16;
  for (size_t i = 0; i < nodes.size(); ++i) {
    VITRINE_ASSIGN_OR_RETURN(Home home, HomeOf(nodes[i]));
    uint32_t at = static_cast<uint32_t>(need.size());
    if (need.size() <= kLinear) {
      for (uint32_t t = 0; t < need.size(); ++t) {
        if (need[t].key == home.tile) at = t;
      }
    } else {
      if (index_of.empty()) {
        for (uint32_t t = 0; t < need.size(); ++t) index_of[need[t].key] = t;
      }
      at = index_of.try_emplace(home.tile, at).first->second;
    }
    if (at == need.size()) need.push_back(Need{home.tile, 0, nullptr});
    need[at].min_width = std::max(need[at].min_width, home.min_width);
    home_of[i] = at;
  }
  std::vector<TileCoords> misses;
  for (Need& n : need) {
    n.tile = cache_->Lookup(n.key.first, n.key.second, n.min_width);
    if (n.tile == nullptr) misses.push_back(n.key);
  }
  if (!misses.empty()) {
    // Upper tiles first (MultiGet sorts the keys itself): a parent loaded
    // here is cached before its child's interior is checked against it.
    std::sort(misses.begin(), misses.end(),
              [](const TileCoords& a, const TileCoords& b) { return b < a; });
    VITRINE_ASSIGN_OR_RETURN(std::vector<Loaded> loaded, LoadTiles(misses));
    for (size_t i = 0; i < misses.size(); ++i) {
      if (loaded[i].tile == nullptr) continue;
      if (loaded[i].stored_interior) {
        VITRINE_RETURN_IF_ERROR(CheckAgainstParent(*loaded[i].tile));
      }
      cache_->Insert(loaded[i].tile);
      for (Need& n : need) {
        if (n.key == misses[i]) n.tile = loaded[i].tile;
      }
    }
  }
  // Find every node first and prefetch it: a proof's nodes lie on as many
  // cache lines of tiles spread over memory, so the misses overlap.
  absl::InlinedVector<const Hash*, 40> found(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Need& n = need[home_of[i]];
    if (n.tile != nullptr) found[i] = n.tile->FindNode(nodes[i]);
    if (found[i] == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "node ", Name(nodes[i]), " is not stored: tile ", int{n.key.first},
          "/", n.key.second,
          n.tile == nullptr ? " is absent"
                            : absl::StrCat(" has only ", n.tile->width(),
                                           " hashes")));
    }
    __builtin_prefetch(found[i]);
  }
  std::vector<Hash> hashes;
  hashes.reserve(nodes.size());
  for (const Hash* hash : found) hashes.push_back(*hash);
  return hashes;
}

}  // namespace vitrine::storage::internal
