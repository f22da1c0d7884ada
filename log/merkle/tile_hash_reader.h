// A HashReader over C2SP tlog-tiles that trusts nothing but a verified
// checkpoint: every tile it reads is authenticated against the tree's root
// before any hash from it is returned, so proofs computed through it are as
// good as the checkpoint (https://c2sp.org/tlog-tiles, RFC 9162 2.1).
//
//   class HttpTiles : public TileReader { ... };   // or disk, or a cache
//   HttpTiles tiles(prefix);
//   TileHashReader reader(checkpoint.size, checkpoint.root, &tiles);
//   absl::StatusOr<std::vector<Hash>> path =
//       InclusionProof(index, checkpoint.size, reader);
//
// How tiles are authenticated. A full tile's 256 hashes hash to one hash of
// the tile above it (ParentTile), so each full tile read brings its chain of
// parents up to the first partial one. The partial tiles, one per level at
// most, hold exactly the tree's right edge (RangeNodes(0, size)), so together
// they recompute the root, which must equal the trusted one. Every chain of
// parents ends in a partial tile (the top level never has a full tile), so
// the check covers every tile read, interior and edge alike; none is taken on
// trust because it was needed only as a parent.
//
// Cost per ReadHashes call: one TileReader::ReadTiles call for the distinct
// tiles the nodes live in plus their parent chains; the right-edge tiles (at
// most 8) are read and checked once, on the first call, and kept.
#ifndef VITRINE_LOG_MERKLE_TILE_HASH_READER_H_
#define VITRINE_LOG_MERKLE_TILE_HASH_READER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"
#include "log/merkle/tile.h"

namespace vitrine::merkle {

// Fetches raw tile bytes: the one interface between the tile arithmetic and
// wherever tiles live. Implementations say whether they are thread-safe.
class TileReader {
 public:
  virtual ~TileReader() = default;

  // Returns the bytes of each of `tiles` (distinct, sorted), in the same
  // order, as stored: no check is expected. Errors (NotFound for a missing
  // tile, Unavailable for a failed fetch, ...) are passed to the caller.
  virtual absl::StatusOr<std::vector<std::string>> ReadTiles(
      absl::Span<const TileId> tiles) = 0;
};

// Reads node hashes of the tree of `tree_size` leaves and root `root` from
// tiles, checking every tile against that root.
//
// Status codes of ReadHashes:
//   NotFound: a node is not a complete subtree of this tree (as HashReader
//     asks), or the TileReader's own error, passed through unchanged.
//   DataLoss: a tile does not authenticate: its length is not 32 * width,
//     a full tile does not hash to its hash in the tile above, or the
//     right-edge tiles do not hash to the trusted root. The tile source is
//     corrupt or lying; retrying the same source will not help.
//   Internal: the TileReader returned a different number of tiles than asked.
//
// Thread-safe when the TileReader's ReadTiles is: the kept right-edge tiles
// are guarded by a mutex that is never held while reading tiles.
class TileHashReader : public HashReader {
 public:
  // `tree_size` and `root` must come from a verified checkpoint. `tiles`
  // must outlive this reader.
  TileHashReader(uint64_t tree_size, const Hash& root, TileReader* tiles);

  TileHashReader(const TileHashReader&) = delete;
  TileHashReader& operator=(const TileHashReader&) = delete;

  // Returns the hashes of `nodes`, in order, after authenticating every tile
  // read (see the class comment for the status codes).
  absl::StatusOr<std::vector<Hash>> ReadHashes(
      absl::Span<const NodeId> nodes) override;

  uint64_t tree_size() const { return tree_size_; }
  const Hash& root() const { return root_; }

 private:
  using TileHashes = absl::flat_hash_map<TileId, std::vector<Hash>>;

  // Checks that the right-edge tiles in `tiles` recompute root_.
  absl::Status CheckEdge(const TileHashes& tiles) const;

  const uint64_t tree_size_;
  const Hash root_;
  TileReader* const tiles_;
  // The partial tiles of this tree, top level first.
  const std::vector<TileId> edge_;

  absl::Mutex mu_;
  // The right-edge tiles once authenticated; empty before.
  TileHashes verified_edge_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_TILE_HASH_READER_H_
