// A write that fails for I/O (issue 14). Where the test may mount (root),
// the log's data lives on a 24 MiB tmpfs that it fills: ENOSPC in the
// middle of a write-ahead log append. RocksDB's info LOG beside the data
// then fails too, and the next message written to it (RocksDB reports the
// error and its retries) hit an assertion Debian's RocksDB keeps: the whole
// process aborted, reads included. The store now logs to stderr. Elsewhere
// a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) makes the WAL append
// fail with EFBIG instead. Either way: the failed commit stops writes with
// the reason, reads go on, SIGTERM exits 0, and a restarted log holds
// exactly what it acknowledged. On the tmpfs, once it is made larger, the
// same process takes writes again by itself, and the checkpoints it had
// published keep their roots.
#include <sys/mount.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/signer.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kVendor[] = "example.com/write-vendor";
// KiB the log's files may grow to: the WAL reaches it after a few thousand
// statements, long before the first memtable flush.
constexpr int kFileSizeLimitKib = 2048;

class WriteFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = FreshDir("log");
    ASSERT_FALSE(InitLog(data_, "example.com/write-log").empty());
    const note::GeneratedKey vendor =
        note::GenerateKey(kVendor, note::SignatureType::kEd25519).value();
    WriteFileOrDie(data_ + "/vendors", vendor.verifier_key + "\n");
    signer_ = note::NewSigner(vendor.signer_key).value();
  }

  void Connect(const ServerProcess& log) {
    stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
        log.grpc_address(), grpc::InsecureChannelCredentials()));
  }

  // Adds 100 statements; the number acknowledged, and the first error.
  int AddHundred(int first, std::string* error) {
    vitrine::v1::AddRequest request;
    for (int i = first; i < first + 100; ++i) {
      note::Statement statement{kVendor, absl::StrCat("tool-", i), "1.0",
                                merkle::HashLeaf(absl::StrCat(i)),
                                std::nullopt};
      request.add_statements(note::SignStatement(statement, *signer_).value());
    }
    vitrine::v1::AddResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    const grpc::Status status = stub_->Add(&context, request, &response);
    if (!status.ok()) {
      *error = status.error_message();
      return 0;
    }
    int ok = 0;
    for (const vitrine::v1::AddResult& result : response.results()) {
      if (result.has_bundle()) {
        ++ok;
      } else if (error->empty()) {
        *error = result.error().message();
      }
    }
    return ok;
  }

  uint64_t TreeSize() {
    vitrine::v1::GetCheckpointRequest request;
    vitrine::v1::GetCheckpointResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->GetCheckpoint(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.checkpoint().size();
  }

  std::string data_;
  std::unique_ptr<note::Signer> signer_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
};

TEST_F(WriteFailureTest, AFailedCommitStopsWritesKeepsReadsAndExitsCleanly) {
  const std::string small = FreshDir("small");
  const bool on_tmpfs =
      mount("tmpfs", small.c_str(), "tmpfs", 0, "size=24m") == 0;
  std::string script;
  if (on_tmpfs) {
    data_ = small + "/log";
    ASSERT_FALSE(InitLog(data_, "example.com/write-log").empty());
    const note::GeneratedKey vendor =
        note::GenerateKey(kVendor, note::SignatureType::kEd25519).value();
    WriteFileOrDie(data_ + "/vendors", vendor.verifier_key + "\n");
    signer_ = note::NewSigner(vendor.signer_key).value();
  } else {
    // bash sets the limit and ignores SIGXFSZ (both inherited), then
    // becomes vitrine-log.
    script = absl::StrCat("trap '' XFSZ; ulimit -f ", kFileSizeLimitKib, "; ");
  }
  absl::StrAppend(&script, "exec '", BinaryPath("log/server/vitrine-log"),
                  "' serve --data='", data_,
                  "' --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 "
                  "--min_free_bytes=0 --vendor_rate_per_second=1000000 "
                  "--vendor_burst=1000000");
  ServerProcess log = ServerProcess::Start("/bin/bash", {"-c", script}, "data:");
  ASSERT_TRUE(log.running()) << log.startup_output();
  Connect(log);

  // Concurrent clients, as a busy log has: batches of many requests, and a
  // failed one with many statements in flight.
  std::atomic<int> acknowledged_count{0};
  std::atomic<int> next{0};
  std::mutex error_mu;
  std::string error;
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        std::string failed;
        acknowledged_count += AddHundred(next.fetch_add(100), &failed);
        if (!failed.empty()) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (error.empty()) error = failed;
          return;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  int acknowledged = acknowledged_count.load();
  ASSERT_FALSE(error.empty()) << "the file system never filled";
  EXPECT_TRUE(absl::StrContains(error, "commit of tree size")) << error;
  EXPECT_TRUE(absl::StrContains(error, on_tmpfs ? "No space left on device"
                                                : "File too large"))
      << error;
  EXPECT_GT(acknowledged, 0);

  // Writes stay stopped, with the reason; reads go on.
  std::string again;
  EXPECT_EQ(AddHundred(next.fetch_add(100), &again), 0);
  EXPECT_FALSE(again.empty());
  EXPECT_EQ(TreeSize(), static_cast<uint64_t>(acknowledged));

  // Reads keep being served while RocksDB's own error handling runs in the
  // background (it retries, on a timer, a write that failed for space, and
  // logs each attempt: RocksDB flushes its log every 5 s).
  absl::SleepFor(absl::Seconds(8));
  EXPECT_EQ(TreeSize(), static_cast<uint64_t>(acknowledged));

  if (on_tmpfs) {
    // Room again: the same process takes writes by itself (RocksDB wants
    // 64 MiB free before it resumes), after checking the store against
    // what it published, and no size gets a second root.
    vitrine::v1::GetCheckpointRequest at;
    at.set_at_most_size(static_cast<uint64_t>(acknowledged));
    vitrine::v1::GetCheckpointResponse before;
    {
      grpc::ClientContext context;
      ASSERT_TRUE(stub_->GetCheckpoint(&context, at, &before).ok());
    }
    ASSERT_EQ(mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT, "size=160m"), 0);
    // The first Add to meet the stopped log asks it to try; statements of
    // a call that arrive once it resumed are taken.
    int added = 0;
    int last = 0;
    std::string refused;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (last != 100 && absl::Now() < deadline) {
      refused.clear();
      last = AddHundred(next.fetch_add(100), &refused);
      added += last;
      if (last != 100) absl::SleepFor(absl::Milliseconds(200));
    }
    ASSERT_EQ(last, 100) << refused;
    EXPECT_EQ(TreeSize(), static_cast<uint64_t>(acknowledged + added));
    vitrine::v1::GetCheckpointResponse after;
    {
      grpc::ClientContext context;
      ASSERT_TRUE(stub_->GetCheckpoint(&context, at, &after).ok());
    }
    EXPECT_EQ(after.checkpoint().note(), before.checkpoint().note());
    acknowledged += added;
  }

  // SIGTERM: a clean exit, not RocksDB's abort() on its failed WAL writer.
  EXPECT_EQ(log.Stop(), 0);

  // A restarted log holds exactly what it acknowledged and takes writes
  // (on the file-size limit's side, only a restart without it helps).
  {
    ServerProcess restarted = StartLog(
        data_, {"--vendor_rate_per_second=1000000", "--vendor_burst=1000000"});
    ASSERT_TRUE(restarted.running()) << restarted.startup_output();
    Connect(restarted);
    EXPECT_EQ(TreeSize(), static_cast<uint64_t>(acknowledged));
    std::string after;
    EXPECT_EQ(AddHundred(next.fetch_add(100), &after), 100) << after;
    EXPECT_EQ(TreeSize(), static_cast<uint64_t>(acknowledged) + 100);
    EXPECT_EQ(restarted.Stop(), 0);
  }
  stub_.reset();
  if (on_tmpfs) umount2(small.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace vitrine::tests
