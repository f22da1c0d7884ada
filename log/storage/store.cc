#include "log/storage/store.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "log/merkle/tile_interior.h"
#include "log/storage/internal/batch.h"
#include "log/storage/internal/db.h"
#include "log/storage/internal/keys.h"
#include "log/storage/internal/rocksdb_status.h"
#include "log/storage/internal/store_hash_reader.h"
#include "log/storage/internal/store_rep.h"
#include "log/storage/tile_cache.h"
#include "rocksdb/write_batch.h"

namespace vitrine::storage {

using internal::Cf;
using internal::FromRocksDb;
using internal::IndexKey;
using internal::VerifiedReadOptions;
using merkle::Hash;

// --------------------------------------------------------------------- Store

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Store::~Store() = default;

namespace {

// Returns one past the last stored entry index (0 for none).
absl::StatusOr<uint64_t> ReadEntryCount(const internal::Db& db) {
  std::unique_ptr<rocksdb::Iterator> it(
      db.db->NewIterator(VerifiedReadOptions(), db.cf(Cf::kEntries)));
  it->SeekToLast();
  if (!it->Valid()) {
    VITRINE_RETURN_IF_ERROR(FromRocksDb(it->status(), "finding the last entry"));
    return 0;
  }
  VITRINE_ASSIGN_OR_RETURN(uint64_t last,
                           internal::DecodeIndexKey(internal::ToView(it->key())));
  return last + 1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<internal::Db> db, internal::OpenDb(options));
  VITRINE_ASSIGN_OR_RETURN(uint64_t count, ReadEntryCount(*db));
  rep->entry_count.store(count);
  VITRINE_ASSIGN_OR_RETURN(uint64_t coverage, internal::ReadStatementCoverage(*db));
  rep->statement_coverage.store(coverage);
  VITRINE_ASSIGN_OR_RETURN(uint64_t vendors, internal::ReadVendorCoverage(*db));
  rep->vendor_coverage.store(vendors);
  rep->db = std::make_unique<internal::DbHolder>(std::move(db));
  rep->cache = std::make_unique<TileCache>(options.tile_cache_tiles,
                                           options.tile_cache_bytes);
  rep->reader = std::make_unique<internal::StoreHashReader>(rep->db.get(),
                                                            rep->cache.get());
  return std::unique_ptr<Store>(new Store(std::move(rep)));
}

absl::Status Store::Commit(const WriteBatch& batch) {
  const internal::BatchContents& b = batch.rep_->contents;
  absl::MutexLock lock(&rep_->writer_mu);
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  internal::Db& db = *held;
  uint64_t count = rep_->entry_count.load();
  VITRINE_RETURN_IF_ERROR(internal::CheckBatch(db, b, count));

  rocksdb::WriteBatch write(b.bytes + 128 * (b.entries.size() + 4));
  for (const auto& entry : b.entries) {
    std::string index = IndexKey(entry.index);
    rocksdb::Status s = write.Put(db.cf(Cf::kEntries), index,
                                   internal::ToSlice(entry.leaf));
    if (s.ok()) {
      s = write.Put(db.cf(Cf::kLeafIndex),
                    internal::ToSlice(entry.leaf_hash.AsStringView()), index);
    }
    if (s.ok() && entry.digest.has_value()) {
      s = write.Put(db.cf(Cf::kDigestIndex),
                    internal::DigestKey(*entry.digest, entry.index), "");
    }
    if (s.ok() && entry.release_key.has_value()) {
      s = write.Put(db.cf(Cf::kDigestIndex),
                    internal::DigestKey(*entry.release_key, entry.index), "");
    }
    if (s.ok() && entry.vendor_key.has_value()) {
      s = write.Put(db.cf(Cf::kVendorIndex),
                    internal::DigestKey(*entry.vendor_key, entry.index), "");
    }
    if (s.ok() && entry.statement_id.has_value()) {
      s = write.Put(db.cf(Cf::kStatementIndex),
                    internal::ToSlice(entry.statement_id->AsStringView()),
                    index);
    }
    if (!s.ok()) return FromRocksDb(s, "building the write batch");
  }
  // The coverage moves only while it is contiguous: every entry so far and
  // every entry of this batch indexed.
  const uint64_t coverage = rep_->statement_coverage.load();
  const bool covered =
      !b.entries.empty() && coverage == count &&
      std::all_of(b.entries.begin(), b.entries.end(),
                  [](const auto& e) { return e.statement_id.has_value(); });
  if (covered) {
    rocksdb::Status s = write.Put(db.cf(Cf::kStatementIndex),
                                  internal::ToSlice(internal::kStatementCoverageKey),
                                  IndexKey(count + b.entries.size()));
    if (!s.ok()) return FromRocksDb(s, "building the write batch");
  }
  // Every writer passes each release's vendor key (store.h, "Layout"), so
  // the vendor index stays complete from wherever it was complete.
  const bool vendors_covered =
      !b.entries.empty() && rep_->vendor_coverage.load() == count;
  if (vendors_covered) {
    rocksdb::Status s = write.Put(db.cf(Cf::kVendorIndex),
                                  internal::ToSlice(internal::kVendorCoverageKey),
                                  IndexKey(count + b.entries.size()));
    if (!s.ok()) return FromRocksDb(s, "building the write batch");
  }
  for (const auto& [key, tile] : b.tiles) {
    rocksdb::Status s = write.Put(db.cf(Cf::kTiles),
                                  internal::TileKey(key.first, key.second),
                                  tile.bytes);
    if (!s.ok()) return FromRocksDb(s, "building the write batch");
  }
  for (const auto& [key, interior] : b.interiors) {
    rocksdb::Status s = write.Put(db.cf(Cf::kTileInteriors),
                                  internal::TileKey(key.first, key.second),
                                  interior);
    if (!s.ok()) return FromRocksDb(s, "building the write batch");
  }
  for (const auto& [size, note] : b.checkpoints) {
    rocksdb::Status s = write.Put(db.cf(Cf::kCheckpoints), IndexKey(size), note);
    if (!s.ok()) return FromRocksDb(s, "building the write batch");
  }
  rocksdb::WriteOptions options;
  options.sync = rep_->options.sync;
  VITRINE_RETURN_IF_ERROR(
      FromRocksDb(db.db->Write(options, &write), "committing a write batch"));

  rep_->entry_count.store(count + b.entries.size());
  if (covered) rep_->statement_coverage.store(count + b.entries.size());
  if (vendors_covered) rep_->vendor_coverage.store(count + b.entries.size());
  // Write-through: the right-edge (partial) tiles are what every proof at the
  // new size reads, and a cached tile that grew must not be served narrow
  // for longer than needed. A new full tile replaces its cached partial
  // version (the right edge, always cached) from its interior, without
  // hashing; others load on first use.
  for (const auto& [key, tile] : b.tiles) {
    if (tile.id.full() && !rep_->cache->Contains(key.first, key.second)) continue;
    auto interior = b.interiors.find(key);
    absl::StatusOr<std::shared_ptr<const CachedTile>> cached =
        tile.id.full() && interior != b.interiors.end()
            ? CachedTile::DecodeFull(key.first, key.second, tile.bytes,
                                     interior->second)
            : CachedTile::Decode(key.first, key.second, tile.bytes);
    if (cached.ok()) rep_->cache->Insert(*std::move(cached));
  }
  return absl::OkStatus();
}

uint64_t Store::EntryCount() const { return rep_->entry_count.load(); }

namespace {

// Returns the last (largest) key of `family` and its value, or nullopt.
// The checkpoint of the largest size <= `at_most` in `family` (all of them
// when unset), or nullopt.
absl::StatusOr<std::optional<StoredCheckpoint>> LastCheckpointIn(
    const internal::Db& db, Cf family, std::optional<uint64_t> at_most = std::nullopt) {
  std::unique_ptr<rocksdb::Iterator> it(
      db.db->NewIterator(VerifiedReadOptions(), db.cf(family)));
  if (at_most.has_value()) {
    it->SeekForPrev(IndexKey(*at_most));
  } else {
    it->SeekToLast();
  }
  if (!it->Valid()) {
    VITRINE_RETURN_IF_ERROR(
        FromRocksDb(it->status(),
                    at_most.has_value()
                        ? absl::StrCat("finding the checkpoint at most ", *at_most)
                        : std::string("finding the latest checkpoint")));
    return std::nullopt;
  }
  StoredCheckpoint checkpoint;
  VITRINE_ASSIGN_OR_RETURN(checkpoint.size,
                           internal::DecodeIndexKey(internal::ToView(it->key())));
  checkpoint.signed_note = it->value().ToString();
  return checkpoint;
}

// Returns the part of a stored checkpoint note that every note adding
// signatures to it starts with: its text and the blank line after it (the
// whole note for one without signatures, as test logs write).
absl::string_view SignedPrefix(absl::string_view note) {
  const size_t blank = note.find("\n\n");
  return blank == absl::string_view::npos ? note : note.substr(0, blank + 2);
}

}  // namespace

absl::StatusOr<std::optional<StoredCheckpoint>> Store::LatestCheckpoint() const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  return LastCheckpointIn(*db, Cf::kCheckpoints);
}

absl::StatusOr<std::optional<StoredCheckpoint>> Store::CheckpointAtMost(
    uint64_t size) const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  return LastCheckpointIn(*db, Cf::kCheckpoints, size);
}

absl::StatusOr<std::optional<StoredCheckpoint>>
Store::LatestWitnessedCheckpoint() const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  return LastCheckpointIn(*db, Cf::kWitnessed);
}

absl::Status Store::PutWitnessedCheckpoint(uint64_t size,
                                           absl::string_view note) {
  absl::MutexLock lock(&rep_->witnessed_mu);
  VITRINE_ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> witnessed,
                           LatestWitnessedCheckpoint());
  if (witnessed.has_value() && size < witnessed->size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "witnessed checkpoint ", size, " is older than the stored one of size ",
        witnessed->size));
  }
  // The latest checkpoint only grows, so checking it outside writer_mu
  // cannot let a size beyond it through.
  VITRINE_ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> latest,
                           LatestCheckpoint());
  if (!latest.has_value() || size > latest->size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "witnessed checkpoint ", size, " is beyond the log's latest checkpoint ",
        latest.has_value() ? latest->size : 0));
  }
  VITRINE_ASSIGN_OR_RETURN(std::string signed_note, CheckpointAt(size));
  if (!absl::StartsWith(note, SignedPrefix(signed_note))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the witnessed note for size ", size,
        " is not the checkpoint the log signed for that size"));
  }
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  internal::Db& db = *held;
  rocksdb::WriteBatch write;
  rocksdb::Status s = write.Put(db.cf(Cf::kWitnessed), IndexKey(size),
                                internal::ToSlice(note));
  if (s.ok() && witnessed.has_value() && witnessed->size != size) {
    // Keep only the latest (there is never more than one older key): older
    // ones would never be read again.
    s = write.Delete(db.cf(Cf::kWitnessed), IndexKey(witnessed->size));
  }
  if (!s.ok()) return FromRocksDb(s, "building the witnessed write");
  rocksdb::WriteOptions options;
  options.sync = rep_->options.sync;
  return FromRocksDb(db.db->Write(options, &write),
                     "storing the witnessed checkpoint");
}

absl::StatusOr<std::string> Store::CheckpointAt(uint64_t size) const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  const internal::Db& db = *held;
  std::string note;
  rocksdb::Status s = db.db->Get(VerifiedReadOptions(), db.cf(Cf::kCheckpoints),
                                 IndexKey(size), &note);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint for size ", size));
  }
  VITRINE_RETURN_IF_ERROR(
      FromRocksDb(s, absl::StrCat("reading checkpoint ", size)));
  return note;
}

absl::StatusOr<std::string> Store::GetEntry(uint64_t index) const {
  uint64_t count = EntryCount();
  if (index >= count) {
    return absl::NotFoundError(
        absl::StrCat("entry ", index, " is beyond the log of ", count));
  }
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  const internal::Db& db = *held;
  std::string leaf;
  rocksdb::Status s = db.db->Get(VerifiedReadOptions(), db.cf(Cf::kEntries),
                                 IndexKey(index), &leaf);
  if (s.IsNotFound()) {
    return absl::DataLossError(absl::StrCat(
        "entry ", index, " is missing from the log of ", count, " entries"));
  }
  VITRINE_RETURN_IF_ERROR(FromRocksDb(s, absl::StrCat("reading entry ", index)));
  return leaf;
}

absl::StatusOr<std::vector<std::string>> Store::GetEntries(uint64_t begin,
                                                           uint64_t end) const {
  if (begin > end) {
    return absl::InvalidArgumentError(
        absl::StrCat("entries [", begin, ", ", end, "): begin > end"));
  }
  uint64_t count = EntryCount();
  if (end > count) {
    return absl::OutOfRangeError(absl::StrCat(
        "entries [", begin, ", ", end, ") end beyond the log of ", count));
  }
  std::vector<std::string> leaves;
  if (begin == end) return leaves;
  leaves.reserve(end - begin);
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  const internal::Db& db = *held;
  std::string upper = IndexKey(end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read = VerifiedReadOptions();
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db->NewIterator(read, db.cf(Cf::kEntries)));
  for (it->Seek(IndexKey(begin)); it->Valid(); it->Next()) {
    uint64_t want = begin + leaves.size();
    if (it->key() != rocksdb::Slice(IndexKey(want))) break;
    leaves.push_back(it->value().ToString());
  }
  VITRINE_RETURN_IF_ERROR(FromRocksDb(
      it->status(), absl::StrCat("reading entries [", begin, ", ", end, ")")));
  if (leaves.size() != end - begin) {
    return absl::DataLossError(
        absl::StrCat("entry ", begin + leaves.size(),
                     " is missing from the log of ", count, " entries"));
  }
  return leaves;
}

absl::StatusOr<uint64_t> Store::FindLeaf(const Hash& leaf_hash) const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  const internal::Db& db = *held;
  std::string index;
  rocksdb::Status s = db.db->Get(VerifiedReadOptions(), db.cf(Cf::kLeafIndex),
                                 internal::ToSlice(leaf_hash.AsStringView()), &index);
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("no entry has leaf hash ", leaf_hash.ToHex()));
  }
  VITRINE_RETURN_IF_ERROR(FromRocksDb(s, "reading the leaf index"));
  return internal::DecodeIndexKey(index);
}

absl::StatusOr<std::vector<std::optional<uint64_t>>> Store::FindLeaves(
    absl::Span<const Hash> leaf_hashes) const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  return internal::MultiGetIndexes(*db, Cf::kLeafIndex, leaf_hashes, "leaf index");
}

absl::StatusOr<std::vector<uint64_t>> Store::FindByDigest(const Hash& sha256,
                                                          size_t limit) const {
  std::vector<uint64_t> indexes;
  if (limit == 0) return indexes;
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  const internal::Db& db = *held;
  rocksdb::ReadOptions read = VerifiedReadOptions();
  // The digest is the prefix extractor's prefix: the bloom filter skips
  // files without it and the iterator stops at its end.
  read.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db->NewIterator(read, db.cf(Cf::kDigestIndex)));
  for (it->Seek(internal::DigestKey(sha256, 0));
       it->Valid() && indexes.size() < limit &&
       it->key().starts_with(internal::ToSlice(sha256.AsStringView()));
       it->Next()) {
    VITRINE_ASSIGN_OR_RETURN(
        uint64_t index, internal::DecodeDigestKeyIndex(internal::ToView(it->key())));
    indexes.push_back(index);
  }
  VITRINE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the digest index"));
  return indexes;
}

absl::StatusOr<std::string> Store::ReadTile(uint8_t level, uint64_t index,
                                            uint16_t min_width) const {
  if (min_width < 1 || min_width > merkle::kTileWidth) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile width ", min_width, " is outside 1..256"));
  }
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> tiles,
                           internal::MultiGetTiles(*db, {{level, index}}));
  std::optional<std::string>& bytes = tiles[0];
  if (!bytes.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("tile ", int{level}, "/", index, " is not stored"));
  }
  size_t size = bytes->size();
  if (size == 0 || size % merkle::kHashSize != 0 ||
      size > merkle::kTileWidth * merkle::kHashSize) {
    return absl::DataLossError(absl::StrCat("stored tile ", int{level}, "/",
                                            index, " has ", size, " bytes"));
  }
  if (size / merkle::kHashSize < min_width) {
    return absl::NotFoundError(absl::StrCat(
        "tile ", int{level}, "/", index, " has ", size / merkle::kHashSize,
        " hashes, fewer than ", min_width));
  }
  return *std::move(bytes);
}

absl::StatusOr<std::string> Store::ReadTileInterior(uint8_t level,
                                                    uint64_t index) const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  VITRINE_ASSIGN_OR_RETURN(
      std::vector<std::optional<std::string>> interiors,
      internal::MultiGetTiles(*db, {{level, index}}, Cf::kTileInteriors));
  if (!interiors[0].has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "no interior is stored for tile ", int{level}, "/", index));
  }
  if (interiors[0]->size() != merkle::kTileInteriorSize * merkle::kHashSize) {
    return absl::DataLossError(absl::StrCat(
        "the stored interior of tile ", int{level}, "/", index, " has ",
        interiors[0]->size(), " bytes"));
  }
  return *std::move(interiors[0]);
}

merkle::HashReader& Store::hash_reader() const { return *rep_->reader; }

uint64_t Store::DiskBytes() const {
  absl::StatusOr<std::shared_ptr<internal::Db>> held = rep_->db->Get();
  if (!held.ok()) return 0;
  rocksdb::DB& db = *(*held)->db;
  uint64_t total = 0;
  uint64_t sst = 0;
  if (db.GetAggregatedIntProperty(rocksdb::DB::Properties::kLiveSstFilesSize,
                                  &sst)) {
    total += sst;
  }
  rocksdb::VectorLogPtr wal_files;
  if (db.GetSortedWalFiles(wal_files).ok()) {
    for (const auto& file : wal_files) total += file->SizeFileBytes();
  }
  return total;
}

absl::Status Store::Recover() {
  {
    VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
    // Resume would keep the WAL whose write failed when no memtable holds
    // data, and the next write to it aborts the process (db.h).
    if (!db->wal_failed->load() || internal::ActiveMemtablesHoldData(*db)) {
      return FromRocksDb(db->db->Resume(), "resuming the store");
    }
  }
  // So the store is closed and opened again, in place: opening replays the
  // WAL (the failed write too, if it reached the file: the caller re-reads
  // the store and checks it against what it published) and starts a new
  // one. No memtable holds anything to lose. Commits wait for the writer's
  // lock; reads get Unavailable for the moment it takes.
  absl::MutexLock lock(&rep_->writer_mu);
  std::fprintf(stderr,
               "vitrine store: reopening %s to leave its failed write-ahead log\n",
               rep_->options.path.c_str());
  VITRINE_RETURN_IF_ERROR(rep_->db->Reopen(rep_->options, absl::Seconds(2)));
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  VITRINE_ASSIGN_OR_RETURN(uint64_t count, ReadEntryCount(*db));
  VITRINE_ASSIGN_OR_RETURN(uint64_t coverage, internal::ReadStatementCoverage(*db));
  rep_->entry_count.store(count);
  rep_->statement_coverage.store(coverage);
  VITRINE_ASSIGN_OR_RETURN(uint64_t vendors, internal::ReadVendorCoverage(*db));
  rep_->vendor_coverage.store(vendors);
  return absl::OkStatus();
}

absl::Status Store::Flush() {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  internal::Db& db = *held;
  rocksdb::FlushOptions options;
  options.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> families(
      db.handles.begin(), db.handles.begin() + static_cast<int>(Cf::kCount));
  return FromRocksDb(db.db->Flush(options, families), "flushing the store");
}

}  // namespace vitrine::storage
