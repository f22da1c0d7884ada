// Changes a stored entry behind a log's back, the way an insider with
// write access to the disk would: through RocksDB itself, so that every
// checksum stays valid and only the log's tree can tell. For tests of
// those who audit a log (monitors); the store must not be open.
//
//   ASSERT_OK(OverwriteEntryForTest(config.StorePath(), 12, other_leaf));
//
// Not thread-safe (nothing else may have the store open).
#ifndef VITRINE_LOG_STORAGE_TESTING_TAMPER_H_
#define VITRINE_LOG_STORAGE_TESTING_TAMPER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vitrine::storage::testing {

// Replaces the leaf stored at `index` in the store at `store_path` (store.h
// "Layout": column family "entries", 8-byte big-endian key), synced.
// Internal with RocksDB's message when the store cannot be opened.
absl::Status OverwriteEntryForTest(const std::string& store_path, uint64_t index,
                                   absl::string_view leaf);

}  // namespace vitrine::storage::testing

#endif  // VITRINE_LOG_STORAGE_TESTING_TAMPER_H_
