#include "log/storage/internal/rocksdb_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace vitrine::storage::internal {
namespace {

absl::StatusCode CodeOf(const rocksdb::Status& status) {
  using Code = rocksdb::Status::Code;
  using SubCode = rocksdb::Status::SubCode;
  switch (status.code()) {
    case Code::kOk:
      return absl::StatusCode::kOk;
    case Code::kNotFound:
      return absl::StatusCode::kNotFound;
    case Code::kCorruption:
      return absl::StatusCode::kDataLoss;
    case Code::kNotSupported:
      return absl::StatusCode::kUnimplemented;
    case Code::kInvalidArgument:
      return absl::StatusCode::kInvalidArgument;
    case Code::kIOError:
      if (status.subcode() == SubCode::kNoSpace ||
          status.subcode() == SubCode::kSpaceLimit) {
        return absl::StatusCode::kResourceExhausted;
      }
      if (status.subcode() == SubCode::kPathNotFound) {
        return absl::StatusCode::kNotFound;
      }
      return absl::StatusCode::kUnavailable;
    case Code::kIncomplete:
      return status.subcode() == SubCode::kMemoryLimit
                 ? absl::StatusCode::kResourceExhausted
                 : absl::StatusCode::kInternal;
    case Code::kShutdownInProgress:
    case Code::kTimedOut:
    case Code::kBusy:
    case Code::kTryAgain:
      return absl::StatusCode::kUnavailable;
    case Code::kAborted:
      return absl::StatusCode::kAborted;
    case Code::kExpired:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      // MergeInProgress, CompactionTooLarge, ColumnFamilyDropped: states
      // this store never puts RocksDB in.
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(CodeOf(status),
                      absl::StrCat(context, ": ", status.ToString()));
}

}  // namespace vitrine::storage::internal
