#include "log/storage/internal/db.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "log/storage/internal/keys.h"
#include "log/storage/internal/rocksdb_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/env.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/listener.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"

namespace vitrine::storage::internal {
namespace {

constexpr const char* kCfNames[] = {"entries",     "tiles",
                                    "leaf_index",  "digest_index",
                                    "checkpoints", "tile_interiors",
                                    "witnessed",   "statement_index",
                                    "vendor_index"};
static_assert(sizeof(kCfNames) / sizeof(kCfNames[0]) ==
              static_cast<size_t>(Cf::kCount));

// Bits per key of the bloom filters on point-lookup column families: about
// 1% false positives, so a miss rarely touches a data block.
constexpr double kBloomBitsPerKey = 10;

rocksdb::CompressionType EntryCompression() {
  // Debian 12's librocksdb links LZ4 (and ZSTD); LZ4 decompresses fastest,
  // which is what entry reads want. Fall back rather than fail to open on a
  // build without it.
  std::vector<rocksdb::CompressionType> supported =
      rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(),
                rocksdb::kLZ4Compression) != supported.end()) {
    return rocksdb::kLZ4Compression;
  }
  return rocksdb::kNoCompression;
}

// RocksDB's info log on stderr, warnings and above, one line per message.
class StderrLogger final : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    std::fprintf(stderr, "vitrine store: rocksdb: %s\n", line);
  }
};

// Makes an I/O error in the write path (the WAL's append or sync, a flush's
// table file or MANIFEST write, a memtable switch) one that DB::Resume can
// clear, and keeps Db::wal_failed (issue 14).
//
// RocksDB 7.8 with paranoid_checks rates such an error fatal unless it is
// ENOSPC, which it rates "hard": writes stop, and Resume, once the cause is
// gone, flushes the memtables to new table files and moves to a new WAL
// before taking writes again. An EIO or EROFS takes that same path here:
// without this, Store::Recover could never succeed after one, and the log
// took no writes until restarted. Nothing acknowledged depends on the
// failed WAL: a failed write never reaches the memtables, every earlier one
// was synced, and the sequencer re-reads the store and checks it against
// what it published before it signs again. The one window, shared with
// RocksDB's own ENOSPC recovery: a crash during Resume's flushes (one per
// column family) replays the failed, unacknowledged write into the
// families not yet flushed; the next start then finds the store beyond or
// beside its signed checkpoint and refuses (DataLoss; fsck names it).
// Corruption, data loss and errors in compactions keep RocksDB's rating.
class WriteErrorListener final : public rocksdb::EventListener {
 public:
  explicit WriteErrorListener(std::shared_ptr<std::atomic<bool>> wal_failed)
      : wal_failed_(std::move(wal_failed)) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                         rocksdb::Status* error) override {
    using Reason = rocksdb::BackgroundErrorReason;
    if (!error->IsIOError()) return;
    // A write's WAL append or sync failed, or writing out the WAL's buffer
    // when switching memtables did: that writer must never be used again
    // (Debian's RocksDB aborts on the next append to it).
    if (reason == Reason::kWriteCallback || reason == Reason::kMemTable) {
      wal_failed_->store(true);
    }
    // What 7.8 does with the same error when a file system marks it
    // retryable: hard in every reason but compaction.
    if (reason != Reason::kCompaction &&
        error->severity() == rocksdb::Status::Severity::kFatalError) {
      *error = rocksdb::Status(*error, rocksdb::Status::Severity::kHardError);
    }
  }

  // A memtable switch that succeeds after a failed WAL write has moved to a
  // new WAL (RocksDB creates one whenever the current WAL was written to),
  // and the failed one is never written again.
  void OnMemTableSealed(const rocksdb::MemTableInfo&) override {
    wal_failed_->store(false);
  }

 private:
  const std::shared_ptr<std::atomic<bool>> wal_failed_;
};

rocksdb::ColumnFamilyOptions FamilyOptions(
    Cf family, const std::shared_ptr<rocksdb::Cache>& block_cache) {
  rocksdb::BlockBasedTableOptions table;
  // Every block carries a checksum that every read verifies: a byte changed
  // on disk is reported as Corruption (DataLoss), never returned.
  table.checksum = rocksdb::kXXH3;
  table.block_cache = block_cache;
  rocksdb::ColumnFamilyOptions cf;
  switch (family) {
    case Cf::kEntries:
      cf.compression = EntryCompression();
      // Entries are mostly read in runs (a tile's bundle of 256, GetEntries
      // streams), and every block a run touches costs a block-cache lookup
      // and, when cold, a read, checksum, decompression and cache insert:
      // with RocksDB's 4 KiB default a bundle (~100 KiB) took ~26 blocks,
      // most of a tile GET's CPU on a log larger than the block cache
      // (bench/RESULTS.md, issue 16). 32 KiB blocks take ~4; a single
      // entry's read decompresses 32 KiB (a few microseconds with LZ4).
      // Applies to table files written from now on; older ones keep theirs.
      table.block_size = 32 << 10;
      // Keys arrive in increasing order: remembering the last insert
      // position makes each memtable insert O(1) instead of a skiplist
      // search from the top.
      cf.memtable_insert_with_hint_prefix_extractor.reset(
          rocksdb::NewCappedPrefixTransform(0));
      break;
    case Cf::kTiles:
    case Cf::kTileInteriors:
      // Hashes do not compress; tiles and interiors are read by exact key,
      // mostly hits, and are cached above RocksDB: no filter.
      cf.compression = rocksdb::kNoCompression;
      break;
    case Cf::kLeafIndex:
    case Cf::kStatementIndex:
      // Every append looks its leaf hash up here (dedup), and nearly all are
      // misses: a bloom filter over the memtable answers them without
      // walking the skiplist (the SST filters below do the same on disk).
      cf.memtable_prefix_bloom_size_ratio = 0.05;
      cf.memtable_whole_key_filtering = true;
      // Keys are uniformly random hashes, and inserting them into one big
      // skiplist is the sequencer's largest cost (a deep search of cache
      // misses per entry, on the single writer thread). A hashed memtable
      // (buckets by the first 4 bytes, a tiny skiplist each) makes the insert
      // O(1); the sorting moves to the flush, on a background thread, i.e.
      // the other core. Small memtables and several of them keep each flush
      // short so that writes do not stall behind one.
      cf.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
      cf.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 16));
      cf.write_buffer_size = 16 << 20;
      cf.max_write_buffer_number = 6;
      cf.compression = rocksdb::kNoCompression;
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
      break;
    case Cf::kWitnessed:
      // One small value (the latest witnessed checkpoint), read at start.
      cf.compression = rocksdb::kNoCompression;
      break;
    case Cf::kCheckpoints:
      cf.compression = rocksdb::kNoCompression;
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
      break;
    case Cf::kDigestIndex:
    case Cf::kVendorIndex:
      // Lookups are prefix seeks on the 32-byte digest (or vendor key):
      // filter on prefixes. The vendor index's coverage key, shorter than
      // a prefix, is outside the extractor's domain: RocksDB then skips the
      // filter for it and reads it as any key.
      cf.compression = rocksdb::kNoCompression;
      cf.prefix_extractor.reset(
          rocksdb::NewFixedPrefixTransform(merkle::kHashSize));
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
      table.whole_key_filtering = false;
      break;
    case Cf::kCount:
      break;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

Db::~Db() {
  if (db == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    // Errors here only concern a handle we are dropping anyway.
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
}

absl::StatusOr<std::unique_ptr<Db>> OpenDb(const StoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("StoreOptions.path is empty");
  }
  rocksdb::Env* env = rocksdb::Env::Default();
  // Flushes and compactions yield the CPU to the sequencer: acknowledgement
  // latency is what users wait on; background work only has to keep up.
  env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW);
  env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::HIGH);
  if (!options.create_if_missing &&
      !env->FileExists(options.path + "/CURRENT").ok()) {
    return absl::NotFoundError(
        absl::StrCat("no store at ", options.path, " (create_if_missing is off)"));
  }
  // A new store's folder exists before RocksDB looks into it, which it
  // would otherwise report as an error on stderr (StderrLogger).
  if (options.create_if_missing) {
    env->CreateDirIfMissing(options.path).PermitUncheckedError();
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  // Also for an existing store opened with create_if_missing off: a store
  // written before a column family was added (tile_interiors, witnessed)
  // gets it empty, which every reader handles (a full tile without an
  // interior is hashed; no witnessed checkpoint yet).
  db_options.create_missing_column_families = true;
  // Stop on the first inconsistency RocksDB notices (in files, the MANIFEST
  // or background work) instead of carrying on around it.
  db_options.paranoid_checks = true;
  // A crash may tear the WAL's last record (never an acknowledged one: those
  // were synced); damage anywhere else means acknowledged entries would be
  // lost, so opening fails (DataLoss) instead of silently rolling back as the
  // default kPointInTimeRecovery would.
  db_options.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // The WAL is the durability of every Commit: never disabled, flushed with
  // each write (no manual flush).
  db_options.manual_wal_flush = false;
  // There is one writer (the sequencer); the hashed memtable of the leaf
  // index does not support concurrent inserts.
  db_options.allow_concurrent_memtable_write = false;
  // Flushes of the leaf index sort in the background: let them run beside
  // compactions instead of queueing behind them.
  db_options.max_background_jobs = 4;
  // Write flushed and compacted files out to disk as they are written (1 MiB
  // at a time) rather than all at their end: on ext4 a WAL fsync can wait
  // for other files' dirty pages, so piles of them become commit stalls.
  db_options.bytes_per_sync = 1 << 20;
  // RocksDB's own diagnostics go to stderr, never to a LOG file beside the
  // data (issue 14): on a full disk that file's writer fails too, and the
  // next message RocksDB logs through it (the write error itself, or at
  // close) hits an assertion that Debian's RocksDB keeps, so the process
  // aborted. Warnings and errors only; the statistics dumps stay off.
  db_options.info_log = std::make_shared<StderrLogger>();
  db_options.stats_dump_period_sec = 0;

  auto result = std::make_unique<Db>();
  db_options.listeners.push_back(
      std::make_shared<WriteErrorListener>(result->wal_failed));
  if (options.file_system != nullptr) {
    // A test's file system under the default Env's threads (and so under
    // the thread-pool priorities set above): a composite Env takes its
    // threads and clock from Env::Default().
    result->env = rocksdb::NewCompositeEnv(options.file_system);
    db_options.env = result->env.get();
  }

  std::shared_ptr<rocksdb::Cache> block_cache =
      rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    families.emplace_back(kCfNames[i],
                          FamilyOptions(static_cast<Cf>(i), block_cache));
  }
  families.emplace_back(rocksdb::kDefaultColumnFamilyName,
                        rocksdb::ColumnFamilyOptions());

  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, options.path, families,
                                             &result->handles, &raw);
  if (!status.ok()) {
    return FromRocksDb(status, absl::StrCat("opening store ", options.path));
  }
  result->db.reset(raw);
  return result;
}

absl::StatusOr<std::shared_ptr<Db>> DbHolder::Get() const {
  // Shared: every store read passes here (the sequencer's dedup lookups,
  // tile and entry reads), and only Reopen ever writes.
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) {
    return reopen_error_.ok()
               ? absl::UnavailableError("the store is being reopened")
               : reopen_error_;
  }
  return db_;
}

absl::Status DbHolder::Reopen(const StoreOptions& options, absl::Duration wait) {
  std::shared_ptr<Db> old;
  {
    absl::MutexLock lock(&mu_);
    if (db_ == nullptr) return absl::UnavailableError("the store is being reopened");
    old = std::move(db_);
  }
  // No new reference can be taken now; wait for the calls holding one.
  const absl::Time deadline = absl::Now() + wait;
  while (old.use_count() > 1 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (old.use_count() > 1) {
    absl::MutexLock lock(&mu_);
    db_ = std::move(old);
    return absl::UnavailableError(
        "the store could not be reopened: calls still read it (a backup?)");
  }
  old.reset();  // closes RocksDB: its lock on the folder goes with it
  absl::StatusOr<std::unique_ptr<Db>> reopened = OpenDb(options);
  absl::MutexLock lock(&mu_);
  if (!reopened.ok()) {
    reopen_error_ = absl::Status(
        reopened.status().code(),
        absl::StrCat("reopening the store failed: ", reopened.status().message()));
    return reopen_error_;
  }
  db_ = *std::move(reopened);
  return absl::OkStatus();
}

bool ActiveMemtablesHoldData(const Db& db) {
  for (rocksdb::ColumnFamilyHandle* handle : db.handles) {
    uint64_t entries = 0;
    if (!db.db->GetIntProperty(
            handle, rocksdb::DB::Properties::kNumEntriesActiveMemTable,
            &entries) ||
        entries > 0) {
      return true;  // unknown counts as holding data: let Resume try
    }
  }
  return false;
}

absl::StatusOr<std::vector<std::optional<uint64_t>>> MultiGetIndexes(
    const Db& db, Cf family, absl::Span<const merkle::Hash> keys,
    absl::string_view what) {
  const size_t n = keys.size();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(n);
  for (const merkle::Hash& key : keys) slices.push_back(ToSlice(key.AsStringView()));
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  // Unsorted input: MultiGet sorts the keys itself to batch its reads.
  db.db->MultiGet(VerifiedReadOptions(), db.cf(family), n, slices.data(),
                  values.data(), statuses.data(), /*sorted_input=*/false);
  std::vector<std::optional<uint64_t>> found(n);
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return FromRocksDb(statuses[i], absl::StrCat("reading the ", what));
    }
    absl::StatusOr<uint64_t> index = DecodeIndexKey(ToView(values[i]));
    if (!index.ok()) return index.status();
    found[i] = *index;
  }
  return found;
}

absl::StatusOr<uint64_t> ReadVendorCoverage(const Db& db) {
  std::string value;
  rocksdb::Status s =
      db.db->Get(VerifiedReadOptions(), db.cf(Cf::kVendorIndex),
                 ToSlice(kVendorCoverageKey), &value);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return FromRocksDb(s, "reading the vendor index coverage");
  return DecodeIndexKey(value);
}

absl::StatusOr<uint64_t> ReadStatementCoverage(const Db& db) {
  std::string value;
  rocksdb::Status s =
      db.db->Get(VerifiedReadOptions(), db.cf(Cf::kStatementIndex),
                 ToSlice(kStatementCoverageKey), &value);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return FromRocksDb(s, "reading the statement index coverage");
  return DecodeIndexKey(value);
}

rocksdb::ReadOptions VerifiedReadOptions() {
  rocksdb::ReadOptions read;
  read.verify_checksums = true;
  return read;
}

absl::StatusOr<std::vector<std::optional<std::string>>> MultiGetTiles(
    const Db& db, absl::Span<const std::pair<uint8_t, uint64_t>> tiles,
    Cf family) {
  std::vector<std::string> keys;
  keys.reserve(tiles.size());
  for (const auto& [level, index] : tiles) keys.push_back(TileKey(level, index));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db.db->MultiGet(VerifiedReadOptions(), db.cf(family), slices.size(),
                  slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> result(tiles.size());
  for (size_t i = 0; i < tiles.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      return FromRocksDb(
          statuses[i],
          absl::StrCat(family == Cf::kTiles ? "reading tile " : "reading the interior of tile ",
                       int{tiles[i].first}, "/", tiles[i].second));
    }
    result[i] = values[i].ToString();
  }
  return result;
}

}  // namespace vitrine::storage::internal
