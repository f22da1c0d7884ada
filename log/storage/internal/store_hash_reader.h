// The merkle::HashReader behind Store::hash_reader(): node hashes computed
// from the stored C2SP tiles, through the tile cache.
//
//   StoreHashReader reader(db.get(), &cache);
//   absl::StatusOr<std::vector<Hash>> proof = InclusionProof(i, size, reader);
//
// A node at tree level 8L + k (0 <= k < 8) comes from tile level L, which
// holds it as soon as the tile's first hashes cover its leaves, so every
// complete subtree of every past size is readable. One ReadHashes call costs
// one RocksDB MultiGet of the distinct tiles it needs that are not cached
// (a proof touches about one tile per tile level: O(log n)).
//
// Thread-safety: ReadHashes may be called concurrently from many threads.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_STORE_HASH_READER_H_
#define VITRINE_LOG_STORAGE_INTERNAL_STORE_HASH_READER_H_

#include <vector>

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
  StoreHashReader(const Db* db, TileCache* cache) : db_(db), cache_(cache) {}

  // Returns the hashes of `nodes`, in order. NotFound (naming the node) when
  // its tile is absent or not yet wide enough; DataLoss when a stored tile
  // has a length that is not 32 * W or RocksDB reports corruption.
  absl::StatusOr<std::vector<merkle::Hash>> ReadHashes(
      absl::Span<const merkle::NodeId> nodes) override;

 private:
  const Db* const db_;
  TileCache* const cache_;
};

}  // namespace vitrine::storage::internal

#endif  // VITRINE_LOG_STORAGE_INTERNAL_STORE_HASH_READER_H_
