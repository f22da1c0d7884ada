// The store's RocksDB instance: how it is opened and tuned (column families,
// checksums, filters, compression, WAL recovery), and the few raw reads that
// more than one part of log/storage needs. Internal to log/storage: nothing
// above it sees a RocksDB type.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, OpenDb(options));
//   rocksdb::Status s = db->db->Get(ReadOptions(), db->cf(Cf::kEntries), key,
//                                   &value);
//
// Thread-safety: a Db is safe to use from many threads once opened (RocksDB
// is); its members never change after OpenDb.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_DB_H_
#define VITRINE_LOG_STORAGE_INTERNAL_DB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/storage/store.h"
#include "rocksdb/db.h"

namespace vitrine::storage::internal {

// The column families of store.h's "Layout", in creation order.
enum class Cf : int {
  kEntries = 0,
  kTiles,
  kLeafIndex,
  kDigestIndex,
  kCheckpoints,
  // Added after the first release: created on opening a store without it.
  kTileInteriors,
  // Added with witnessing (issue 7): created on opening a store without it.
  kWitnessed,
  // Added with statement identities (issue 11): created empty on opening an
  // older store, whose entries the log then indexes once (store.h).
  kStatementIndex,
  // Added with the vendor listing (issue 17): created empty on opening an
  // older store, whose releases are then indexed once (store.h).
  kVendorIndex,
  kCount,
};

struct Db {
  ~Db();

  rocksdb::ColumnFamilyHandle* cf(Cf family) const {
    return handles[static_cast<int>(family)];
  }

  // The Env over StoreOptions::file_system when one was given (tests), else
  // null (RocksDB's default Env). Declared before `db`, which uses it, so
  // that it is destroyed after it.
  std::unique_ptr<rocksdb::Env> env;
  // True from a failed write to the write-ahead log until RocksDB has moved
  // to a new one (set and cleared by OpenDb's event listener; see
  // ActiveMemtablesHoldData).
  std::shared_ptr<std::atomic<bool>> wal_failed =
      std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<rocksdb::DB> db;
  // Indexed by Cf; owned (destroyed before `db` is closed). The default
  // column family, which RocksDB requires but the store never writes, is
  // last.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
};

// The store's open Db, which Store::Recover may replace in place: after a
// write-ahead log failure RocksDB cannot resume from (ActiveMemtablesHoldData)
// the only way on is to close the instance and open the folder again.
// Readers take a reference for the length of one call; the old instance is
// closed once the last of them has let go, and calls that come meanwhile
// get Unavailable. Thread-safe.
class DbHolder {
 public:
  explicit DbHolder(std::unique_ptr<Db> db) : db_(std::move(db)) {}

  // The open Db, held for as long as the caller keeps the reference.
  // Unavailable while Reopen runs.
  absl::StatusOr<std::shared_ptr<Db>> Get() const;

  // Takes the Db away from new callers, waits (up to `wait`) until the
  // calls holding it are done, closes it and opens options.path again.
  // Unavailable, with the old Db back in place, when calls still hold it
  // after `wait` (a backup copying files); the error of OpenDb when the
  // folder no longer opens (then every later Get fails with it).
  absl::Status Reopen(const StoreOptions& options, absl::Duration wait);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<Db> db_ ABSL_GUARDED_BY(mu_);
  absl::Status reopen_error_ ABSL_GUARDED_BY(mu_);  // why db_ is null
};

// Opens or creates the RocksDB at options.path with the store's column
// families and tuning. NotFound when the store does not exist and
// options.create_if_missing is false; Unavailable when another Db holds the
// folder's lock; DataLoss when RocksDB finds corruption while opening
// (including a WAL record damaged anywhere but at its torn tail).
absl::StatusOr<std::unique_ptr<Db>> OpenDb(const StoreOptions& options);

// Returns whether any column family's active memtable holds an entry.
// RocksDB 7.8's DB::Resume moves to a new write-ahead log only by switching
// such a memtable: after a failed WAL write with none (right after opening,
// a full flush or a resume), Resume would keep the failed WAL, and the next
// write to it aborts the process (issue 14).
bool ActiveMemtablesHoldData(const Db& db);

// Convert between Abseil's string_view (Debian's Abseil has its own type)
// and RocksDB's Slice.
inline rocksdb::Slice ToSlice(absl::string_view bytes) {
  return rocksdb::Slice(bytes.data(), bytes.size());
}
inline absl::string_view ToView(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

// Returns N where the statement index covers entries [0, N) (store.h,
// "Layout"): the stored coverage, or 0 when none was written.
absl::StatusOr<uint64_t> ReadStatementCoverage(const Db& db);
// The same for the vendor index.
absl::StatusOr<uint64_t> ReadVendorCoverage(const Db& db);

// Looks up 32-byte keys (leaf hashes, statement identities) in an index
// family whose values are IndexKey(index), in one MultiGet: the index of
// each, or nullopt where absent. `what` names the index in errors.
absl::StatusOr<std::vector<std::optional<uint64_t>>> MultiGetIndexes(
    const Db& db, Cf family, absl::Span<const merkle::Hash> keys,
    absl::string_view what);

// Returns ReadOptions that verify block checksums on every read.
rocksdb::ReadOptions VerifiedReadOptions();

// Returns the stored bytes of each tile (level, index) of `tiles`, read in
// one MultiGet, in the same order; nullopt for an absent tile. Errors (read
// failures, checksum mismatches) are converted with FromRocksDb. `family`
// is Cf::kTiles or Cf::kTileInteriors (keyed alike).
absl::StatusOr<std::vector<std::optional<std::string>>> MultiGetTiles(
    const Db& db, absl::Span<const std::pair<uint8_t, uint64_t>> tiles,
    Cf family = Cf::kTiles);

}  // namespace vitrine::storage::internal

#endif  // VITRINE_LOG_STORAGE_INTERNAL_DB_H_
