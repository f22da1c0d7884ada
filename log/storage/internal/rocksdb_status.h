// The one place where a rocksdb::Status becomes an absl::Status (STYLE.md
// habit 7): every storage call site converts through here, so that callers
// above log/storage see only absl codes and never RocksDB's. The only user
// outside log/storage is the rebuilder's progress store
// (rebuilder/progress_store.cc), a RocksDB of its own.
//
//   rocksdb::Status s = db->Get(options, cf, key, &value);
//   if (!s.ok()) return internal::FromRocksDb(s, "reading entry 7");
//
// Codes, chosen by the guidance in absl/status/status.h:
//   Corruption (checksum mismatch, bad block, bad WAL record) -> DataLoss
//   IOError: out of space -> ResourceExhausted; path not found -> NotFound;
//     any other (a held LOCK, a failed read or fsync) -> Unavailable: the
//     store cannot serve until the process or an operator acts
//   Busy, TimedOut, TryAgain, ShutdownInProgress -> Unavailable
//   Incomplete because of a memory limit -> ResourceExhausted
//   NotFound -> NotFound; InvalidArgument -> InvalidArgument;
//   NotSupported -> Unimplemented; Aborted -> Aborted;
//   Expired -> DeadlineExceeded; anything else -> Internal.
//
// Pure function: thread-safe.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_ROCKSDB_STATUS_H_
#define VITRINE_LOG_STORAGE_INTERNAL_ROCKSDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace vitrine::storage::internal {

// Returns `status` as an absl::Status (OK for OK) whose message is
// "<context>: <RocksDB's message>".
absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view context);

}  // namespace vitrine::storage::internal

#endif  // VITRINE_LOG_STORAGE_INTERNAL_ROCKSDB_STATUS_H_
