#include "log/server/executor.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace vitrine::server {
namespace {

TEST(ExecutorTest, RunsEverythingBeforeDestruction) {
  std::atomic<int> ran{0};
  {
    Executor executor(2);
    for (int i = 0; i < 1000; ++i) executor.Schedule([&ran] { ran++; });
  }
  EXPECT_EQ(ran.load(), 1000);
}

TEST(ExecutorTest, OneThreadKeepsOrder) {
  std::vector<int> order;
  {
    Executor executor(1);
    for (int i = 0; i < 100; ++i) {
      executor.Schedule([&order, i] { order.push_back(i); });
    }
  }
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(ExecutorTest, TasksMayScheduleTasks) {
  std::atomic<int> ran{0};
  absl::Notification done;
  Executor executor(2);
  executor.Schedule([&] {
    ran++;
    executor.Schedule([&] {
      ran++;
      done.Notify();
    });
  });
  done.WaitForNotification();
  EXPECT_EQ(ran.load(), 2);
}

TEST(ExecutorTest, ScheduleFromManyThreads) {
  std::atomic<int> ran{0};
  {
    Executor executor(3);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) executor.Schedule([&ran] { ran++; });
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_EQ(ran.load(), 1600);
}

}  // namespace
}  // namespace vitrine::server
