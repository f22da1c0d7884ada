#include "log/storage/testing/fault_file_system.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/file_system.h"
#include "rocksdb/io_status.h"

namespace vitrine::storage::testing {
namespace {

using rocksdb::DataVerificationInfo;
using rocksdb::FileOptions;
using rocksdb::FSRandomAccessFile;
using rocksdb::FSReadRequest;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

enum class Kind { kWal, kTable, kOther };

Kind KindOf(const std::string& name) {
  if (absl::EndsWith(name, ".log")) return Kind::kWal;
  if (absl::EndsWith(name, ".sst")) return Kind::kTable;
  return Kind::kOther;
}

// What RocksDB's POSIX file system returns for EIO (env/io_posix.h's
// IOError: "<context>: <file>" and strerror, no retryable flag, no scope),
// so that the store sees exactly what a failing disk would give it.
IOStatus Eio(IoFaults& faults, absl::string_view context,
             const std::string& name) {
  faults.injected.fetch_add(1);
  return IOStatus::IOError(absl::StrCat(context, ": ", name),
                           std::strerror(EIO));
}

class FaultWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::unique_ptr<FSWritableFile> file, std::string name,
                    Kind kind, std::shared_ptr<IoFaults> faults)
      : FSWritableFileOwnerWrapper(std::move(file)),
        name_(std::move(name)),
        kind_(kind),
        faults_(std::move(faults)) {}

  IOStatus Append(const Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    if (AppendFails()) return Eio(*faults_, "While appending to file", name_);
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    if (AppendFails()) return Eio(*faults_, "While appending to file", name_);
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            IODebugContext* dbg) override {
    if (AppendFails()) return Eio(*faults_, "While pwrite to file", name_);
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                        dbg);
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            const DataVerificationInfo& info,
                            IODebugContext* dbg) override {
    if (AppendFails()) return Eio(*faults_, "While pwrite to file", name_);
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                        info, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    if (SyncFails()) return Eio(*faults_, "While fdatasync", name_);
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    if (SyncFails()) return Eio(*faults_, "While fsync", name_);
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    if (SyncFails()) return Eio(*faults_, "While sync_file_range", name_);
    return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
  }

 private:
  bool AppendFails() const {
    return (kind_ == Kind::kWal && faults_->wal_append.load()) ||
           (kind_ == Kind::kTable && faults_->sst_write.load());
  }
  bool SyncFails() const {
    return (kind_ == Kind::kWal && faults_->wal_sync.load()) ||
           (kind_ == Kind::kTable && faults_->sst_write.load());
  }

  const std::string name_;
  const Kind kind_;
  const std::shared_ptr<IoFaults> faults_;
};

class FaultRandomAccessFile final
    : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  FaultRandomAccessFile(std::unique_ptr<FSRandomAccessFile> file,
                        std::string name, Kind kind,
                        std::shared_ptr<IoFaults> faults)
      : FSRandomAccessFileOwnerWrapper(std::move(file)),
        name_(std::move(name)),
        kind_(kind),
        faults_(std::move(faults)) {}

  IOStatus Read(uint64_t offset, size_t n, const IOOptions& options,
                Slice* result, char* scratch,
                IODebugContext* dbg) const override {
    if (ReadFails()) {
      *result = Slice();
      return Eio(*faults_,
                 absl::StrCat("While pread offset ", offset, " len ", n),
                 name_);
    }
    return FSRandomAccessFileOwnerWrapper::Read(offset, n, options, result,
                                                scratch, dbg);
  }
  IOStatus MultiRead(FSReadRequest* requests, size_t count,
                     const IOOptions& options, IODebugContext* dbg) override {
    if (ReadFails()) {
      for (size_t i = 0; i < count; ++i) {
        requests[i].result = Slice();
        requests[i].status = Eio(*faults_, "While pread", name_);
      }
      return IOStatus::OK();  // per-request statuses, as POSIX MultiRead does
    }
    return FSRandomAccessFileOwnerWrapper::MultiRead(requests, count, options,
                                                     dbg);
  }

 private:
  bool ReadFails() const {
    return kind_ == Kind::kTable && faults_->sst_read.load();
  }

  const std::string name_;
  const Kind kind_;
  const std::shared_ptr<IoFaults> faults_;
};

class FaultFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultFileSystem(std::shared_ptr<IoFaults> faults)
      : FileSystemWrapper(rocksdb::FileSystem::Default()),
        faults_(std::move(faults)) {}

  static const char* kClassName() { return "VitrineFaultFileSystem"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewWritableFile(const std::string& name, const FileOptions& options,
                           std::unique_ptr<FSWritableFile>* result,
                           IODebugContext* dbg) override {
    IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) Wrap(name, result);
    return s;
  }
  IOStatus ReopenWritableFile(const std::string& name,
                              const FileOptions& options,
                              std::unique_ptr<FSWritableFile>* result,
                              IODebugContext* dbg) override {
    IOStatus s = target()->ReopenWritableFile(name, options, result, dbg);
    if (s.ok()) Wrap(name, result);
    return s;
  }
  IOStatus ReuseWritableFile(const std::string& name,
                             const std::string& old_name,
                             const FileOptions& options,
                             std::unique_ptr<FSWritableFile>* result,
                             IODebugContext* dbg) override {
    IOStatus s =
        target()->ReuseWritableFile(name, old_name, options, result, dbg);
    if (s.ok()) Wrap(name, result);
    return s;
  }
  IOStatus NewRandomAccessFile(const std::string& name,
                               const FileOptions& options,
                               std::unique_ptr<FSRandomAccessFile>* result,
                               IODebugContext* dbg) override {
    const Kind kind = KindOf(name);
    if (kind == Kind::kTable && faults_->sst_read.load()) {
      return Eio(*faults_, "While open a file for random read", name);
    }
    IOStatus s = target()->NewRandomAccessFile(name, options, result, dbg);
    if (s.ok()) {
      *result = std::make_unique<FaultRandomAccessFile>(std::move(*result),
                                                        name, kind, faults_);
    }
    return s;
  }

 private:
  void Wrap(const std::string& name, std::unique_ptr<FSWritableFile>* file) {
    *file = std::make_unique<FaultWritableFile>(std::move(*file), name,
                                                KindOf(name), faults_);
  }

  const std::shared_ptr<IoFaults> faults_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewFaultFileSystem(
    std::shared_ptr<IoFaults> faults) {
  return std::make_shared<FaultFileSystem>(std::move(faults));
}

}  // namespace vitrine::storage::testing
