#include "common/log_limiter.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

class LogLimiterTest : public ::testing::Test {
 protected:
  LogLimiter Make(uint64_t lines, size_t max_peers = 100) {
    LogLimiterOptions options;
    options.lines_per_window = lines;
    options.window = absl::Minutes(1);
    options.max_peers = max_peers;
    return LogLimiter(options, [this] { return now_; });
  }

  absl::Time now_ = absl::FromUnixSeconds(1800000000);
};

TEST_F(LogLimiterTest, WritesNLinesPerWindowThenReportsTheRest) {
  LogLimiter limiter = Make(3);
  for (int i = 0; i < 3; ++i) {
    const LogLimiter::Admission admission = limiter.Admit("10.0.0.1");
    EXPECT_TRUE(admission.write) << i;
    EXPECT_EQ(admission.suppressed, 0u) << i;
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Admit("10.0.0.1").write);
  // Another peer has its own limit.
  EXPECT_TRUE(limiter.Admit("10.0.0.2").write);

  now_ += absl::Seconds(59);
  EXPECT_FALSE(limiter.Admit("10.0.0.1").write);
  now_ += absl::Seconds(1);
  const LogLimiter::Admission next = limiter.Admit("10.0.0.1");
  EXPECT_TRUE(next.write);
  EXPECT_EQ(next.suppressed, 6u);
  const LogLimiter::Admission after = limiter.Admit("10.0.0.1");
  EXPECT_TRUE(after.write);
  EXPECT_EQ(after.suppressed, 0u);
}

TEST_F(LogLimiterTest, MemoryIsBoundedAndAFloodSharesOneBucket) {
  LogLimiter limiter = Make(2, /*max_peers=*/3);
  for (int peer = 0; peer < 3; ++peer) {
    EXPECT_TRUE(limiter.Admit(absl::StrCat("p", peer)).write);
  }
  EXPECT_EQ(limiter.tracked_peers(), 3u);
  // The table is full and every window is young: new peers share a bucket.
  EXPECT_TRUE(limiter.Admit("q0").write);
  EXPECT_TRUE(limiter.Admit("q1").write);
  EXPECT_FALSE(limiter.Admit("q2").write);
  EXPECT_EQ(limiter.tracked_peers(), 3u);

  // Once their windows are over, quiet peers are forgotten for new ones.
  now_ += absl::Minutes(1);
  const LogLimiter::Admission admission = limiter.Admit("q3");
  EXPECT_TRUE(admission.write);
  EXPECT_EQ(admission.suppressed, 0u);
  EXPECT_EQ(limiter.tracked_peers(), 1u);
}

TEST_F(LogLimiterTest, APeerWithSuppressedLinesIsNotForgotten) {
  LogLimiter limiter = Make(1, /*max_peers=*/1);
  EXPECT_TRUE(limiter.Admit("noisy").write);
  EXPECT_FALSE(limiter.Admit("noisy").write);
  now_ += absl::Minutes(2);
  EXPECT_TRUE(limiter.Admit("other").write);  // the shared bucket
  EXPECT_EQ(limiter.tracked_peers(), 1u);
  const LogLimiter::Admission admission = limiter.Admit("noisy");
  EXPECT_TRUE(admission.write);
  EXPECT_EQ(admission.suppressed, 1u);
}

TEST_F(LogLimiterTest, CountsEveryLineFromManyThreads) {
  LogLimiter limiter = Make(100);
  std::vector<std::thread> threads;
  std::vector<int> written(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&limiter, &written, t] {
      for (int i = 0; i < 1000; ++i) written[t] += limiter.Admit("peer").write;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(written[0] + written[1] + written[2] + written[3], 100);
  now_ += absl::Minutes(1);
  EXPECT_EQ(limiter.Admit("peer").suppressed, 3900u);
}

}  // namespace
}  // namespace vitrine
