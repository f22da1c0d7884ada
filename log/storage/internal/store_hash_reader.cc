#include "log/storage/internal/store_hash_reader.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/tile.h"

namespace vitrine::storage::internal {

using merkle::Hash;
using merkle::kTileHeight;
using merkle::kTileWidth;
using merkle::NodeId;

namespace {

using TileKey = std::pair<uint8_t, uint64_t>;

// Where a node's hash lives: tile (level, index), which must hold at least
// `min_width` hashes for the node's leaves to lie inside it.
struct Home {
  TileKey tile;
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
  home.tile = TileKey(static_cast<uint8_t>(node.level / kTileHeight),
                      node.index / per_tile);
  home.min_width = static_cast<uint16_t>((offset + 1) << k);
  return home;
}

}  // namespace

absl::StatusOr<std::vector<Hash>> StoreHashReader::ReadHashes(
    absl::Span<const NodeId> nodes) {
  std::vector<Home> homes;
  homes.reserve(nodes.size());
  // The widest each distinct tile must be, then the tile found for it.
  absl::flat_hash_map<TileKey, uint16_t> need;
  for (const NodeId& node : nodes) {
    VITRINE_ASSIGN_OR_RETURN(Home home, HomeOf(node));
    uint16_t& width = need[home.tile];
    width = std::max(width, home.min_width);
    homes.push_back(home);
  }
  absl::flat_hash_map<TileKey, std::shared_ptr<const CachedTile>> tiles;
  std::vector<TileKey> misses;
  for (const auto& [key, width] : need) {
    std::shared_ptr<const CachedTile> tile =
        cache_->Lookup(key.first, key.second, width);
    if (tile != nullptr) {
      tiles[key] = std::move(tile);
    } else {
      misses.push_back(key);
    }
  }
  if (!misses.empty()) {
    // Sorted keys let RocksDB walk each SST file once.
    std::sort(misses.begin(), misses.end());
    VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> bytes,
                             MultiGetTiles(*db_, misses));
    for (size_t i = 0; i < misses.size(); ++i) {
      if (!bytes[i].has_value()) continue;  // NotFound below, per node
      VITRINE_ASSIGN_OR_RETURN(
          std::shared_ptr<const CachedTile> tile,
          CachedTile::Decode(misses[i].first, misses[i].second, *bytes[i]));
      cache_->Insert(tile);
      tiles[misses[i]] = std::move(tile);
    }
  }
  std::vector<Hash> hashes;
  hashes.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto it = tiles.find(homes[i].tile);
    std::optional<Hash> hash;
    if (it != tiles.end()) hash = it->second->NodeHash(nodes[i]);
    if (!hash.has_value()) {
      return absl::NotFoundError(absl::StrCat(
          "node ", Name(nodes[i]), " is not stored: tile ", int{homes[i].tile.first},
          "/", homes[i].tile.second,
          it == tiles.end() ? " is absent"
                            : absl::StrCat(" has only ", it->second->width(),
                                           " hashes")));
    }
    hashes.push_back(*hash);
  }
  return hashes;
}

}  // namespace vitrine::storage::internal
