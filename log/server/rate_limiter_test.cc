#include "log/server/rate_limiter.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::server {
namespace {

using ::vitrine::testing::StatusIs;

// A clock the test moves by hand. Thread-safe.
class FakeClock {
 public:
  absl::Time Now() {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  RateLimiter::Clock AsClock() {
    return [this] { return Now(); };
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST(RateLimiterTest, BurstThenRefill) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto limiter,
                       RateLimiter::Create({.rate_per_second = 10, .burst = 3},
                                           clock.AsClock()));
  EXPECT_OK(limiter->Acquire("example.com/acme"));
  EXPECT_OK(limiter->Acquire("example.com/acme", 2));
  EXPECT_THAT(limiter->Acquire("example.com/acme"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "vendor example.com/acme is over its rate limit (10 "
                       "statements/s, burst 3); retry in 100ms"));
  clock.Advance(absl::Milliseconds(250));  // 2.5 tokens
  EXPECT_OK(limiter->Acquire("example.com/acme", 2));
  EXPECT_THAT(limiter->Acquire("example.com/acme"),
              StatusIs(absl::StatusCode::kResourceExhausted, "retry in 50ms"));
  // A refused request took nothing: the half token is still there.
  clock.Advance(absl::Milliseconds(50));
  EXPECT_OK(limiter->Acquire("example.com/acme"));
}

TEST(RateLimiterTest, RefillStopsAtBurst) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto limiter,
                       RateLimiter::Create({.rate_per_second = 100, .burst = 5},
                                           clock.AsClock()));
  EXPECT_OK(limiter->Acquire("v", 5));
  clock.Advance(absl::Hours(1));
  EXPECT_OK(limiter->Acquire("v", 5));
  EXPECT_THAT(limiter->Acquire("v"),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(RateLimiterTest, VendorsAreIndependent) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto limiter,
                       RateLimiter::Create({.rate_per_second = 1, .burst = 1},
                                           clock.AsClock()));
  EXPECT_OK(limiter->Acquire("a"));
  EXPECT_THAT(limiter->Acquire("a"),
              StatusIs(absl::StatusCode::kResourceExhausted, "vendor a "));
  EXPECT_OK(limiter->Acquire("b"));
}

TEST(RateLimiterTest, MoreThanTheBurstNeverFits) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto limiter,
                       RateLimiter::Create({.rate_per_second = 10, .burst = 3},
                                           clock.AsClock()));
  EXPECT_THAT(limiter->Acquire("v", 4),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "more than its burst of 3"));
  EXPECT_OK(limiter->Acquire("v", 3));  // and nothing was taken before
}

TEST(RateLimiterTest, ClockSteppingBackDoesNotRefill) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto limiter,
                       RateLimiter::Create({.rate_per_second = 1, .burst = 1},
                                           clock.AsClock()));
  EXPECT_OK(limiter->Acquire("v"));
  clock.Advance(-absl::Hours(1));
  EXPECT_THAT(limiter->Acquire("v"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  clock.Advance(absl::Hours(1) + absl::Seconds(1));
  EXPECT_OK(limiter->Acquire("v"));
}

TEST(RateLimiterTest, ZeroRateIsUnlimited) {
  ASSERT_OK_AND_ASSIGN(auto limiter,
                       RateLimiter::Create({.rate_per_second = 0, .burst = 0}));
  for (int i = 0; i < 1000; ++i) ASSERT_OK(limiter->Acquire("v", 1000));
}

TEST(RateLimiterTest, BadOptions) {
  EXPECT_THAT(RateLimiter::Create({.rate_per_second = -1, .burst = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RateLimiter::Create({.rate_per_second = 1, .burst = 0.5}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Threads racing for one bucket get exactly the burst between them.
TEST(RateLimiterTest, ConcurrentAcquiresTakeExactlyTheBurst) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<RateLimiter> limiter,
      RateLimiter::Create({.rate_per_second = 1, .burst = 1000},
                          clock.AsClock()));
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter->Acquire("v").ok()) granted.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(granted.load(), 1000);
}

}  // namespace
}  // namespace vitrine::server
