// The right edge of a growing log's C2SP hash tiles, kept in memory so that
// each sequencer batch writes every tile it touches exactly once: the full
// tiles it completes, each with its interior (the 255 complete subtrees
// inside it, merkle/tile_interior.h, taken from the nodes the compact range
// reports rather than hashed again), and the new version of each partial
// tile that grew (https://c2sp.org/tlog-tiles; tile level L holds tree level
// 8L, tile.h).
//
//   TileEdge edge;                               // the empty tree
//   absl::Status visited;
//   range.AppendBatch(leaf_hashes, [&](NodeId id, const Hash& hash) {
//     if (visited.ok()) visited = edge.AddNode(id, hash);
//   });
//   for (const ChangedTile& tile : edge.TakeChangedTiles()) {
//     batch.PutTile(tile.id, tile.bytes);
//     if (tile.id.full()) batch.PutTileInterior(tile.id, tile.interior);
//   }
//
// Memory: at most 256 + 255 hashes per tile level (8 levels for any 64-bit
// size), plus the full tiles completed since the last TakeChangedTiles.
//
// A TileEdge is a value type (copy it to try a batch and keep the copy only
// if the batch commits); not thread-safe for concurrent mutation.
#ifndef VITRINE_LOG_SEQUENCER_TILE_EDGE_H_
#define VITRINE_LOG_SEQUENCER_TILE_EDGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"

namespace vitrine::sequencer {

// A tile to write and its bytes (merkle::EncodeTile of its hashes).
struct ChangedTile {
  merkle::TileId id;
  std::string bytes;
  // For a full tile, its 255 interior hashes (merkle::TileInterior's order,
  // encoded like a tile); empty for a partial tile.
  std::string interior;
};

class TileEdge {
 public:
  // Returns the edge of the empty tree.
  TileEdge() = default;

  // Returns the edge of the tree of `size` leaves from the hashes of its
  // partial tiles: partial[L] holds the hashes of tile level L's partial tile
  // (empty when that level has none; levels beyond the vector count as
  // empty). InvalidArgument when a count differs from what TileLevelsForSize
  // (size) says that level's partial tile holds. Hashes the complete
  // subtrees inside the partial tiles (fewer than 256 per level), which the
  // interiors of the tiles they grow into need.
  static absl::StatusOr<TileEdge> FromPartialTiles(
      uint64_t size, std::vector<std::vector<merkle::Hash>> partial);

  // Records complete subtree `id` of the growing tree, as CompactRange's
  // NodeVisitor reports it: every complete subtree, bottom-up, none left out.
  // Nodes at tree level 8L join tile level L; nodes at 8L + k (k = 1..7) are
  // kept as the interior of the level's partial tile; node 8(L + 1) is also
  // the root of tile L's partial tile, which it completes (its 256 hashes
  // and interior become a changed full tile). Internal when a node is not
  // the next one of its level (the edge and the compact range disagree: a
  // bug, never bad input); the edge is unchanged then.
  absl::Status AddNode(merkle::NodeId id, const merkle::Hash& hash);

  // Returns every tile changed since the last call, once each, sorted by
  // (level, index): the full tiles completed, then for each level that grew
  // its new partial tile (none when the level just filled a tile). Forgets
  // the full tiles it returns.
  std::vector<ChangedTile> TakeChangedTiles();

  // Returns the number of leaves recorded: the tree size.
  uint64_t size() const;

 private:
  struct Level {
    uint64_t full_tiles = 0;               // full tiles before the partial one
    // 0..255 hashes; 256 between a tile's last hash and its root.
    std::vector<merkle::Hash> partial;
    // The complete subtrees of `partial` so far, at merkle::TileInterior's
    // positions (the root slot is filled as the tile completes).
    std::vector<merkle::Hash> interior =
        std::vector<merkle::Hash>(merkle::kTileInteriorSize);
    bool changed = false;                  // since the last TakeChangedTiles
  };

  absl::Status AddInteriorNode(merkle::NodeId id, const merkle::Hash& hash);

  std::vector<Level> levels_;
  std::vector<ChangedTile> completed_;  // full tiles not yet taken
};

}  // namespace vitrine::sequencer

#endif  // VITRINE_LOG_SEQUENCER_TILE_EDGE_H_
