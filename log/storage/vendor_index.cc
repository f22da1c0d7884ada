// The vendor index (store.h, "Layout"): each release statement listed under
// its vendor's key, read newest first, and how far it covers the log.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/storage/internal/db.h"
#include "log/storage/internal/keys.h"
#include "log/storage/internal/rocksdb_status.h"
#include "log/storage/internal/store_rep.h"
#include "log/storage/store.h"
#include "rocksdb/write_batch.h"

namespace vitrine::storage {

using internal::Cf;
using internal::FromRocksDb;
using merkle::Hash;

uint64_t Store::VendorIndexCoverage() const {
  return rep_->vendor_coverage.load();
}

absl::StatusOr<std::vector<uint64_t>> Store::VendorReleases(
    const Hash& vendor_key, uint64_t before, size_t limit) const {
  std::vector<uint64_t> indexes;
  if (limit == 0 || before == 0) return indexes;
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  const internal::Db& db = *held;
  // One vendor's keys are one contiguous run, ascending by index: walk it
  // backwards from `before` within bounds. Total order, so that the
  // backwards seek is well defined whatever the prefix extractor; the
  // bounds keep the walk inside this vendor's run.
  const std::string lower = internal::DigestKey(vendor_key, 0);
  const std::string upper = internal::DigestKey(vendor_key, before);
  rocksdb::Slice lower_slice(lower);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read = internal::VerifiedReadOptions();
  read.total_order_seek = true;
  read.iterate_lower_bound = &lower_slice;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db->NewIterator(read, db.cf(Cf::kVendorIndex)));
  for (it->SeekToLast(); it->Valid() && indexes.size() < limit; it->Prev()) {
    VITRINE_ASSIGN_OR_RETURN(
        uint64_t index,
        internal::DecodeDigestKeyIndex(internal::ToView(it->key())));
    indexes.push_back(index);
  }
  VITRINE_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the vendor index"));
  return indexes;
}

absl::Status Store::IndexVendors(uint64_t begin,
                                 absl::Span<const std::optional<Hash>> keys) {
  absl::MutexLock lock(&rep_->writer_mu);
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  internal::Db& db = *held;
  const uint64_t coverage = rep_->vendor_coverage.load();
  const uint64_t count = rep_->entry_count.load();
  if (begin != coverage || keys.size() > count - begin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot index vendors of entries [", begin, ", ", begin + keys.size(),
        "): the index covers [0, ", coverage, ") of ", count, " entries"));
  }
  rocksdb::WriteBatch write;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].has_value()) continue;
    // Idempotent: a key a Commit already wrote is written again as is.
    rocksdb::Status s = write.Put(db.cf(Cf::kVendorIndex),
                                  internal::DigestKey(*keys[i], begin + i), "");
    if (!s.ok()) return FromRocksDb(s, "building the vendor index batch");
  }
  const uint64_t end = begin + keys.size();
  rocksdb::Status s = write.Put(db.cf(Cf::kVendorIndex),
                                internal::ToSlice(internal::kVendorCoverageKey),
                                internal::IndexKey(end));
  if (!s.ok()) return FromRocksDb(s, "building the vendor index batch");
  rocksdb::WriteOptions options;
  options.sync = rep_->options.sync;
  VITRINE_RETURN_IF_ERROR(
      FromRocksDb(db.db->Write(options, &write), "writing the vendor index"));
  rep_->vendor_coverage.store(end);
  return absl::OkStatus();
}

}  // namespace vitrine::storage
