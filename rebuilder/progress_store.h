// The rebuilder's memory across restarts: how far it has scanned the log,
// and what became of each release it rebuilt - so that each is rebuilt and
// logged exactly once (DESIGN.md "Rebuilders").
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<ProgressStore> store,
//                            ProgressStore::Open(data + "/state"));
//   for (uint64_t i = store->cursor(); i < size; ++i) {
//     ... not a release to rebuild: store->AdvanceCursor(i + 1) ...
//     ... built and signed: store->RecordPending(i, note) ...
//     ... the recipe failed: store->RecordFailed(i, reason) ...
//   }
//   VITRINE_RETURN_IF_ERROR(store->Sync());  // before sending a pending note
//   ... the log answered for release i: store->MarkDone(i, note, leaf) ...
//
// A release's life: no record (not built yet, or its build was interrupted:
// it is built again) -> pending (signed, not yet answered by the log) ->
// done (the log answered with its leaf index, new or duplicate); or
// no record -> failed (the recipe failed or timed out: never retried). The
// cursor is the index of the first entry not yet looked at; it moves in
// the same atomic write as the record that lets it pass a release, so every
// release below it has a record and none at or above it has.
//
// Durability (the `sync` choice of each write):
//   - RecordPending and AdvanceCursor are not synced, each on its own:
//     Sync() (RocksDB's SyncWAL) makes them durable together, and the
//     submitter calls it before it sends pending notes - one fsync per
//     batch, not per release. A crash before that loses only records whose
//     notes no one has seen: those releases are rebuilt.
//   - RecordFailed is synced: a failed build is never run again.
//   - MarkDone is not synced: if it is lost, the note is sent again and the
//     log answers it as a duplicate (same text) - nothing is logged twice.
// The WAL is written on every write (only its fsync waits), so a crash of
// the process alone loses nothing; the machine's crash may lose the unsynced
// tail, never a middle (RocksDB recovers a prefix of the WAL).
//
// On disk (RocksDB, one column family; integers 8-byte big-endian):
//   "cursor"             -> the cursor
//   "p" <leaf index>     -> the signed rebuild statement (pending)
//   "d" <leaf index>     -> the log's leaf index, then the statement (done)
//   "f" <leaf index>     -> why the build failed
//
// Status codes: Open - Unavailable when another process holds the store
// (two rebuilders on one data folder), DataLoss when it is corrupt.
// Writes - FailedPrecondition for a record below the cursor (a caller's
// bug), RocksDB's errors as DataLoss / ResourceExhausted (disk full) /
// Unavailable; after a failed write every later write answers that same
// error (RocksDB must not be used further on that handle; restart).
//
// Thread-safety: every method may be called from any thread; writes are
// serialised.
#ifndef VITRINE_REBUILDER_PROGRESS_STORE_H_
#define VITRINE_REBUILDER_PROGRESS_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace vitrine::rebuilder {

// A signed rebuild statement the log has not answered yet.
struct PendingStatement {
  uint64_t index = 0;  // the release's leaf index
  std::string note;    // the signed note, as sent
};

enum class ReleaseState { kPending, kDone, kFailed };

struct ReleaseRecord {
  ReleaseState state = ReleaseState::kPending;
  std::string note;           // kPending, kDone
  uint64_t logged_index = 0;  // kDone: the rebuild statement's leaf index
  std::string reason;         // kFailed
};

class ProgressStore {
 public:
  // Opens (or creates) the store in the folder `path`.
  static absl::StatusOr<std::unique_ptr<ProgressStore>> Open(const std::string& path);
  ~ProgressStore();

  // The index of the first log entry not yet looked at.
  uint64_t cursor() const;

  // Moves the cursor to `next` (entries below it needed no record); a
  // smaller `next` changes nothing. Not synced.
  absl::Status AdvanceCursor(uint64_t next);

  // Records the signed rebuild statement of release `index` as pending and
  // moves the cursor past it. Not synced: see Sync.
  absl::Status RecordPending(uint64_t index, absl::string_view note);

  // Records that release `index` failed to build, and why, and moves the
  // cursor past it. Synced.
  absl::Status RecordFailed(uint64_t index, absl::string_view reason);

  // Makes every write so far durable.
  absl::Status Sync();

  // Records that the log answered for release `index`'s `note` with the
  // entry at `logged_index`. Not synced.
  absl::Status MarkDone(uint64_t index, absl::string_view note, uint64_t logged_index);

  // Every pending statement, lowest index first (a restart sends them again).
  absl::StatusOr<std::vector<PendingStatement>> Pending() const;

  // What became of release `index`; nullopt when there is no record.
  absl::StatusOr<std::optional<ReleaseRecord>> Get(uint64_t index) const;

  // The error that stopped writes, OK while they go on (health).
  absl::Status WriteFailure() const;

 private:
  ProgressStore(std::unique_ptr<rocksdb::DB> db, uint64_t cursor);

  // Writes one record with the cursor moved to `cursor`.
  absl::Status PutRecord(char kind, uint64_t index, absl::string_view value, bool sync);

  const std::unique_ptr<rocksdb::DB> db_;
  mutable absl::Mutex mu_;  // serialises writes; guards the cursor
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_PROGRESS_STORE_H_
