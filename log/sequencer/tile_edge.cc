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
    edge.levels_[l].full_tiles = levels[l].full_tiles;
    edge.levels_[l].partial = std::move(hashes);
  }
  return edge;
}

absl::Status TileEdge::AddNode(NodeId id, const Hash& hash) {
  if (id.level % kTileHeight != 0) return absl::OkStatus();
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
  if (l == levels_.size()) levels_.emplace_back();
  Level& level = levels_[l];
  level.partial.push_back(hash);
  level.changed = true;
  if (level.partial.size() == kTileWidth) {
    completed_.push_back(
        ChangedTile{TileId{static_cast<uint8_t>(l), level.full_tiles, kTileWidth},
                    merkle::EncodeTile(level.partial)});
    ++level.full_tiles;
    level.partial.clear();
  }
  return absl::OkStatus();
}

std::vector<ChangedTile> TileEdge::TakeChangedTiles() {
  std::vector<ChangedTile> tiles = std::move(completed_);
  completed_.clear();
  for (size_t l = 0; l < levels_.size(); ++l) {
    Level& level = levels_[l];
    if (level.changed && !level.partial.empty()) {
      tiles.push_back(ChangedTile{
          TileId{static_cast<uint8_t>(l), level.full_tiles,
                 static_cast<uint16_t>(level.partial.size())},
          merkle::EncodeTile(level.partial)});
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
