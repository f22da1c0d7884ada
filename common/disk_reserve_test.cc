#include "common/disk_reserve.h"

#include <cstdlib>
#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

using testing::StatusIs;

constexpr uint64_t kGiB = uint64_t{1} << 30;

// A file system whose free space the test sets, and a clock it moves.
struct FakeDisk {
  DiskSpace space{10 * kGiB, 100 * kGiB};
  absl::Status error;
  int measured = 0;
  absl::Time now = absl::FromUnixSeconds(1000);

  DiskReserveOptions Options(int64_t min_free_bytes) {
    DiskReserveOptions options;
    options.min_free_bytes = min_free_bytes;
    options.refresh = absl::Seconds(1);
    options.measure = [this](const std::string&) -> absl::StatusOr<DiskSpace> {
      ++measured;
      if (!error.ok()) return error;
      return space;
    };
    options.now = [this] { return now; };
    return options;
  }
};

TEST(DiskReserveTest, DefaultIsOneGibOrFivePercentButAtMostHalf) {
  EXPECT_EQ(DefaultReserveBytes(100 * kGiB), 5 * kGiB);
  EXPECT_EQ(DefaultReserveBytes(10 * kGiB), kGiB);
  EXPECT_EQ(DefaultReserveBytes(kGiB), kGiB / 2);
  EXPECT_EQ(DefaultReserveBytes(64 << 20), uint64_t{32} << 20);
  EXPECT_EQ(DefaultReserveBytes(0), 0u);
}

TEST(DiskReserveTest, RefusesBelowTheReserveWithTheFigures) {
  FakeDisk disk;
  DiskReserve reserve("/data", disk.Options(-1));  // 5 GiB of 100
  EXPECT_OK(reserve.Check());
  disk.space.free_bytes = 5 * kGiB - 1;
  disk.now += absl::Seconds(1);
  EXPECT_THAT(reserve.Check(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "disk nearly full: 5368709119 bytes free on /data, "
                       "reserve 5368709120"));
  const DiskReserve::Reading reading = reserve.Last();
  EXPECT_TRUE(reading.measured);
  EXPECT_EQ(reading.space.free_bytes, 5 * kGiB - 1);
  EXPECT_EQ(reading.reserve_bytes, 5 * kGiB);
  // Space comes back: writes go on by themselves.
  disk.space.free_bytes = 5 * kGiB;
  disk.now += absl::Seconds(1);
  EXPECT_OK(reserve.Check());
}

TEST(DiskReserveTest, AnExplicitReserveReplacesTheDefault) {
  FakeDisk disk;
  disk.space.free_bytes = 100;
  DiskReserve reserve("/data", disk.Options(101));
  EXPECT_THAT(reserve.Check(), StatusIs(absl::StatusCode::kResourceExhausted,
                                        "100 bytes free on /data, reserve 101"));
}

TEST(DiskReserveTest, MeasuresAtMostOncePerRefresh) {
  FakeDisk disk;
  DiskReserve reserve("/data", disk.Options(-1));
  for (int i = 0; i < 10; ++i) EXPECT_OK(reserve.Check());
  EXPECT_EQ(disk.measured, 1);
  disk.space.free_bytes = 0;  // not seen until the refresh is due
  disk.now += absl::Milliseconds(999);
  EXPECT_OK(reserve.Check());
  disk.now += absl::Milliseconds(1);
  EXPECT_FALSE(reserve.Check().ok());
  EXPECT_EQ(disk.measured, 2);
}

TEST(DiskReserveTest, ZeroTurnsTheReserveOff) {
  FakeDisk disk;
  disk.space.free_bytes = 0;
  DiskReserve reserve("/data", disk.Options(0));
  EXPECT_OK(reserve.Check());
  EXPECT_EQ(disk.measured, 0);
}

TEST(DiskReserveTest, AFileSystemThatCannotBeMeasuredDoesNotStopWrites) {
  FakeDisk disk;
  disk.error = absl::UnavailableError("cannot measure");
  DiskReserve reserve("/data", disk.Options(-1));
  EXPECT_OK(reserve.Check());
  const DiskReserve::Reading reading = reserve.Last();
  EXPECT_FALSE(reading.measured);
  EXPECT_THAT(reading.status,
              StatusIs(absl::StatusCode::kUnavailable, "cannot measure"));
}

TEST(DiskReserveTest, MeasuresARealFileSystem) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  ASSERT_OK_AND_ASSIGN(DiskSpace space, MeasureFileSystem(tmp));
  EXPECT_GT(space.total_bytes, 0u);
  EXPECT_LE(space.free_bytes, space.total_bytes);
  EXPECT_THAT(MeasureFileSystem("/no/such/folder/here").status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       "cannot measure the file system of /no/such/folder/here"));
}

}  // namespace
}  // namespace vitrine
