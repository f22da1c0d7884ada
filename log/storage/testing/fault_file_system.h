// A file system for tests that makes the store's disk fail on demand (issue
// 14, "EIO injected on a sync and on a read"): the operating system's file
// system, except that while a switch is on, the operations it names fail
// with EIO, worded exactly as RocksDB's POSIX file system words a real one
// ("While fsync: <file>: Input/output error"). Nothing else is changed:
// the bytes that do get written are the real files'.
//
//   auto faults = std::make_shared<storage::testing::IoFaults>();
//   storage::StoreOptions options{.path = dir};
//   options.file_system = storage::testing::NewFaultFileSystem(faults);
//   ... Store::Open(options) ...
//   faults->wal_sync = true;    // every commit now fails
//   faults->wal_sync = false;   // the disk is back
//
// RocksDB types stay out of this header: the file system is handed over as
// the forward-declared rocksdb::FileSystem that StoreOptions takes.
//
// Thread-safety: the switches are atomics, flipped from any thread while
// RocksDB's threads read them; the file system is as thread-safe as the
// one it wraps.
#ifndef VITRINE_LOG_STORAGE_TESTING_FAULT_FILE_SYSTEM_H_
#define VITRINE_LOG_STORAGE_TESTING_FAULT_FILE_SYSTEM_H_

#include <atomic>
#include <cstdint>
#include <memory>

namespace rocksdb {
class FileSystem;
}  // namespace rocksdb

namespace vitrine::storage::testing {

// What fails while on. Files are told apart by RocksDB's names: write-ahead
// logs end in ".log", table (SST) files in ".sst".
struct IoFaults {
  // Sync and Fsync of write-ahead logs: a commit's fsync fails after its
  // bytes were appended (they may or may not reach the disk).
  std::atomic<bool> wal_sync{false};
  // Appends to write-ahead logs: a commit's write itself fails.
  std::atomic<bool> wal_append{false};
  // Appends, Sync, Fsync and RangeSync of table files: flushes and
  // compactions fail.
  std::atomic<bool> sst_write{false};
  // Reads of table files (Read, MultiRead, and opening one): reads that
  // miss the memtables and RocksDB's block cache fail.
  std::atomic<bool> sst_read{false};
  // How many operations have failed so far, for tests to check that the
  // fault was actually hit.
  std::atomic<uint64_t> injected{0};
};

// Returns the operating system's file system with `faults` applied; give
// it to StoreOptions::file_system. `faults` is shared with the caller, who
// flips it; it lives as long as the file system does.
std::shared_ptr<rocksdb::FileSystem> NewFaultFileSystem(
    std::shared_ptr<IoFaults> faults);

}  // namespace vitrine::storage::testing

#endif  // VITRINE_LOG_STORAGE_TESTING_FAULT_FILE_SYSTEM_H_
