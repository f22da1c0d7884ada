// The interior of a full C2SP hash tile: the 255 complete subtrees above its
// 256 stored hashes, which a proof reads but a tile does not hold
// (https://c2sp.org/tlog-tiles stores only tree level 8L). A store may keep
// them beside the tile so that a reader does not hash 255 nodes to use a
// tile; this header fixes their order and computes them. Pure, no I/O.
//
// Tile (L, N)'s interior holds, level by level from the bottom, the nodes at
// tree levels 8L + k for k = 1..8, indexes [N * (256 >> k), (N + 1) * (256 >>
// k)): 128 + 64 + ... + 2 + 1 hashes. The last one (k = 8) is the tile's
// root, which is also hash N mod 256 of the tile above (ParentTile).
//
//   std::vector<Hash> interior = TileInterior(full_tile_hashes);   // 255
//   Hash h = interior[TileInteriorOffset(3) + j];   // node (8L + 3, 32N + j)
//   Hash root = interior[kTileInteriorSize - 1];    // node (8L + 8, N)
//
// Everything here is a pure function of its arguments: thread-safe.
#ifndef VITRINE_LOG_MERKLE_TILE_INTERIOR_H_
#define VITRINE_LOG_MERKLE_TILE_INTERIOR_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"

namespace vitrine::merkle {

// Hashes in a full tile's interior: 2^kTileHeight - 1.
inline constexpr size_t kTileInteriorSize = kTileWidth - 1;

// Returns where the nodes at tree level 8L + k (1 <= k <= 8) start in a tile
// interior: 256 - (512 >> k), i.e. after the 128 + ... + (512 >> k) nodes of
// the levels below.
constexpr size_t TileInteriorOffset(int k) {
  return size_t{kTileWidth} - (size_t{2} * kTileWidth >> k);
}

// Returns the interior of the full tile whose 256 stored hashes are
// `hashes` (RFC 9162 2.1.1: each node is HashChildren of its two halves),
// in the order above: 255 HashChildren. InvalidArgument unless exactly 256
// hashes are given (a partial tile has no fixed interior).
absl::StatusOr<std::vector<Hash>> TileInterior(absl::Span<const Hash> hashes);

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_TILE_INTERIOR_H_
