#include "monitor/gossip/proof_fetcher.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"

namespace vitrine::monitor {
namespace {

// A "log" whose proof from a to b is one hash, HashLeaf("a-b"), and that
// counts its calls.
class FakeLog {
 public:
  ProofFetcher::FetchFn Fn() {
    return [this](const std::string& origin, uint64_t old_size,
                  uint64_t new_size)
               -> absl::StatusOr<std::vector<merkle::Hash>> {
      ++calls;
      if (gate != nullptr) gate->WaitForNotification();
      if (origin == "down.example/log") {
        return absl::UnavailableError("log down");
      }
      return std::vector<merkle::Hash>{Proof(old_size, new_size)};
    };
  }
  static merkle::Hash Proof(uint64_t a, uint64_t b) {
    return merkle::HashLeaf(std::to_string(a) + "-" + std::to_string(b));
  }

  std::atomic<int> calls{0};
  absl::Notification* gate = nullptr;
};

constexpr char kPeerA[] = "ipv4:10.0.0.1:4000";
constexpr char kPeerB[] = "ipv4:10.0.0.2:4000";

TEST(ProofFetcherTest, OneFetchPerQuestionThenCached) {
  FakeLog log;
  ProofFetcher fetcher(log.Fn(), {});
  EXPECT_EQ(fetcher.Lookup("a.example/log", 5, 9, kPeerA).state,
            ProofLookup::kQueued);
  ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  for (int i = 0; i < 100; ++i) {
    ProofLookup got = fetcher.Lookup("a.example/log", 5, 9,
                                     i % 2 ? kPeerA : kPeerB);
    ASSERT_EQ(got.state, ProofLookup::kReady);
    ASSERT_TRUE(got.proof.ok());
    EXPECT_EQ(*got.proof, std::vector<merkle::Hash>{FakeLog::Proof(5, 9)});
  }
  EXPECT_EQ(log.calls.load(), 1);
  ProofFetcherStats stats = fetcher.Stats();
  EXPECT_EQ(stats.queued, 1u);
  EXPECT_EQ(stats.ready, 100u);
  EXPECT_EQ(stats.fetched, 1u);
}

TEST(ProofFetcherTest, LookupNeverWaitsForTheLogAndJoinsPendingFetches) {
  FakeLog log;
  absl::Notification gate;
  log.gate = &gate;
  ProofFetcher fetcher(log.Fn(), {});
  const absl::Time start = absl::Now();
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 2, kPeerA).state,
            ProofLookup::kQueued);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(fetcher.Lookup("a.example/log", 1, 2, kPeerB).state,
              ProofLookup::kPending);
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_FALSE(fetcher.WaitIdle(absl::Milliseconds(50)));
  gate.Notify();
  ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 2, kPeerB).state,
            ProofLookup::kReady);
  EXPECT_EQ(log.calls.load(), 1);
  EXPECT_EQ(fetcher.Stats().pending, 1000u);
}

TEST(ProofFetcherTest, NewFetchesAreChargedToThePeersAddress) {
  FakeLog log;
  ProofFetcherOptions options;
  options.peer_rate = 0.001;  // No refill within the test.
  options.peer_burst = 3;
  ProofFetcher fetcher(log.Fn(), options);
  for (uint64_t size = 10; size < 13; ++size) {
    EXPECT_EQ(fetcher.Lookup("a.example/log", 1, size, kPeerA).state,
              ProofLookup::kQueued);
  }
  // Another connection from the same address shares its budget.
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 13, "ipv4:10.0.0.1:4001").state,
            ProofLookup::kOverBudget);
  // Another address has its own.
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 13, kPeerB).state,
            ProofLookup::kQueued);
  ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  // What is cached costs nothing: the spent peer still gets it.
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 13, kPeerA).state,
            ProofLookup::kReady);
  EXPECT_EQ(log.calls.load(), 4);
  EXPECT_EQ(fetcher.Stats().over_budget, 1u);
}

TEST(ProofFetcherTest, TheQueueIsBounded) {
  FakeLog log;
  absl::Notification gate;
  log.gate = &gate;
  ProofFetcherOptions options;
  options.max_queued = 2;
  ProofFetcher fetcher(log.Fn(), options);
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 2, kPeerA).state,
            ProofLookup::kQueued);
  // The thread takes the first one and blocks in the log.
  while (log.calls.load() == 0) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 3, kPeerA).state,
            ProofLookup::kQueued);
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 4, kPeerB).state,
            ProofLookup::kQueued);
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 5, kPeerB).state,
            ProofLookup::kQueueFull);
  gate.Notify();
  ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(fetcher.Stats().queue_full, 1u);
  EXPECT_EQ(log.calls.load(), 3);
}

TEST(ProofFetcherTest, ErrorsAreKeptThenAskedAgain) {
  FakeLog log;
  ProofFetcherOptions options;
  options.retry_after = absl::Seconds(1);
  ProofFetcher fetcher(log.Fn(), options);
  fetcher.Lookup("down.example/log", 1, 2, kPeerA);
  ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  ProofLookup got = fetcher.Lookup("down.example/log", 1, 2, kPeerA);
  ASSERT_EQ(got.state, ProofLookup::kReady);
  EXPECT_EQ(got.proof.status(), absl::UnavailableError("log down"));
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_EQ(fetcher.Lookup("down.example/log", 1, 2, kPeerA).state,
            ProofLookup::kQueued);
  ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  EXPECT_EQ(log.calls.load(), 2);
  EXPECT_EQ(fetcher.Stats().failed, 2u);
}

TEST(ProofFetcherTest, TheCacheIsBounded) {
  FakeLog log;
  ProofFetcherOptions options;
  options.max_cached = 2;
  ProofFetcher fetcher(log.Fn(), options);
  for (uint64_t size = 2; size < 5; ++size) {
    fetcher.Lookup("a.example/log", 1, size, kPeerA);
    ASSERT_TRUE(fetcher.WaitIdle(absl::Seconds(10)));
  }
  // The oldest answer (1 to 2) was dropped; the two newest are kept.
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 4, kPeerA).state,
            ProofLookup::kReady);
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 3, kPeerA).state,
            ProofLookup::kReady);
  EXPECT_EQ(fetcher.Lookup("a.example/log", 1, 2, kPeerA).state,
            ProofLookup::kQueued);
}

}  // namespace
}  // namespace vitrine::monitor
