// The merkle::HashReader behind Store::hash_reader(): node hashes computed
// from the stored C2SP tiles, through the tile cache.
//
//   StoreHashReader reader(db_holder.get(), &cache);
//   absl::StatusOr<std::vector<Hash>> proof = InclusionProof(i, size, reader);
//
// A node at tree level 8L + k (0 <= k < 8) comes from tile level L, which
// holds it as soon as the tile's first hashes cover its leaves, so every
// complete subtree of every past size is readable. One ReadHashes call costs
// one RocksDB MultiGet of the distinct tiles it needs that are not cached,
// with their stored interiors (a proof touches about one tile per tile
// level: O(log n)). A full tile with a stored interior is cached without
// hashing, after its interior's root is compared with the parent tile's
// hash when the parent is cached (store.h, "Integrity"); other tiles are
// hashed on load (W - 1 hashes).
//
// Thread-safety: ReadHashes may be called concurrently from many threads.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_STORE_HASH_READER_H_
#define VITRINE_LOG_STORAGE_INTERNAL_STORE_HASH_READER_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"
#include "log/storage/internal/db.h"
#include "log/storage/tile_cache.h"

namespace vitrine::storage::internal {

class StoreHashReader : public merkle::HashReader {
 public:
  // `db` and `cache` must outlive this reader.
  StoreHashReader(const DbHolder* db, TileCache* cache) : db_(db), cache_(cache) {}

  // Returns the hashes of `nodes`, in order. NotFound (naming the node) when
  // its tile is absent or not yet wide enough; DataLoss when a stored tile
  // or interior has a wrong length, an interior's root differs from its
  // cached parent's hash, or RocksDB reports corruption.
  absl::StatusOr<std::vector<merkle::Hash>> ReadHashes(
      absl::Span<const merkle::NodeId> nodes) override;

 private:
  using TileCoords = std::pair<uint8_t, uint64_t>;

  struct Loaded {
    std::shared_ptr<const CachedTile> tile;  // null when the tile is absent
    bool stored_interior = false;            // not hashed, so check it
  };
  // Reads and decodes tiles `keys` with their interiors in one MultiGet,
  // one result per key.
  absl::StatusOr<std::vector<Loaded>> LoadTiles(
      absl::Span<const TileCoords> keys) const;
  // DataLoss when `tile`'s root (from a stored interior) differs from the
  // hash its parent tile holds for it, if the parent is cached.
  absl::Status CheckAgainstParent(const CachedTile& tile) const;

  const DbHolder* const db_;
  TileCache* const cache_;
};

}  // namespace vitrine::storage::internal

#endif  // VITRINE_LOG_STORAGE_INTERNAL_STORE_HASH_READER_H_
