#include "rebuilder/progress_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "log/storage/internal/rocksdb_status.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace vitrine::rebuilder {
namespace {

constexpr char kCursorKey[] = "cursor";
constexpr char kPending = 'p';
constexpr char kDone = 'd';
constexpr char kFailed = 'f';

std::string BigEndian(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

uint64_t FromBigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (unsigned char c : bytes.substr(0, 8)) value = (value << 8) | c;
  return value;
}

std::string Key(char kind, uint64_t index) {
  return absl::StrCat(std::string(1, kind), BigEndian(index));
}

// RocksDB's answers as absl codes (log/storage's mapping: damage is
// DataLoss, a full disk ResourceExhausted, a held lock Unavailable), the
// message naming this store.
absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return storage::internal::FromRocksDb(status, absl::StrCat("progress store: ", what));
}

}  // namespace

ProgressStore::ProgressStore(std::unique_ptr<rocksdb::DB> db, uint64_t cursor)
    : db_(std::move(db)), cursor_(cursor) {}

ProgressStore::~ProgressStore() = default;

absl::StatusOr<std::unique_ptr<ProgressStore>> ProgressStore::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // A few records per release: the defaults' 64 MiB memtables are far more
  // than it ever holds, but memory is only taken as records arrive.
  rocksdb::DB* raw = nullptr;
  absl::Status opened = FromRocksDb(rocksdb::DB::Open(options, path, &raw), "opening " + path);
  if (!opened.ok()) return opened;
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  const rocksdb::Status read = db->Get(rocksdb::ReadOptions(), kCursorKey, &value);
  uint64_t cursor = 0;
  if (read.ok()) {
    if (value.size() != 8) return absl::DataLossError("progress store: a cursor not 8 bytes long");
    cursor = FromBigEndian(value);
  } else if (!read.IsNotFound()) {
    return FromRocksDb(read, "reading the cursor");
  }
  return std::unique_ptr<ProgressStore>(new ProgressStore(std::move(db), cursor));
}

uint64_t ProgressStore::cursor() const {
  absl::MutexLock lock(&mu_);
  return cursor_;
}

absl::Status ProgressStore::WriteFailure() const {
  absl::MutexLock lock(&mu_);
  return broken_;
}

absl::Status ProgressStore::AdvanceCursor(uint64_t next) {
  absl::MutexLock lock(&mu_);
  if (!broken_.ok()) return broken_;
  if (next <= cursor_) return absl::OkStatus();
  absl::Status written = FromRocksDb(
      db_->Put(rocksdb::WriteOptions(), kCursorKey, BigEndian(next)), "moving the cursor");
  if (!written.ok()) return broken_ = written;
  cursor_ = next;
  return absl::OkStatus();
}

absl::Status ProgressStore::PutRecord(char kind, uint64_t index, absl::string_view value,
                                      bool sync) {
  absl::MutexLock lock(&mu_);
  if (!broken_.ok()) return broken_;
  if (index < cursor_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "progress store: release ", index, " is below the cursor ", cursor_, ": already recorded"));
  }
  rocksdb::WriteBatch batch;
  batch.Put(Key(kind, index), rocksdb::Slice(value.data(), value.size()));
  batch.Put(kCursorKey, BigEndian(index + 1));
  rocksdb::WriteOptions options;
  options.sync = sync;
  absl::Status written = FromRocksDb(db_->Write(options, &batch),
                                     absl::StrCat("recording release ", index));
  if (!written.ok()) return broken_ = written;
  cursor_ = index + 1;
  return absl::OkStatus();
}

absl::Status ProgressStore::RecordPending(uint64_t index, absl::string_view note) {
  return PutRecord(kPending, index, note, /*sync=*/false);
}

absl::Status ProgressStore::RecordFailed(uint64_t index, absl::string_view reason) {
  return PutRecord(kFailed, index, reason, /*sync=*/true);
}

absl::Status ProgressStore::Sync() {
  absl::MutexLock lock(&mu_);
  if (!broken_.ok()) return broken_;
  absl::Status synced = FromRocksDb(db_->SyncWAL(), "syncing");
  if (!synced.ok()) broken_ = synced;
  return synced;
}

absl::Status ProgressStore::MarkDone(uint64_t index, absl::string_view note,
                                     uint64_t logged_index) {
  absl::MutexLock lock(&mu_);
  if (!broken_.ok()) return broken_;
  rocksdb::WriteBatch batch;
  batch.Delete(Key(kPending, index));
  batch.Put(Key(kDone, index), absl::StrCat(BigEndian(logged_index), note));
  absl::Status written = FromRocksDb(db_->Write(rocksdb::WriteOptions(), &batch),
                                     absl::StrCat("marking release ", index, " done"));
  if (!written.ok()) broken_ = written;
  return written;
}

absl::StatusOr<std::vector<PendingStatement>> ProgressStore::Pending() const {
  std::vector<PendingStatement> pending;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kPending);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != 9) return absl::DataLossError("progress store: a malformed key");
    pending.push_back({FromBigEndian(absl::string_view(it->key().data() + 1, 8)),
                       it->value().ToString()});
  }
  if (absl::Status s = FromRocksDb(it->status(), "listing pending statements"); !s.ok()) return s;
  return pending;
}

absl::StatusOr<std::optional<ReleaseRecord>> ProgressStore::Get(uint64_t index) const {
  for (char kind : {kPending, kDone, kFailed}) {
    std::string value;
    const rocksdb::Status read = db_->Get(rocksdb::ReadOptions(), Key(kind, index), &value);
    if (read.IsNotFound()) continue;
    if (!read.ok()) return FromRocksDb(read, absl::StrCat("reading release ", index));
    ReleaseRecord record;
    if (kind == kPending) {
      record.note = std::move(value);
    } else if (kind == kFailed) {
      record.state = ReleaseState::kFailed;
      record.reason = std::move(value);
    } else {
      if (value.size() < 8) return absl::DataLossError("progress store: a malformed done record");
      record.state = ReleaseState::kDone;
      record.logged_index = FromBigEndian(value);
      record.note = value.substr(8);
    }
    return std::optional<ReleaseRecord>(std::move(record));
  }
  return std::optional<ReleaseRecord>();
}

}  // namespace vitrine::rebuilder
