#include "log/sequencer/tile_check.h"

#include <algorithm>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/tile_interior.h"

namespace vitrine::sequencer {
namespace {

using merkle::Hash;
using merkle::kTileHeight;
using merkle::kTileWidth;
using merkle::NodeId;
using merkle::TileId;

// Returns the hashes of `tile` as fetched, or DataLoss when the tree should
// have it but it is missing or has the wrong length.
absl::StatusOr<std::vector<Hash>> FetchTile(const TileFetcher& fetch,
                                            const TileId& tile) {
  absl::StatusOr<std::string> bytes = fetch(tile);
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError(absl::StrCat(
        merkle::TilePath(tile), " is missing: ", bytes.status().message()));
  }
  if (!bytes.ok()) return bytes.status();
  if (bytes->size() != size_t{tile.width} * merkle::kHashSize) {
    return absl::DataLossError(absl::StrCat(
        merkle::TilePath(tile), " holds ", bytes->size(), " bytes, not ",
        size_t{tile.width} * merkle::kHashSize));
  }
  absl::StatusOr<std::vector<Hash>> hashes = merkle::DecodeTile(tile, *bytes);
  if (!hashes.ok()) {
    return absl::DataLossError(absl::StrCat(merkle::TilePath(tile), ": ",
                                            hashes.status().message()));
  }
  return hashes;
}

// Wraps an error of the tile arithmetic, which only a bug can cause here:
// every id passed to it is derived from `size`.
absl::Status Bug(const absl::Status& status) {
  return absl::InternalError(
      absl::StrCat("tile arithmetic: ", status.message()));
}

}  // namespace

absl::StatusOr<Hash> RootFromTiles(uint64_t size, const TileFetcher& fetch) {
  if (size == 0) return merkle::EmptyRoot();
  const std::vector<NodeId> nodes = merkle::RangeNodes(0, size);
  absl::StatusOr<std::vector<TileId>> tiles =
      merkle::TilesForNodes(nodes, size);
  if (!tiles.ok()) return Bug(tiles.status());

  std::map<TileId, std::vector<Hash>> decoded;
  for (const TileId& tile : *tiles) {
    VITRINE_ASSIGN_OR_RETURN(decoded[tile], FetchTile(fetch, tile));
  }
  std::vector<Hash> hashes;
  hashes.reserve(nodes.size());
  for (const NodeId& node : nodes) {
    absl::StatusOr<TileId> tile = merkle::TileForNode(node, size);
    if (!tile.ok()) return Bug(tile.status());
    absl::StatusOr<Hash> hash =
        merkle::HashNodeInTile(*tile, decoded.at(*tile), node);
    if (!hash.ok()) return Bug(hash.status());
    hashes.push_back(*hash);
  }
  absl::StatusOr<merkle::CompactRange> range =
      merkle::CompactRange::FromHashes(0, size, std::move(hashes));
  if (!range.ok()) return Bug(range.status());
  return range->Root();
}

namespace {

// Checks the stored interior of full tile `tile` (if any) against
// `interior`, the one recomputed from its hashes.
absl::Status CheckInterior(const TileId& tile,
                           const std::vector<Hash>& interior,
                           const InteriorFetcher& fetch_interior) {
  absl::StatusOr<std::string> stored = fetch_interior(tile);
  if (absl::IsNotFound(stored.status())) return absl::OkStatus();
  if (!stored.ok()) return stored.status();
  if (stored->size() != interior.size() * merkle::kHashSize) {
    return absl::DataLossError(absl::StrCat(
        "the stored interior of ", merkle::TilePath(tile), " holds ",
        stored->size(), " bytes, not ", interior.size() * merkle::kHashSize));
  }
  for (size_t i = 0; i < interior.size(); ++i) {
    const absl::string_view got(stored->data() + i * merkle::kHashSize,
                                merkle::kHashSize);
    if (got == interior[i].AsStringView()) continue;
    int k = 1;
    while (k < kTileHeight && merkle::TileInteriorOffset(k + 1) <= i) ++k;
    const uint64_t per_tile = uint64_t{kTileWidth} >> k;
    const NodeId node{static_cast<uint8_t>(kTileHeight * tile.level + k),
                      tile.index * per_tile + (i - merkle::TileInteriorOffset(k))};
    return absl::DataLossError(absl::StrCat(
        "the stored interior of ", merkle::TilePath(tile), " holds a wrong hash for node ",
        int{node.level}, "/", node.index, ": the tile's hashes give ",
        interior[i].ToHex()));
  }
  return absl::OkStatus();
}

// Checks the full tiles [begin, end) of tile level `l` against their parents
// (and their stored interiors, when `fetch_interior` is set).
absl::Status CheckTileRun(const std::vector<merkle::TileLevel>& levels,
                          size_t l, uint64_t begin, uint64_t end,
                          const TileFetcher& fetch,
                          const InteriorFetcher& fetch_interior) {
  const merkle::TileLevel& above = levels[l + 1];
  const uint8_t level = static_cast<uint8_t>(l);
  const uint8_t parent_level = static_cast<uint8_t>(l + 1);
  TileId parent;
  std::vector<Hash> parent_hashes;  // empty until the first parent is read
  for (uint64_t n = begin; n < end; ++n) {
    const TileId tile{level, n, kTileWidth};
    VITRINE_ASSIGN_OR_RETURN(std::vector<Hash> hashes, FetchTile(fetch, tile));
    // The interior's last hash is the tile's root: the same 255 hashes.
    absl::StatusOr<std::vector<Hash>> interior = merkle::TileInterior(hashes);
    if (!interior.ok()) return Bug(interior.status());
    const Hash& root = interior->back();

    const uint64_t p = n / kTileWidth;
    if (parent_hashes.empty() || parent.index != p) {
      parent = TileId{parent_level, p,
                      p < above.full_tiles ? kTileWidth : above.partial_width};
      VITRINE_ASSIGN_OR_RETURN(parent_hashes, FetchTile(fetch, parent));
    }
    if (parent_hashes[n % kTileWidth] != root) {
      return absl::DataLossError(absl::StrCat(
          merkle::TilePath(tile), " hashes to ", root.ToHex(), " but ",
          merkle::TilePath(parent), " holds ",
          parent_hashes[n % kTileWidth].ToHex(), " for it"));
    }
    // After the tile itself is known good, so the error names the culprit.
    if (fetch_interior != nullptr) {
      VITRINE_RETURN_IF_ERROR(CheckInterior(tile, *interior, fetch_interior));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckFullTiles(uint64_t size, const TileFetcher& fetch,
                            int threads) {
  return CheckFullTiles(size, fetch, nullptr, threads);
}

absl::Status CheckFullTiles(uint64_t size, const TileFetcher& fetch,
                            const InteriorFetcher& fetch_interior,
                            int threads) {
  const std::vector<merkle::TileLevel> levels = merkle::TileLevelsForSize(size);
  for (size_t l = 0; l < levels.size(); ++l) {
    const uint64_t full = levels[l].full_tiles;
    if (full == 0) continue;
    // A full tile at level l makes a node at tree level 8(l + 1), so the
    // level above exists.
    if (l + 1 >= levels.size()) {
      return absl::InternalError(absl::StrCat(
          "tile arithmetic: level ", l, " has full tiles but no level above"));
    }
    // Contiguous runs, one per thread, so each reads mostly its own parents.
    const uint64_t runs =
        std::max<uint64_t>(1, std::min<uint64_t>(threads, full / kTileWidth));
    std::vector<absl::Status> results(runs);
    std::vector<std::thread> workers;
    for (uint64_t r = 0; r < runs; ++r) {
      const uint64_t begin = full * r / runs;
      const uint64_t end = full * (r + 1) / runs;
      auto work = [&, l, r, begin, end] {
        results[r] = CheckTileRun(levels, l, begin, end, fetch, fetch_interior);
      };
      if (r + 1 == runs) {
        work();  // the calling thread takes the last run
      } else {
        workers.emplace_back(work);
      }
    }
    for (std::thread& worker : workers) worker.join();
    for (const absl::Status& result : results) VITRINE_RETURN_IF_ERROR(result);
  }
  return absl::OkStatus();
}

}  // namespace vitrine::sequencer
