// The log's durable store: entries, C2SP hash tiles, the leaf-hash,
// artifact-digest and vendor indexes and the signed checkpoints, in one embedded RocksDB
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
//                width is a prefix of it); a full tile is written once.
//                Exactly the C2SP tile bytes, servable as they are.
//   tile_interiors level (1) || index (8)           -> a full tile's 255
//                interior hashes (merkle/tile_interior.h; 8160 bytes, about
//                32 bytes per entry), written once in the same batch as the
//                full tile, so that proof reads copy them instead of hashing
//                255 nodes per tile loaded. Absent for tiles written before
//                this column family existed: those are hashed on load.
//                Opening an older store adds the family; a binary from before
//                it cannot open a store that has it (RocksDB must open every
//                column family).
//   leaf_index   leaf hash (32)                     -> index (8)
//   statement_index statement identity (32)         -> index (8) of the
//                first entry with that statement text, plus the key
//                "coverage" -> N (8): entries [0, N) are all indexed. A
//                Commit whose entries all carry an identity advances N; an
//                older store (or a monitor's copy, which passes none)
//                stays behind until IndexStatements catches it up.
//   digest_index artifact sha256 (32) || index (8)  -> empty
//   vendor_index VendorKey(vendor) (32) || index (8) -> empty, for each
//                release statement (note/entry_digests.h), plus the key
//                "coverage" -> N (8): the releases among entries [0, N) are
//                all indexed. Every writer gives each entry its vendor key
//                (as its digests), so a Commit advances N whenever N was
//                the entry count; a store from before this family gets it
//                empty at N = 0 and stays behind until IndexVendors (the
//                backfill, storage/vendor_backfill.h) catches it up.
//   checkpoints  tree size (8)                      -> signed checkpoint note
//                (one per size, never replaced: "never two heads for a size")
//   witnessed    tree size (8)                      -> the latest witnessed
//                checkpoint: the log's checkpoint note of that size with the
//                witness cosignatures that met the quorum (DESIGN.md format
//                4). Only the latest is kept; written apart from Commit by
//                the witness pusher, never smaller than before. Opening an
//                older store adds the family, as for tile_interiors.
//
// Integrity: RocksDB block checksums (XXH3, verified on every read) and
// paranoid checks catch bytes changed on disk (DataLoss); a WAL damaged
// anywhere but its torn tail fails Open (DataLoss) instead of silently
// rolling back. Commit enforces append-only: entries extend the log
// contiguously, a stored tile is only ever extended (never changed), a tile
// interior is written once, for a full tile, and ends in the parent tile's
// hash for that tile, and a checkpoint is never replaced. The sequencer and
// startup recompute roots from the stored tiles; hash reads are served
// through a bounded tile cache.
//
// Stored interiors are trusted by hash reads without rehashing them (that is
// their point), so a wrong one would give wrong proofs. What binds them:
//   - On disk, RocksDB's block checksums: a changed byte reads as DataLoss.
//   - At Commit, only their root (last hash) is checked, against the parent
//     tile's hash in the same batch (no hashing: the sequencer takes them
//     from the compact range's nodes, the same values it signs).
//   - At sequencer startup (verify_full_tiles_on_start, the default), every
//     stored interior is compared with the one recomputed from its tile
//     bytes while those are hashed against their parents anyway: a wrong
//     interior stops the log from starting (DataLoss), as a wrong tile does.
//   - When a reader loads a full tile and its interior into the cache while
//     the parent tile is cached (nearly always: upper tiles are hot), the
//     interior's root is compared with the parent's hash (DataLoss, and
//     nothing cached, on a mismatch): catches an interior of another tile.
// So an interior written wrong by the running sequencer itself (a memory
// fault between the compact range and the write) is caught at the next
// start, like a full tile written wrong, not before it is served; clients
// verify proofs against the signed root and would reject such a proof.
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

namespace rocksdb {
class FileSystem;  // StoreOptions::file_system, for tests only
}  // namespace rocksdb

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
  // (16 KiB per full tile), bounded by both this count and
  // tile_cache_bytes. 0 turns the cache off (every hash read goes to
  // RocksDB). 65536 tiles hold every tile of a 16M-entry log.
  size_t tile_cache_tiles = 65536;
  // The memory the tile cache may hold: 1 GiB holds every tile of a
  // 16M-entry log (about 64 bytes per entry), so proofs rarely read RocksDB;
  // beyond it a miss reads the tile and its stored interior (two 8 KiB
  // values, no hashing). A server with memory to spare can raise it.
  size_t tile_cache_bytes = size_t{1} << 30;
  // RocksDB's block cache, for entries and index lookups.
  size_t block_cache_bytes = 256 << 20;
  // For tests only: the file system RocksDB works through, e.g. one that
  // makes syncs or reads fail (storage/testing/fault_file_system.h). Null,
  // the default, is the operating system's. A forward-declared RocksDB type
  // here keeps rocksdb headers out of everyone's includes.
  std::shared_ptr<rocksdb::FileSystem> file_system;
};

// One atomic unit of writes, built by the sequencer and applied by Commit.
// Not thread-safe; cheap to build (bytes are copied into a RocksDB batch).
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  // Adds the leaf at `index` with its leaf hash (for the leaf index), when
  // the leaf names one its artifact's SHA-256 (for FindByDigest), when it
  // is a statement its identity (note/statement_admission.h; for
  // FindStatements), for a rebuild statement the ReleaseKey it is also
  // found under, and for a release statement its vendor's VendorKey (for
  // VendorReleases; note/entry_digests.h gives all of them). The caller
  // deduplicates identities as it does leaves.
  void AddEntry(uint64_t index, absl::string_view leaf,
                const merkle::Hash& leaf_hash,
                const std::optional<merkle::Hash>& artifact_digest,
                const std::optional<merkle::Hash>& statement_id = std::nullopt,
                const std::optional<merkle::Hash>& release_key = std::nullopt,
                const std::optional<merkle::Hash>& vendor_key = std::nullopt);
  // Writes the hashes of `tile` (its width says how many), replacing a
  // narrower version of the same tile.
  void PutTile(const merkle::TileId& tile, absl::string_view hashes);
  // Records the signed checkpoint note for tree `size` and makes it the
  // latest. The store refuses (at Commit) a size that already has one.
  void PutCheckpoint(uint64_t size, absl::string_view signed_note);

  // Writes the 255 interior hashes of the full tile `tile`
  // (merkle/tile_interior.h order, 32 bytes each), to be committed with the
  // tile or after it. Checked at Commit (see Commit).
  void PutTileInterior(const merkle::TileId& tile, absl::string_view interior);

  // Returns the tile bytes this batch writes for (level, index), if any
  // (the last PutTile of it): lets the sequencer read back what it is about
  // to commit.
  std::optional<std::string> PendingTile(uint8_t level, uint64_t index) const;

  // Returns the bytes of leaves, tiles, interiors and checkpoints added so far.
  size_t ByteSize() const;
  // Returns true when nothing was added.
  bool empty() const;

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// One backup in a backup folder (Store::Backup, Store::RestoreBackup).
struct BackupInfo {
  uint32_t id = 0;            // RocksDB BackupEngine's backup id, from 1
  int64_t timestamp = 0;      // seconds since the epoch, when it was taken
  uint64_t files = 0;         // files the backup is made of
  uint64_t bytes = 0;         // their total size (shared ones included)
  uint64_t bytes_copied = 0;  // Backup only: what this backup added to the
                              // folder (the increment)
  // Backup: the latest checkpoint's size when the backup began, a lower
  // bound (commits go on while files are copied). RestoreBackup: the size
  // of the latest checkpoint in the restored store, exactly.
  uint64_t tree_size = 0;
};

// The latest signed (or witnessed) state found in the store.
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
  //     may be rewritten only identically; no stored hash ever changes), or
  //     when it writes an interior that differs from the stored one, for a
  //     tile not full in the batch or store, or whose parent tile (in the
  //     batch or store) does not hold its root yet;
  //   InvalidArgument for a malformed batch: one index or checkpoint size
  //     added twice, tile bytes that are not 32 * width, an invalid TileId,
  //     an interior for a partial tile, not 255 hashes long, or whose root
  //     differs from its parent tile's hash for the tile;
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
  // The checkpoint of the largest size <= `size` the log signed, or
  // nullopt when none was (a monitor catching up in bounded steps).
  absl::StatusOr<std::optional<StoredCheckpoint>> CheckpointAtMost(uint64_t size) const;

  // Stores `note`, the checkpoint of tree `size` with the cosignatures that
  // met the witness quorum, as the latest witnessed checkpoint (synced with
  // options.sync; older ones are deleted in the same write). Storage does
  // not verify signatures - the caller (witness_pusher.h) did - but checks
  // that the note is the log's own checkpoint of that size with more
  // signature lines: it must begin with the stored checkpoint note of
  // `size` (InvalidArgument otherwise). FailedPrecondition for a size
  // smaller than the stored latest witnessed one (the same size may be
  // rewritten, e.g. with more cosignatures) or larger than the latest
  // stored checkpoint; NotFound when the log never signed `size`.
  // Thread-safe; does not wait for Commit.
  absl::Status PutWitnessedCheckpoint(uint64_t size, absl::string_view note);
  // The latest witnessed checkpoint (size and cosigned note), or nullopt
  // when none was stored.
  absl::StatusOr<std::optional<StoredCheckpoint>> LatestWitnessedCheckpoint()
      const;

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
  // Looks up statement identities in one batched read: the index of the
  // first entry with each, or nullopt where none. Complete only for the
  // entries below StatementIndexCoverage().
  absl::StatusOr<std::vector<std::optional<uint64_t>>> FindStatements(
      absl::Span<const merkle::Hash> statement_ids) const;
  // The number of leading entries whose identities are indexed.
  uint64_t StatementIndexCoverage() const;
  // Indexes the identities of entries [begin, begin + ids.size()) (nullopt:
  // an entry that is no statement), keeping an identity already indexed at
  // its first index, and advances the coverage to their end; synced.
  // FailedPrecondition unless begin is the current coverage and the range
  // is stored. Serialised with Commit.
  absl::Status IndexStatements(
      uint64_t begin, absl::Span<const std::optional<merkle::Hash>> ids);
  // Every index whose leaf names artifact digest `sha256`, ascending (empty
  // when none; bounded by `limit`).
  absl::StatusOr<std::vector<uint64_t>> FindByDigest(const merkle::Hash& sha256,
                                                     size_t limit = 1000) const;

  // The indexes of the release statements listed under `vendor_key`
  // (note::VendorKey) that are below `before`, newest (highest) first, at
  // most `limit` of them. Complete only below VendorIndexCoverage().
  absl::StatusOr<std::vector<uint64_t>> VendorReleases(
      const merkle::Hash& vendor_key, uint64_t before, size_t limit) const;
  // The number of leading entries whose releases are in the vendor index.
  uint64_t VendorIndexCoverage() const;
  // Lists the releases among entries [begin, begin + keys.size()) under
  // their vendor keys (nullopt: an entry that is no release) and advances
  // the coverage to their end; synced. FailedPrecondition unless begin is
  // the current coverage and the range is stored. Serialised with Commit.
  absl::Status IndexVendors(uint64_t begin,
                            absl::Span<const std::optional<merkle::Hash>> keys);

  // The stored hashes of tile (level, index) with at least `min_width`
  // hashes, exactly as stored (32 * stored width bytes). Reads RocksDB, not
  // the tile cache, so that integrity checks see what is on disk. NotFound
  // when the tile is absent or narrower; InvalidArgument for a min_width
  // outside 1..256; DataLoss for a stored length that is not 32 * W.
  absl::StatusOr<std::string> ReadTile(uint8_t level, uint64_t index,
                                       uint16_t min_width = 1) const;

  // The stored interior of full tile (level, index), exactly as stored
  // (255 * 32 bytes), read from RocksDB (not the cache) for integrity
  // checks. NotFound when none is stored (a tile written before interiors
  // were, or not full); DataLoss for a stored length other than 255 * 32.
  absl::StatusOr<std::string> ReadTileInterior(uint8_t level,
                                               uint64_t index) const;

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

  // Backs the store up into `backup_dir` (created if missing) with RocksDB's
  // BackupEngine while Commit goes on: a consistent copy of the store as of
  // one instant (flushed SST files plus the synced WAL), incremental (SST
  // files an earlier backup in the folder already holds are shared, not
  // copied again) and checksummed (RestoreBackup verifies every file).
  // Earlier backups are kept. Costs disk reads and writes, no lock held
  // against Commit. Storage errors as RocksDB reports them (e.g.
  // ResourceExhausted when the backup's file system is full: the failed
  // backup is removed, earlier ones stay). `rate_limit` bytes per second
  // (0: none) bounds the copy: a longer backup that takes less of the disk
  // and CPU the log's commits need (bench/RESULTS.md, issue 14).
  absl::StatusOr<BackupInfo> Backup(const std::string& backup_dir,
                                    uint64_t rate_limit = 0) const;

  // Restores the latest backup in `backup_dir` into `store_path` after
  // verifying every file against its recorded checksum. FailedPrecondition
  // when a store already exists at `store_path` (restore never overwrites
  // a store: move it away first); NotFound when the folder holds no
  // backup; DataLoss when a file fails its checksum (nothing is restored).
  // The restored store is older than what the log has published since the
  // backup: the log must not sign at those sizes again (log/server's
  // restore recovery).
  static absl::StatusOr<BackupInfo> RestoreBackup(const std::string& backup_dir,
                                                  const std::string& store_path);

  // After a failed write: OK once RocksDB takes writes again (it recovers by
  // itself when the cause is gone, e.g. space freed on a full disk; this
  // asks it to), the error otherwise (Busy while its own recovery runs).
  // OK at once when nothing failed. When the write-ahead log failed while
  // no memtable held data, RocksDB 7.8 cannot move to a new log in place
  // (its next write to the failed one aborts the process), so the store is
  // closed and opened again instead, under the writer's lock, once the
  // calls reading it are done (reads meanwhile get Unavailable); opening
  // replays the log, so a write that failed after reaching it may now be
  // there - the caller re-reads the store. Unavailable when readers (a
  // backup) hold it for over 2 s: ask again later. A store that no longer
  // opens answers that error to every call from then on.
  absl::Status Recover();

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_STORE_H_
