// The statement index (store.h, "Layout"): statement identity -> the first
// entry with that statement text, and how far it covers the log.
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
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

absl::StatusOr<std::vector<std::optional<uint64_t>>> Store::FindStatements(
    absl::Span<const Hash> statement_ids) const {
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  return internal::MultiGetIndexes(*db, Cf::kStatementIndex, statement_ids,
                                   "statement index");
}

uint64_t Store::StatementIndexCoverage() const {
  return rep_->statement_coverage.load();
}

absl::Status Store::IndexStatements(
    uint64_t begin, absl::Span<const std::optional<Hash>> ids) {
  absl::MutexLock lock(&rep_->writer_mu);
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> held, rep_->db->Get());
  internal::Db& db = *held;
  const uint64_t coverage = rep_->statement_coverage.load();
  const uint64_t count = rep_->entry_count.load();
  if (begin != coverage || ids.size() > count - begin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot index statements [", begin, ", ", begin + ids.size(),
        "): the index covers [0, ", coverage, ") of ", count, " entries"));
  }
  // An identity seen twice (an old log that held one statement text
  // twice) keeps its first index: look up what is stored, and remember
  // what this call adds.
  std::vector<Hash> present;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].has_value()) {
      present.push_back(*ids[i]);
      where.push_back(i);
    }
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<uint64_t>> stored,
                           FindStatements(present));
  absl::flat_hash_map<Hash, uint64_t> added;
  rocksdb::WriteBatch write;
  for (size_t k = 0; k < present.size(); ++k) {
    if (stored[k].has_value() || added.contains(present[k])) continue;
    const uint64_t index = begin + where[k];
    added.emplace(present[k], index);
    rocksdb::Status s =
        write.Put(db.cf(Cf::kStatementIndex),
                  internal::ToSlice(present[k].AsStringView()),
                  internal::IndexKey(index));
    if (!s.ok()) return FromRocksDb(s, "building the statement index batch");
  }
  const uint64_t end = begin + ids.size();
  rocksdb::Status s = write.Put(
      db.cf(Cf::kStatementIndex),
      internal::ToSlice(internal::kStatementCoverageKey), internal::IndexKey(end));
  if (!s.ok()) return FromRocksDb(s, "building the statement index batch");
  rocksdb::WriteOptions options;
  options.sync = rep_->options.sync;
  VITRINE_RETURN_IF_ERROR(FromRocksDb(db.db->Write(options, &write),
                                      "writing the statement index"));
  rep_->statement_coverage.store(end);
  return absl::OkStatus();
}

}  // namespace vitrine::storage
