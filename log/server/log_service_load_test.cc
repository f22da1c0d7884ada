// 16 client threads add 2,000 statements from 4 vendors concurrently, in
// requests of a few statements each; every answer must be a bundle with a
// distinct index whose proof verifies against its signed checkpoint, a
// watcher sees the checkpoints grow in order, and GetEntries streams back
// exactly what was logged.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "log/server/log_service_testing.h"

namespace vitrine::server::testing {
namespace {

constexpr int kThreads = 16;
constexpr int kStatements = 2000;

class LoadTest : public LogServiceFixture {};

TEST_F(LoadTest, SixteenThreadsAddTwoThousandStatements) {
  // Sign everything first: the test measures the log, not the clients.
  std::vector<std::string> statements;
  statements.reserve(kStatements);
  for (int i = 0; i < kStatements; ++i) {
    statements.push_back(Statement(i % vendors_.size(), absl::StrCat("pkg-", i),
                                   absl::StrCat("1.", i % 7)));
  }

  // A watcher, started before the load, records every checkpoint size.
  std::vector<uint64_t> watched;
  auto watch_context = ClientContext(absl::Seconds(60));
  std::unique_ptr<grpc::ClientReader<vitrine::v1::Checkpoint>> watch =
      stub_->WatchCheckpoints(watch_context.get(), {});
  std::thread watcher([&] {
    vitrine::v1::Checkpoint checkpoint;
    while (watch->Read(&checkpoint)) {
      watched.push_back(checkpoint.size());
      if (checkpoint.size() == kStatements) break;
    }
  });

  absl::Mutex mu;
  std::map<uint64_t, std::string> by_index;  // index -> statement
  std::vector<vitrine::v1::Bundle> bundles;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kThreads; ++t) {
    clients.emplace_back([&, t] {
      const int per_request = 1 + t % 4;  // 1..4 statements per request
      for (;;) {
        const int begin = next.fetch_add(per_request);
        if (begin >= kStatements) return;
        const int end = std::min(kStatements, begin + per_request);
        vitrine::v1::AddRequest request;
        for (int i = begin; i < end; ++i) request.add_statements(statements[i]);
        vitrine::v1::AddResponse response;
        grpc::Status status =
            stub_->Add(ClientContext().get(), request, &response);
        if (!status.ok() || response.results_size() != end - begin) {
          ADD_FAILURE() << status.error_message();
          failures++;
          continue;
        }
        absl::MutexLock lock(&mu);
        for (const vitrine::v1::AddResult& result : response.results()) {
          if (!result.has_bundle() || result.duplicate()) {
            ADD_FAILURE() << result.error().message();
            failures++;
            continue;
          }
          const auto [it, inserted] = by_index.emplace(
              result.bundle().leaf_index(), result.bundle().statement());
          if (!inserted) {
            ADD_FAILURE() << "index " << it->first << " given twice";
          }
          bundles.push_back(result.bundle());
        }
      }
    });
  }
  for (std::thread& c : clients) c.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(by_index.size(), static_cast<size_t>(kStatements));
  EXPECT_EQ(by_index.rbegin()->first, kStatements - 1u);  // 0..1999, distinct

  for (const vitrine::v1::Bundle& bundle : bundles) {
    ExpectBundleVerifies(bundle);
    if (HasFailure()) break;
  }

  watcher.join();
  ASSERT_FALSE(watched.empty());
  EXPECT_EQ(watched.back(), static_cast<uint64_t>(kStatements));
  for (size_t i = 1; i < watched.size(); ++i) {
    EXPECT_GT(watched[i], watched[i - 1]);
  }
  watch_context->TryCancel();

  // GetEntries streams exactly the logged leaves, in order.
  vitrine::v1::GetEntriesRequest request;
  request.set_start(0);
  request.set_end(kStatements);
  auto context = ClientContext();
  auto reader = stub_->GetEntries(context.get(), request);
  vitrine::v1::Entry entry;
  uint64_t expected = 0;
  while (reader->Read(&entry)) {
    ASSERT_EQ(entry.index(), expected);
    ASSERT_EQ(entry.leaf(), by_index[expected]);
    ++expected;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(expected, static_cast<uint64_t>(kStatements));

  // A client that cancels mid-stream ends it: the server stops writing.
  auto cancelled = ClientContext();
  reader = stub_->GetEntries(cancelled.get(), request);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(reader->Read(&entry));
  cancelled->TryCancel();
  int after_cancel = 0;
  while (reader->Read(&entry)) ++after_cancel;
  EXPECT_LT(after_cancel, kStatements - 5);
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace vitrine::server::testing
