// Integrity checks of a log's stored C2SP hash tiles, on a path independent
// of the sequencer's in-memory compact range: the root of a tree recomputed
// from the bytes of its tiles, and the check that every full tile hashes to
// its entry in the tile above (https://c2sp.org/tlog-tiles, RFC 9162 2.1.1).
// A single flipped bit in a stored hash must be caught before a checkpoint
// is signed over it, or at startup.
//
//   TileFetcher fetch = [&](const TileId& t) {
//     return store->ReadTile(t.level, t.index, t.width);
//   };
//   VITRINE_ASSIGN_OR_RETURN(Hash root, RootFromTiles(size, fetch));
//   if (root != checkpoint.root) return absl::DataLossError(...);
//   VITRINE_RETURN_IF_ERROR(CheckFullTiles(size, fetch));
//   // and with the stored interiors (merkle/tile_interior.h) too:
//   VITRINE_RETURN_IF_ERROR(CheckFullTiles(size, fetch, fetch_interior));
//
// Status codes: DataLoss when a tile the tree must have is missing (the
// fetcher's NotFound), holds a number of bytes other than 32 * its width, or
// does not hash to its parent's entry; any other fetcher error is passed
// through unchanged (an I/O failure is not evidence of corruption).
//
// Pure functions of what `fetch` returns; thread-safe when it is.
#ifndef VITRINE_LOG_SEQUENCER_TILE_CHECK_H_
#define VITRINE_LOG_SEQUENCER_TILE_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"

namespace vitrine::sequencer {

// Returns the bytes of `tile` (its width says how many hashes the caller
// expects), or NotFound when it is absent.
using TileFetcher =
    std::function<absl::StatusOr<std::string>(const merkle::TileId& tile)>;
// Returns the stored interior of full tile `tile` (255 * 32 bytes), or
// NotFound when none is stored.
using InteriorFetcher =
    std::function<absl::StatusOr<std::string>(const merkle::TileId& tile)>;

// Returns MTH(D[0:size)) folded from the hashes of RangeNodes(0, size), each
// computed from the tile that holds it (at most one tile per tile level plus
// the full tiles the right edge crosses); EmptyRoot() for size 0. The
// caller compares it with the root it trusts or is about to sign.
absl::StatusOr<merkle::Hash> RootFromTiles(uint64_t size,
                                           const TileFetcher& fetch);

// Checks that every full tile of the tree of `size` leaves hashes to its
// entry in its parent tile, level by level: with the right edge checked by
// RootFromTiles, every stored hash above level 0 is then bound to the root.
// Reads every tile once (and each tile above level 0 once more as a parent):
// about one SHA-256 per leaf, spread over `threads` threads (the caller's
// included), which then call `fetch` concurrently. Reports the error of the
// lowest run that failed.
absl::Status CheckFullTiles(uint64_t size, const TileFetcher& fetch,
                            int threads = 1);
// Checks the same, and also that each full tile's stored interior (when
// `fetch_interior` finds one) is exactly the one recomputed from its bytes:
// the same hashes the check above makes, so it costs only the reads. A
// missing interior is fine (readers hash the tile then); a wrong length or a
// differing hash is DataLoss naming the first differing node.
absl::Status CheckFullTiles(uint64_t size, const TileFetcher& fetch,
                            const InteriorFetcher& fetch_interior,
                            int threads = 1);

}  // namespace vitrine::sequencer

#endif  // VITRINE_LOG_SEQUENCER_TILE_CHECK_H_
