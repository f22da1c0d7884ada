// StreamEntries over a real gRPC server on 127.0.0.1 and a Store in
// TEST_TMPDIR: chunks across read boundaries, the range checks, the end a
// shutdown flag gives a stream in flight, and the status on_done sees.
// (vitrine-log's and the monitor's own tests cover it behind their services.)
#include "log/serving/entries_stream.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::serving {
namespace {

using ::vitrine::testing::StatusIs;

// 600 entries: more than two reads of kEntriesPerRead.
constexpr uint64_t kSize = 600;

// GetEntries alone, as a server would wire it.
class EntriesOnly final : public vitrine::v1::Log::CallbackService {
 public:
  EntriesOnly(const storage::Store* store, uint64_t size) : size_(size) {
    source_.store = store;
    source_.stopping = &stopping_;
    source_.who = "the test server";
    source_.on_done = [this](const grpc::Status& status) {
      absl::MutexLock lock(&mu_);
      done_.push_back(status.error_code());
    };
  }
  grpc::ServerWriteReactor<vitrine::v1::Entry>* GetEntries(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetEntriesRequest* request) override {
    return StreamEntries(
        source_, request->start(), request->end(),
        CheckEntriesRange(request->start(), request->end(), size_, 1000,
                          "the test tree's size"));
  }
  std::vector<grpc::StatusCode> done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }
  std::atomic<bool> stopping_{false};

 private:
  const uint64_t size_;
  EntriesSource source_;
  absl::Mutex mu_;
  std::vector<grpc::StatusCode> done_ ABSL_GUARDED_BY(mu_);
};

class EntriesStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = storage::testing::FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(options));
    storage::testing::TestLog log(store_.get());
    for (uint64_t i = 0; i < kSize; ++i) {
      // Entries of ~1 KiB, so a stream outgrows one flow-control window.
      leaves_.push_back(absl::StrCat("leaf ", i, " ", std::string(1000, 'x')));
    }
    ASSERT_OK(log.Append(leaves_));
    service_ = std::make_unique<EntriesOnly>(store_.get(), kSize);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);  // the window stays at 64 KiB
    stub_ = vitrine::v1::Log::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(),
        args));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::vector<vitrine::v1::Entry> Read(uint64_t start, uint64_t end,
                                       grpc::Status* status) {
    vitrine::v1::GetEntriesRequest request;
    request.set_start(start);
    request.set_end(end);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    auto reader = stub_->GetEntries(&context, request);
    std::vector<vitrine::v1::Entry> entries;
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) entries.push_back(entry);
    *status = reader->Finish();
    return entries;
  }

  std::unique_ptr<storage::Store> store_;
  std::vector<std::string> leaves_;
  std::unique_ptr<EntriesOnly> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
};

TEST_F(EntriesStreamTest, StreamsEveryLeafAcrossReads) {
  for (const auto& [start, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, kSize}, {255, 257}, {511, kSize}, {7, 8}}) {
    grpc::Status status;
    std::vector<vitrine::v1::Entry> entries = Read(start, end, &status);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(entries.size(), end - start);
    for (uint64_t i = start; i < end; ++i) {
      EXPECT_EQ(entries[i - start].index(), i);
      EXPECT_EQ(entries[i - start].leaf(), leaves_[i]);
    }
  }
  grpc::Status status;
  EXPECT_TRUE(Read(kSize, kSize, &status).empty());
  EXPECT_TRUE(status.ok());
}

TEST_F(EntriesStreamTest, RangeChecks) {
  EXPECT_THAT(CheckEntriesRange(5, 4, 10, 100, "the size"),
              StatusIs(absl::StatusCode::kInvalidArgument, "start 5 is after end 4"));
  EXPECT_THAT(CheckEntriesRange(0, 101, 1000, 100, "the size"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "at most 100 entries per call, not 101; ask for [0, 100) first"));
  EXPECT_THAT(CheckEntriesRange(3, 11, 10, 100, "the log's size"),
              StatusIs(absl::StatusCode::kOutOfRange,
                       "end 11 is beyond the log's size 10"));
  EXPECT_OK(CheckEntriesRange(10, 10, 10, 100, "the size"));
  EXPECT_OK(CheckEntriesRange(0, 100, 100, 100, "the size"));
  // start + limit does not overflow the check.
  EXPECT_THAT(CheckEntriesRange(~uint64_t{0} - 1, ~uint64_t{0}, 10, 100, "the size"),
              StatusIs(absl::StatusCode::kOutOfRange));

  grpc::Status status;
  EXPECT_TRUE(Read(5, 4, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Read(0, kSize + 1, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "end 601 is beyond the test tree's size 600");
}

TEST_F(EntriesStreamTest, StoppingEndsAStreamInFlightWithTheResumeIndex) {
  vitrine::v1::GetEntriesRequest request;
  request.set_start(0);
  request.set_end(kSize);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto reader = stub_->GetEntries(&context, request);
  vitrine::v1::Entry entry;
  ASSERT_TRUE(reader->Read(&entry));  // the rest waits on flow control
  service_->stopping_ = true;
  uint64_t next = 1;
  while (reader->Read(&entry)) {
    ASSERT_EQ(entry.index(), next);
    ++next;
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(next, kSize);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("the test server is shutting down; resume with start ", next));
}

TEST_F(EntriesStreamTest, OnDoneSeesHowEachStreamEnded) {
  grpc::Status status;
  Read(0, 3, &status);
  Read(0, kSize + 1, &status);
  // OnDone may run just after the client saw the status.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (service_->done().size() < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(service_->done(),
              ::testing::UnorderedElementsAre(grpc::StatusCode::OK,
                                              grpc::StatusCode::OUT_OF_RANGE));
}

}  // namespace
}  // namespace vitrine::serving
