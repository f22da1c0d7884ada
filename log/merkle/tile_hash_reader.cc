#include "log/merkle/tile_hash_reader.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"

namespace vitrine::merkle {
namespace {

std::vector<TileId> EdgeTiles(uint64_t tree_size) {
  std::vector<TileId> edge;
  std::vector<TileLevel> levels = TileLevelsForSize(tree_size);
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    if (level->partial_width > 0) {
      edge.push_back(
          TileId{level->level, level->full_tiles, level->partial_width});
    }
  }
  return edge;
}

// Returns `status` as DataLoss with `context` prepended: whatever made an
// authenticated-tile computation fail, the tile is what is wrong.
absl::Status AsDataLoss(const absl::Status& status, absl::string_view context) {
  return absl::DataLossError(absl::StrCat(context, ": ", status.message()));
}

}  // namespace

TileHashReader::TileHashReader(uint64_t tree_size, const Hash& root,
                               TileReader* tiles)
    : tree_size_(tree_size),
      root_(root),
      tiles_(tiles),
      edge_(EdgeTiles(tree_size)) {}

absl::Status TileHashReader::CheckEdge(const TileHashes& tiles) const {
  // The partial tiles' subtrees, top level first, are RangeNodes(0, size).
  std::vector<Hash> edge_hashes;
  for (const TileId& tile : edge_) {
    absl::StatusOr<std::vector<TileSubtree>> subtrees =
        TileSubtrees(tile, tiles.at(tile));
    if (!subtrees.ok()) {
      return AsDataLoss(subtrees.status(), TilePath(tile));
    }
    for (const TileSubtree& s : *subtrees) edge_hashes.push_back(s.hash);
  }
  absl::StatusOr<CompactRange> range =
      CompactRange::FromHashes(0, tree_size_, std::move(edge_hashes));
  if (!range.ok()) return AsDataLoss(range.status(), "right-edge tiles");
  if (range->Root() != root_) {
    std::string paths;
    for (const TileId& tile : edge_) absl::StrAppend(&paths, " ", TilePath(tile));
    return absl::DataLossError(
        absl::StrCat("the right-edge tiles", paths,
                     " do not hash to the trusted root of the tree of size ",
                     tree_size_));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Hash>> TileHashReader::ReadHashes(
    absl::Span<const NodeId> nodes) {
  if (nodes.empty()) return std::vector<Hash>();

  // The tiles the nodes live in, then every full tile's chain of parents.
  absl::StatusOr<std::vector<TileId>> homes = TilesForNodes(nodes, tree_size_);
  if (!homes.ok()) return absl::NotFoundError(homes.status().message());
  absl::flat_hash_set<TileId> needed;
  for (TileId tile : *homes) {
    while (needed.insert(tile).second && tile.full()) {
      // Cannot fail: a full tile of this tree has its root in the tree.
      VITRINE_ASSIGN_OR_RETURN(tile, ParentTile(tile, tree_size_));
    }
  }

  TileHashes hashes;
  {
    absl::MutexLock lock(&mu_);
    hashes = verified_edge_;
  }
  const bool edge_verified = !hashes.empty();
  if (!edge_verified) needed.insert(edge_.begin(), edge_.end());

  std::vector<TileId> to_read;
  for (const TileId& tile : needed) {
    if (!hashes.contains(tile)) to_read.push_back(tile);
  }
  std::sort(to_read.begin(), to_read.end());
  if (!to_read.empty()) {
    VITRINE_ASSIGN_OR_RETURN(std::vector<std::string> bytes,
                             tiles_->ReadTiles(to_read));
    if (bytes.size() != to_read.size()) {
      return absl::InternalError(absl::StrCat(
          "TileReader returned ", bytes.size(), " tiles for ", to_read.size()));
    }
    for (size_t i = 0; i < to_read.size(); ++i) {
      absl::StatusOr<std::vector<Hash>> decoded =
          DecodeTile(to_read[i], bytes[i]);
      if (!decoded.ok()) return AsDataLoss(decoded.status(), "tile read");
      hashes[to_read[i]] = *std::move(decoded);
    }
  }

  if (!edge_verified) {
    VITRINE_RETURN_IF_ERROR(CheckEdge(hashes));
    TileHashes edge;
    for (const TileId& tile : edge_) edge[tile] = hashes.at(tile);
    absl::MutexLock lock(&mu_);
    verified_edge_ = std::move(edge);
  }

  // Every full tile read must hash to its entry in its (read) parent, whose
  // chain ends in the authenticated edge.
  for (const TileId& tile : to_read) {
    if (!tile.full()) continue;
    VITRINE_ASSIGN_OR_RETURN(TileId parent, ParentTile(tile, tree_size_));
    VITRINE_ASSIGN_OR_RETURN(std::vector<TileSubtree> own,
                             TileSubtrees(tile, hashes.at(tile)));
    const Hash& expected = hashes.at(parent).at(tile.index % kTileWidth);
    if (own.at(0).hash != expected) {
      return absl::DataLossError(absl::StrCat(
          "tile ", TilePath(tile), " does not hash to its hash in tile ",
          TilePath(parent)));
    }
  }

  std::vector<Hash> result;
  result.reserve(nodes.size());
  for (const NodeId& node : nodes) {
    VITRINE_ASSIGN_OR_RETURN(TileId tile, TileForNode(node, tree_size_));
    VITRINE_ASSIGN_OR_RETURN(Hash hash,
                             HashNodeInTile(tile, hashes.at(tile), node));
    result.push_back(hash);
  }
  return result;
}

}  // namespace vitrine::merkle
