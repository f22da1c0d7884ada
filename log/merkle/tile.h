// C2SP tlog-tiles coordinates (https://c2sp.org/tlog-tiles), tile height 8:
// which tiles a tree has, their paths, which tile holds a node, and what a
// tile's hashes add up to. Pure arithmetic and hashing, no I/O.
//
// A tile at tile-level L, index N and width W (1..256; 256 = full) holds the
// node hashes at tree level 8L, indexes [256N, 256N + W). Any node at tree
// level 8L + k (0 <= k < 8) is computed from the level-L tile, so a store
// keeps only tiles. A full tile's 256 hashes hash to the node at tree level
// 8(L + 1) index N, one hash of the tile above; a partial tile is never hashed
// into the level above: it holds the tree's right edge at its levels.
//
//   for (const TileId& t : TilesForSize(70000)) {
//     std::string path = TilePath(t);        // "tile/0/x001/017", ".p/112"
//   }
//   absl::StatusOr<TileId> t = ParseTilePath("tile/1/000.p/17");
//   absl::StatusOr<TileId> home = TileForNode(NodeId{3, 5}, 70000);
//   absl::StatusOr<std::vector<Hash>> hashes = DecodeTile(*t, bytes);
//
// Entry bundles (`tile/entries/<N>[.p/<W>]`) are named by the TileId of the
// level-0 tile that holds their leaf hashes.
//
// Everything here is a pure function of its arguments: thread-safe.
#ifndef VITRINE_LOG_MERKLE_TILE_H_
#define VITRINE_LOG_MERKLE_TILE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"

namespace vitrine::merkle {

// Tree levels per tile level, and hashes per full tile (2^kTileHeight).
inline constexpr uint8_t kTileHeight = 8;
inline constexpr uint16_t kTileWidth = 256;
// The highest tile level a path may name (tlog-tiles: "between 0 and 63").
inline constexpr uint8_t kMaxTileLevel = 63;

// One tile (or, at level 0, the entry bundle beside it).
struct TileId {
  uint8_t level = 0;             // tile level L, 0..63
  uint64_t index = 0;            // N, 0-based within the level
  uint16_t width = kTileWidth;   // W, 1..256; kTileWidth for a full tile

  bool full() const { return width == kTileWidth; }

  friend bool operator==(const TileId& a, const TileId& b) {
    return a.level == b.level && a.index == b.index && a.width == b.width;
  }
  friend bool operator!=(const TileId& a, const TileId& b) { return !(a == b); }
  friend bool operator<(const TileId& a, const TileId& b) {
    if (a.level != b.level) return a.level < b.level;
    if (a.index != b.index) return a.index < b.index;
    return a.width < b.width;
  }
  template <typename H>
  friend H AbslHashValue(H state, const TileId& id) {
    return H::combine(std::move(state), id.level, id.index, id.width);
  }
  friend std::ostream& operator<<(std::ostream& os, const TileId& id);
};

// Returns OK when `tile` can be named by a path: level <= 63 and width in
// 1..256 (any 64-bit index). InvalidArgument otherwise.
absl::Status ValidateTileId(const TileId& tile);

// Returns "tile/<L>/<N>[.p/<W>]", N in 3-digit groups with an `x` before all
// but the last ("x001/x234/067"). Requires ValidateTileId(tile).ok(); an
// invalid id gives a path that ParseTilePath rejects.
std::string TilePath(const TileId& tile);
// Returns "tile/entries/<N>[.p/<W>]" for the bundle of the entries whose leaf
// hashes are the level-0 tile `tile` (its level is not part of the path).
std::string EntryBundlePath(const TileId& tile);

// Parses exactly the paths TilePath produces, nothing else: InvalidArgument
// naming the first rule broken (level with a leading zero or above 63; an
// index element that is not 3 digits, lacks or misplaces its `x`, or a
// leading all-zero element; an index beyond 64 bits; a width with a leading
// zero or outside 1..255 (a full tile has no `.p/`); trailing characters).
absl::StatusOr<TileId> ParseTilePath(absl::string_view path);
// Parses "tile/entries/<N>[.p/<W>]" by the same rules; the result has level 0.
absl::StatusOr<TileId> ParseEntryBundlePath(absl::string_view path);

// The tiles of one level of a tree: `full_tiles` full ones (indexes
// 0..full_tiles-1) and, when partial_width > 0, one partial tile after them.
struct TileLevel {
  uint8_t level = 0;
  uint64_t full_tiles = 0;
  uint16_t partial_width = 0;  // floor(size / 256^L) mod 256; 0 = none

  friend bool operator==(const TileLevel& a, const TileLevel& b) {
    return a.level == b.level && a.full_tiles == b.full_tiles &&
           a.partial_width == b.partial_width;
  }
};

// Returns the non-empty tile levels of the tree of size `tree_size`, from
// level 0 up (empty for size 0). Cheap for any size.
std::vector<TileLevel> TileLevelsForSize(uint64_t tree_size);
// Returns every tile a log of size `tree_size` serves (tlog-tiles "Partial
// Tiles"): per level, the full tiles and the one partial tile, sorted by
// (level, index). Its length grows as tree_size / 255: mind large trees.
std::vector<TileId> TilesForSize(uint64_t tree_size);
// Returns the entry bundles of the tree: the level-0 tiles of TilesForSize.
std::vector<TileId> EntryBundlesForSize(uint64_t tree_size);

// Returns the tile of TilesForSize(tree_size) from which `node` is computed:
// tile level node.level / 8, full when that tile is full in this tree and
// partial (of this tree's width) otherwise. OutOfRange when `node` is not a
// complete subtree of the tree of size `tree_size`.
absl::StatusOr<TileId> TileForNode(NodeId node, uint64_t tree_size);
// Returns the distinct tiles that the hashes of `nodes` (e.g. a proof plan)
// are computed from, sorted. OutOfRange as TileForNode.
absl::StatusOr<std::vector<TileId>> TilesForNodes(
    absl::Span<const NodeId> nodes, uint64_t tree_size);
// Returns the tile, in the tree of size `tree_size`, that holds the hash of
// the full tile `tile` (node 8(L+1), N). InvalidArgument for a partial tile
// (never hashed into the level above); OutOfRange when `tile` is not in the
// tree.
absl::StatusOr<TileId> ParentTile(const TileId& tile, uint64_t tree_size);

// Returns the nodes whose hashes `tile` holds, in order: level 8L, indexes
// [256N, 256N + W). OutOfRange when the tile lies beyond any tree of fewer
// than 2^64 leaves (which needs L <= 7); InvalidArgument for an invalid id.
absl::StatusOr<std::vector<NodeId>> TileNodes(const TileId& tile);

// Returns the tile's bytes: the concatenation of its hashes. A tile holds
// 1..256 hashes; other counts give bytes DecodeTile rejects for any width.
std::string EncodeTile(absl::Span<const Hash> hashes);
// Returns the W hashes of `tile` from its bytes. InvalidArgument when the
// length is not exactly 32 * W (or the id is invalid).
absl::StatusOr<std::vector<Hash>> DecodeTile(const TileId& tile,
                                             absl::string_view bytes);

// A complete subtree and its hash.
struct TileSubtree {
  NodeId node;
  Hash hash;
};

// Returns what `tile`'s hashes contribute to the tree above them, largest
// first: for a full tile the one node (8(L+1), N), which is hash N mod 256 of
// ParentTile; for a partial tile of width W the complete subtrees of W's
// binary decomposition, which are exactly the nodes of the tree's right edge
// (RangeNodes(0, size)) at levels 8L..8L+7. `hashes` must be the tile's W
// hashes (InvalidArgument otherwise); OutOfRange as TileNodes.
absl::StatusOr<std::vector<TileSubtree>> TileSubtrees(
    const TileId& tile, absl::Span<const Hash> hashes);

// Returns the hash of `node`, at tree level 8L + k (0 <= k <= 8), computed
// from `tile`'s W hashes; its leaves must lie within the tile (for k = 8 only
// a full tile's own root). InvalidArgument otherwise.
absl::StatusOr<Hash> HashNodeInTile(const TileId& tile,
                                    absl::Span<const Hash> hashes,
                                    NodeId node);

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_TILE_H_
