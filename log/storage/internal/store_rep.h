// Store's private state (store.h), shared by the files that implement Store
// (store.cc, statement_index.cc, vendor_index.cc). Internal to log/storage.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_STORE_REP_H_
#define VITRINE_LOG_STORAGE_INTERNAL_STORE_REP_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "log/storage/internal/db.h"
#include "log/storage/internal/store_hash_reader.h"
#include "log/storage/store.h"
#include "log/storage/tile_cache.h"

namespace vitrine::storage {

struct Store::Rep {
  StoreOptions options;
  // Declared first so that it is closed last, after its users. Every call
  // takes a reference (db->Get()) for its length: Recover may reopen it.
  std::unique_ptr<internal::DbHolder> db;
  std::unique_ptr<TileCache> cache;
  std::unique_ptr<internal::StoreHashReader> reader;
  absl::Mutex writer_mu;
  // Serialises PutWitnessedCheckpoint's check-then-write; separate from
  // writer_mu so that a witnessed write never holds up a Commit.
  absl::Mutex witnessed_mu;
  // Published after each commit: readers never wait for the writer.
  std::atomic<uint64_t> entry_count{0};
  // Entries [0, statement_coverage) have their identities indexed; changed
  // under writer_mu (store.cc's Commit, statement_index.cc).
  std::atomic<uint64_t> statement_coverage{0};
  // Entries [0, vendor_coverage) have their releases in the vendor index;
  // changed under writer_mu (store.cc's Commit, vendor_index.cc).
  std::atomic<uint64_t> vendor_coverage{0};
};

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_INTERNAL_STORE_REP_H_
