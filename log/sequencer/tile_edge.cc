#include "log/sequencer/tile_edge.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vitrine::sequencer {

using merkle::Hash;
using merkle::kTileHeight;
using merkle::kTileWidth;
using merkle::NodeId;
using merkle::TileId;
using merkle::TileInteriorOffset;

absl::StatusOr<TileEdge> TileEdge::FromPartialTiles(
    uint64_t size, std::vector<std::vector<Hash>> partial) {
  const std::vector<merkle::TileLevel> levels = merkle::TileLevelsForSize(size);
  for (size_t l = levels.size(); l < partial.size(); ++l) {
    if (!partial[l].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tile level ", l, " is empty in a tree of size ", size, " but ",
          partial[l].size(), " hashes were given for it"));
    }
  }
  TileEdge edge;
  edge.levels_.resize(levels.size());
  for (size_t l = 0; l < levels.size(); ++l) {
    std::vector<Hash> hashes =
        l < partial.size() ? std::move(partial[l]) : std::vector<Hash>();
    if (hashes.size() != levels[l].partial_width) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the partial tile of level ", l, " of a tree of size ", size,
          " holds ", levels[l].partial_width, " hashes, not ", hashes.size()));
    }
    Level& level = edge.levels_[l];
    level.full_tiles = levels[l].full_tiles;
    level.partial = std::move(hashes);
    // The complete subtrees inside the partial tile, which the compact range
    // reported before the restart: at most 254 hashes per level, once.
    const Hash* below = level.partial.data();
    size_t count = level.partial.size();
    for (int k = 1; k < kTileHeight && count >= 2; ++k) {
      Hash* above = level.interior.data() + TileInteriorOffset(k);
      for (size_t j = 0; j < count / 2; ++j) {
        above[j] = merkle::HashChildren(below[2 * j], below[2 * j + 1]);
      }
      below = above;
      count /= 2;
    }
  }
  return edge;
}

absl::Status TileEdge::AddInteriorNode(NodeId id, const Hash& hash) {
  const size_t l = id.level / kTileHeight;
  const int k = id.level % kTileHeight;
  const uint64_t per_tile = uint64_t{kTileWidth} >> k;
  // The node must be the newest complete subtree of its level inside the
  // level's partial tile: its last leaf-level hash has just arrived.
  const bool next = l < levels_.size() &&
                    id.index / per_tile == levels_[l].full_tiles &&
                    id.index % per_tile + 1 == (levels_[l].partial.size() >> k);
  if (!next) {
    return absl::InternalError(absl::StrCat(
        "tile edge: node ", id.level, "/", id.index,
        " is not the next node of its level inside the partial tile of ",
        "tile level ", l));
  }
  levels_[l].interior[TileInteriorOffset(k) + id.index % per_tile] = hash;
  return absl::OkStatus();
}

absl::Status TileEdge::AddNode(NodeId id, const Hash& hash) {
  if (id.level % kTileHeight != 0) return AddInteriorNode(id, hash);
  const size_t l = id.level / kTileHeight;
  // A new tile level starts with its first node; anything else means the
  // caller skipped a level, which the index check below would miss.
  if (l > levels_.size()) {
    return absl::InternalError(absl::StrCat(
        "tile edge: node ", id.level, "/", id.index, " skips tile level ",
        levels_.size()));
  }
  const uint64_t expected =
      l < levels_.size()
          ? levels_[l].full_tiles * kTileWidth + levels_[l].partial.size()
          : 0;
  if (id.index != expected) {
    return absl::InternalError(absl::StrCat(
        "tile edge: node ", id.level, "/", id.index,
        " is not the next node of its level (", expected, ")"));
  }
  // Node 8l is also the root of tile (l - 1, index), whose 256 hashes and
  // interior nodes came before it (bottom-up): it completes that tile.
  if (l > 0) {
    Level& below = levels_[l - 1];
    if (below.partial.size() != kTileWidth || below.full_tiles != id.index) {
      return absl::InternalError(absl::StrCat(
          "tile edge: node ", id.level, "/", id.index,
          " is not the root of the tile level ", l - 1, " tile being filled (",
          below.full_tiles, ", ", below.partial.size(), " hashes)"));
    }
    below.interior[merkle::kTileInteriorSize - 1] = hash;
    completed_.push_back(ChangedTile{
        TileId{static_cast<uint8_t>(l - 1), below.full_tiles, kTileWidth},
        merkle::EncodeTile(below.partial), merkle::EncodeTile(below.interior)});
    ++below.full_tiles;
    below.partial.clear();
  }
  if (l == levels_.size()) levels_.emplace_back();
  Level& level = levels_[l];
  level.partial.push_back(hash);
  level.changed = true;
  return absl::OkStatus();
}

std::vector<ChangedTile> TileEdge::TakeChangedTiles() {
  std::vector<ChangedTile> tiles = std::move(completed_);
  completed_.clear();
  for (size_t l = 0; l < levels_.size(); ++l) {
    Level& level = levels_[l];
    // A level holding 256 hashes waits for its root, which the compact range
    // reports in the same append: never the case between appends.
    if (level.changed && !level.partial.empty() &&
        level.partial.size() < kTileWidth) {
      tiles.push_back(ChangedTile{
          TileId{static_cast<uint8_t>(l), level.full_tiles,
                 static_cast<uint16_t>(level.partial.size())},
          merkle::EncodeTile(level.partial), std::string()});
    }
    level.changed = false;
  }
  std::sort(tiles.begin(), tiles.end(),
            [](const ChangedTile& a, const ChangedTile& b) { return a.id < b.id; });
  return tiles;
}

uint64_t TileEdge::size() const {
  if (levels_.empty()) return 0;
  return levels_[0].full_tiles * kTileWidth + levels_[0].partial.size();
}

}  // namespace vitrine::sequencer
