#include "log/storage/internal/rocksdb_status.h"

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::storage::internal {
namespace {

using ::vitrine::testing::StatusIs;
using Code = absl::StatusCode;

TEST(FromRocksDbTest, MapsEachCode) {
  EXPECT_OK(FromRocksDb(rocksdb::Status::OK(), "x"));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::Corruption("block checksum"), "x"),
              StatusIs(Code::kDataLoss, "block checksum"));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::NotFound(), "x"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::InvalidArgument(), "x"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::NotSupported(), "x"),
              StatusIs(Code::kUnimplemented));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::IOError("lock held"), "x"),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::NoSpace(), "x"),
              StatusIs(Code::kResourceExhausted));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::PathNotFound(), "x"),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::Busy(), "x"),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::TimedOut(), "x"),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::TryAgain(), "x"),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::ShutdownInProgress(), "x"),
              StatusIs(Code::kUnavailable));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::Aborted(), "x"),
              StatusIs(Code::kAborted));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::Expired(), "x"),
              StatusIs(Code::kDeadlineExceeded));
  EXPECT_THAT(FromRocksDb(rocksdb::Status::MergeInProgress(), "x"),
              StatusIs(Code::kInternal));
}

TEST(FromRocksDbTest, MessageStartsWithTheContext) {
  absl::Status status =
      FromRocksDb(rocksdb::Status::Corruption("bad block"), "reading entry 7");
  EXPECT_EQ(status.message(), "reading entry 7: Corruption: bad block");
}

}  // namespace
}  // namespace vitrine::storage::internal
