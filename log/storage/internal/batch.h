// What a WriteBatch holds, and the checks Commit makes before applying one
// (store.h, Store::Commit): append-only entries, tiles that only grow, tile
// interiors written once with their full tile, and one checkpoint per size.
//
//   BatchContents contents;   // filled by WriteBatch's methods
//   VITRINE_RETURN_IF_ERROR(CheckBatch(db, contents, store_entry_count));
//
// Not thread-safe: BatchContents is a plain value. CheckBatch reads the store
// and must run under the writer's lock, so that nothing commits between the
// check and the write.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_BATCH_H_
#define VITRINE_LOG_STORAGE_INTERNAL_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"
#include "log/storage/internal/db.h"
#include "log/storage/store.h"

namespace vitrine::storage::internal {

// The writes of one batch, recorded rather than put in a rocksdb::WriteBatch:
// column family handles exist only once a store is open, and Commit checks
// the writes against the store before applying them.
struct BatchContents {
  struct Entry {
    uint64_t index = 0;
    std::string leaf;
    merkle::Hash leaf_hash;
    std::optional<merkle::Hash> digest;
    std::optional<merkle::Hash> statement_id;
    std::optional<merkle::Hash> release_key;  // a second digest-index key
    std::optional<merkle::Hash> vendor_key;   // a release's vendor index key
  };
  struct Tile {
    merkle::TileId id;
    std::string bytes;
  };

  std::vector<Entry> entries;
  // By (level, index); a later PutTile of the same tile replaces the earlier.
  std::map<std::pair<uint8_t, uint64_t>, Tile> tiles;
  // Full tiles' interiors by (level, index); a later put replaces the earlier.
  std::map<std::pair<uint8_t, uint64_t>, std::string> interiors;
  std::map<uint64_t, std::string> checkpoints;
  // The first malformation found while building (e.g. a checkpoint size
  // added twice); CheckBatch reports it as InvalidArgument.
  std::string error;
  // Bytes of leaves, tiles, interiors and notes, for WriteBatch::ByteSize.
  size_t bytes = 0;
};

// Returns OK when `batch` may be applied to the store `db` holding
// `entry_count` entries; the codes of Store::Commit otherwise.
absl::Status CheckBatch(const Db& db, const BatchContents& batch,
                        uint64_t entry_count);

}  // namespace vitrine::storage::internal

namespace vitrine::storage {

// Defined here so that Store::Commit (a friend of WriteBatch) sees it.
struct WriteBatch::Rep {
  internal::BatchContents contents;
};

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_INTERNAL_BATCH_H_
