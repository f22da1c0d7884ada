// The log's durable store: entries, C2SP hash tiles, the leaf-hash and
// artifact-digest indexes and the signed checkpoints, in one embedded RocksDB
// with a column family each. Written by one writer (the sequencer) in atomic,
// synced batches; read concurrently by any number of readers.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                            Store::Open({.path = "data/log"}));
//   WriteBatch batch;
//   batch.AddEntry(0, leaf, HashLeaf(leaf), artifact_sha256);
//   batch.PutTile(TileId{0, 0, 1}, EncodeTile({HashLeaf(leaf)}));
//   batch.PutCheckpoint(1, signed_checkpoint_note);
//   VITRINE_RETURN_IF_ERROR(store->Commit(batch));   // durable on return
//   VITRINE_ASSIGN_OR_RETURN(std::string entry, store->GetEntry(0));
//
// Layout (keys are big-endian so that range reads are sequential):
//   entries      index (8 bytes)                    -> the leaf, as submitted
//   tiles        level (1) || index (8)             -> the tile's hashes (32*W);
//                a partial tile is rewritten as it grows (every narrower
//                width is a prefix of it); a full tile is written once
//   leaf_index   leaf hash (32)                     -> index (8)
//   digest_index artifact sha256 (32) || index (8)  -> empty
//   checkpoints  tree size (8)                      -> signed checkpoint note
//                (one per size, never replaced: "never two heads for a size")
//
// Integrity: RocksDB block checksums (XXH3, verified on every read) and
// paranoid checks catch bytes changed on disk (DataLoss); a WAL damaged
// anywhere but its torn tail fails Open (DataLoss) instead of silently
// rolling back. Commit enforces append-only: entries extend the log
// contiguously, a stored tile is only ever extended (never changed), and a
// checkpoint is never replaced. The sequencer and startup recompute roots
// from the stored tiles; hash reads are served through a bounded tile cache.
//
// Thread-safety: all const methods are safe to call concurrently with each
// other and with Commit and Flush. The log has one writer; Commit also
// serialises concurrent callers on the writer's lock, which its checks need.
#ifndef VITRINE_LOG_STORAGE_STORE_H_
#define VITRINE_LOG_STORAGE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"
#include "log/merkle/tile.h"

namespace vitrine::storage {

struct StoreOptions {
  // The RocksDB folder. Required.
  std::string path;
  // Creates an empty store when `path` does not exist; false for tools that
  // must only ever open an existing log.
  bool create_if_missing = true;
  // fsync the write-ahead log before Commit returns. Only benchmarks that
  // measure the cost of durability may turn this off.
  bool sync = true;
  // Decoded tiles kept in memory for hash reads, each with its inner subtrees
  // precomputed (16 KiB per full tile): 8192 tiles = 128 MiB, enough for every
  // tile above level 0 of a 500M-entry log plus the hot leaf tiles. 0 turns
  // the cache off (every hash read goes to RocksDB).
  size_t tile_cache_tiles = 8192;
  // RocksDB's block cache, for entries and index lookups.
  size_t block_cache_bytes = 256 << 20;
};

// One atomic unit of writes, built by the sequencer and applied by Commit.
// Not thread-safe; cheap to build (bytes are copied into a RocksDB batch).
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  // Adds the leaf at `index` with its leaf hash (for the dedup index) and,
  // when the leaf names one, its artifact's SHA-256 (for FindByDigest).
  void AddEntry(uint64_t index, absl::string_view leaf,
                const merkle::Hash& leaf_hash,
                const std::optional<merkle::Hash>& artifact_digest);
  // Writes the hashes of `tile` (its width says how many), replacing a
  // narrower version of the same tile.
  void PutTile(const merkle::TileId& tile, absl::string_view hashes);
  // Records the signed checkpoint note for tree `size` and makes it the
  // latest. The store refuses (at Commit) a size that already has one.
  void PutCheckpoint(uint64_t size, absl::string_view signed_note);

  // Returns the tile bytes this batch writes for (level, index), if any
  // (the last PutTile of it): lets the sequencer read back what it is about
  // to commit.
  std::optional<std::string> PendingTile(uint8_t level, uint64_t index) const;

  // Returns the bytes of leaves, tiles and checkpoints added so far.
  size_t ByteSize() const;
  // Returns true when nothing was added.
  bool empty() const;

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// The latest signed state found in the store.
struct StoredCheckpoint {
  uint64_t size = 0;
  std::string signed_note;
};

class Store {
 public:
  // Opens (or creates) the store at options.path. InvalidArgument for bad
  // options, DataLoss when RocksDB reports corruption, Unavailable when the
  // folder is locked by another process.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Applies `batch` atomically (and durably, with options.sync): after a
  // crash either all of it or none of it is there. Checked first, under the
  // writer's lock, leaving the store unchanged on any error:
  //   FailedPrecondition when it would replace a checkpoint already stored
  //     for the same size, when its entries are not exactly the indexes
  //     [EntryCount(), EntryCount() + k) (in any order), or when a tile it
  //     writes is not the stored version of that tile extended (a full tile
  //     may be rewritten only identically; no stored hash ever changes);
  //   InvalidArgument for a malformed batch: one index or checkpoint size
  //     added twice, tile bytes that are not 32 * width, an invalid TileId;
  //   DataLoss when reading the stored tiles to check them finds corruption.
  // The caller deduplicates leaves: a leaf hash already indexed would be
  // re-pointed to the new index.
  absl::Status Commit(const WriteBatch& batch);

  // Returns the number of stored entries: indexes [0, EntryCount()) exist.
  uint64_t EntryCount() const;

  // The latest stored checkpoint, or nullopt for a new, empty store.
  absl::StatusOr<std::optional<StoredCheckpoint>> LatestCheckpoint() const;
  // The checkpoint signed for exactly `size`; NotFound when none was.
  absl::StatusOr<std::string> CheckpointAt(uint64_t size) const;

  // The leaf at `index`; NotFound beyond the stored entries, DataLoss when
  // an entry below EntryCount() is missing.
  absl::StatusOr<std::string> GetEntry(uint64_t index) const;
  // The leaves [begin, end) in one sequential read; OutOfRange when end is
  // beyond the stored entries, InvalidArgument when begin > end.
  absl::StatusOr<std::vector<std::string>> GetEntries(uint64_t begin,
                                                      uint64_t end) const;

  // The index of the leaf whose leaf hash is `leaf_hash`; NotFound if none.
  absl::StatusOr<uint64_t> FindLeaf(const merkle::Hash& leaf_hash) const;
  // Looks up many leaf hashes in one batched read (how the sequencer
  // deduplicates a batch): the index of each, or nullopt where none.
  absl::StatusOr<std::vector<std::optional<uint64_t>>> FindLeaves(
      absl::Span<const merkle::Hash> leaf_hashes) const;
  // Every index whose leaf names artifact digest `sha256`, ascending (empty
  // when none; bounded by `limit`).
  absl::StatusOr<std::vector<uint64_t>> FindByDigest(const merkle::Hash& sha256,
                                                     size_t limit = 1000) const;

  // The stored hashes of tile (level, index) with at least `min_width`
  // hashes, exactly as stored (32 * stored width bytes). Reads RocksDB, not
  // the tile cache, so that integrity checks see what is on disk. NotFound
  // when the tile is absent or narrower; InvalidArgument for a min_width
  // outside 1..256; DataLoss for a stored length that is not 32 * W.
  absl::StatusOr<std::string> ReadTile(uint8_t level, uint64_t index,
                                       uint16_t min_width = 1) const;

  // A HashReader over the stored tiles, through the tile cache: any complete
  // subtree of the stored tree, so proofs work for every past size. Owned by
  // the store; valid while it lives; thread-safe.
  merkle::HashReader& hash_reader() const;

  // Approximate bytes on disk (SST files and WAL), for benchmarks and metrics.
  uint64_t DiskBytes() const;

  // Writes every column family's memtable to SST files and waits: for
  // backups, disk-usage measurements and tests that need the data in SST
  // files. Not needed for durability (the WAL already holds it).
  absl::Status Flush();

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_STORE_H_
