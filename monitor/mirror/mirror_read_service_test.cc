// The monitor's Log service over a real gRPC server on 127.0.0.1, serving a
// verified copy that a real Follower keeps up with a real log (the Log
// service over RocksDB in TEST_TMPDIR, log_service_testing.h): entries and
// checkpoints as the log's own bytes, and every code of the contract in
// mirror_read_service.h.
#include "monitor/mirror/mirror_read_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/server/log_service_testing.h"
#include "monitor/follow/follower.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/witness/witness_testing.h"

namespace vitrine::monitor {
namespace {

using server::testing::ClientContext;
using server::testing::kOrigin;
using Entries = std::vector<vitrine::v1::Entry>;

// Reads GetEntries [start, end) of `origin` from `stub`.
Entries ReadEntries(vitrine::v1::Log::Stub& stub, uint64_t start, uint64_t end,
                    grpc::Status* status, const std::string& origin = "") {
  vitrine::v1::GetEntriesRequest request;
  request.set_start(start);
  request.set_end(end);
  request.set_origin(origin);
  auto context = ClientContext();
  auto reader = stub.GetEntries(context.get(), request);
  Entries entries;
  vitrine::v1::Entry entry;
  while (reader->Read(&entry)) entries.push_back(entry);
  *status = reader->Finish();
  return entries;
}

// Returns the wire bytes of each entry: what "byte for byte" compares.
std::vector<std::string> Wire(const Entries& entries) {
  std::vector<std::string> out;
  for (const vitrine::v1::Entry& entry : entries) {
    out.push_back(entry.SerializeAsString());
  }
  return out;
}

class MirrorReadServiceTest : public server::testing::LogServiceFixture {
 protected:
  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(copy_, VerifiedCopy::Open(dir_ + "/copy",
                                                   log_key_.verifier_key));
    StartMirror();
  }

  void TearDown() override {
    follower_.reset();
    StopMirror();
    copy_.reset();
    LogServiceFixture::TearDown();
  }

  void StartMirror() {
    mirror_ = std::make_unique<MirrorReadService>(
        MirroredLogs({{copy_.get(), address_}}));
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(mirror_.get());
    mirror_server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    mirror_stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void StopMirror() {
    if (mirror_ != nullptr) mirror_->Shutdown();
    if (mirror_server_ != nullptr) mirror_server_->Shutdown();
    mirror_server_.reset();
    mirror_.reset();
  }

  // Adds `n` statements in requests of at most 250 (several checkpoints).
  void AddStatements(int n) {
    for (int first = 0; first < n; first += 250) {
      std::vector<std::string> statements;
      for (int i = first; i < std::min(n, first + 250); ++i) {
        statements.push_back(Statement(i % 4, absl::StrCat("tool-", next_++)));
      }
      vitrine::v1::AddResponse response;
      ASSERT_TRUE(Add(statements, &response).ok());
    }
  }

  // Follows the log until the copy holds `size` entries.
  void FollowTo(uint64_t size) {
    if (follower_ == nullptr) {
      FollowerOptions options;
      options.target = address_;
      options.log_vkey = log_key_.verifier_key;
      options.vendor_keys_file = dir_ + "/vendors";
      options.entries_per_fetch = 100;
      options.poll_interval = absl::Milliseconds(20);
      options.log_to_stderr = false;
      ASSERT_OK_AND_ASSIGN(follower_,
                           Follower::Create(options, copy_.get(), &alarm_, nullptr));
      follower_->Start();
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (copy_->Latest()->checkpoint.size < size && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(copy_->Latest()->checkpoint.size, size)
        << follower_->stats().last_error;
  }

  grpc::Status Checkpoint(vitrine::v1::Log::Stub& stub,
                          const vitrine::v1::GetCheckpointRequest& request,
                          vitrine::v1::Checkpoint* out) {
    vitrine::v1::GetCheckpointResponse response;
    grpc::Status status = stub.GetCheckpoint(ClientContext().get(), request, &response);
    *out = response.checkpoint();
    return status;
  }

  // Opens `note` with the log's key, as an endpoint would.
  uint64_t VerifiedSize(const std::string& note) {
    absl::StatusOr<note::VerifiedCheckpoint> opened =
        note::OpenCheckpoint(note, kOrigin, log_keys_);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? opened->checkpoint.size : ~uint64_t{0};
  }

  int next_ = 0;
  testing::FakeAlarm alarm_;
  std::unique_ptr<VerifiedCopy> copy_;
  std::unique_ptr<Follower> follower_;
  std::unique_ptr<MirrorReadService> mirror_;
  std::unique_ptr<grpc::Server> mirror_server_;
  std::unique_ptr<vitrine::v1::Log::Stub> mirror_stub_;
};

TEST_F(MirrorReadServiceTest, EntriesAreTheLogsByteForByte) {
  AddStatements(600);  // more than two of the stream's 256-entry reads
  FollowTo(600);
  for (const auto& [start, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 600}, {255, 513}, {599, 600}, {600, 600}}) {
    grpc::Status from_log, from_mirror;
    const Entries log = ReadEntries(*stub_, start, end, &from_log);
    const Entries mirror = ReadEntries(*mirror_stub_, start, end, &from_mirror,
                                       std::string(kOrigin));
    ASSERT_TRUE(from_log.ok()) << from_log.error_message();
    ASSERT_TRUE(from_mirror.ok()) << from_mirror.error_message();
    ASSERT_EQ(mirror.size(), end - start);
    EXPECT_EQ(Wire(mirror), Wire(log)) << start << ".." << end;
  }
}

TEST_F(MirrorReadServiceTest, CheckpointsVerifyUnderTheLogKey) {
  // The copy verifies 250 first (the log's latest when the follower
  // starts), then 300 and 500, and maybe sizes the log signed in between.
  AddStatements(250);
  FollowTo(250);
  AddStatements(50);
  FollowTo(300);
  vitrine::v1::Checkpoint latest, logs;
  ASSERT_TRUE(Checkpoint(*mirror_stub_, {}, &latest).ok());
  ASSERT_TRUE(Checkpoint(*stub_, {}, &logs).ok());
  EXPECT_EQ(latest.size(), 300u);
  EXPECT_EQ(VerifiedSize(latest.note()), 300u);
  EXPECT_EQ(latest.note(), logs.note());  // the log's bytes, not a re-signing

  AddStatements(200);
  FollowTo(500);
  // Below the head: the largest size <= at_most_size the copy verified,
  // one the log signed (the log answers the same note for that size).
  for (uint64_t at_most : {1u, 250u, 299u, 300u, 301u, 499u}) {
    vitrine::v1::GetCheckpointRequest request;
    request.set_at_most_size(at_most);
    request.set_origin(std::string(kOrigin));
    vitrine::v1::Checkpoint mirror, log;
    const grpc::Status status = Checkpoint(*mirror_stub_, request, &mirror);
    if (at_most < 250) {
      // Below the copy's first checkpoint.
      EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << at_most;
      continue;
    }
    ASSERT_TRUE(status.ok()) << at_most << ": " << status.error_message();
    EXPECT_LE(mirror.size(), at_most);
    EXPECT_GE(mirror.size(), at_most >= 300 ? 300u : 250u);
    EXPECT_EQ(VerifiedSize(mirror.note()), mirror.size());
    request.set_at_most_size(mirror.size());
    ASSERT_TRUE(Checkpoint(*stub_, request, &log).ok());
    EXPECT_EQ(mirror.note(), log.note()) << at_most;
  }
  vitrine::v1::GetCheckpointRequest beyond;
  beyond.set_at_most_size(1 << 20);
  ASSERT_TRUE(Checkpoint(*mirror_stub_, beyond, &latest).ok());
  EXPECT_EQ(latest.size(), 500u);
}

TEST_F(MirrorReadServiceTest, OnlyWhatWasVerifiedIsServed) {
  AddStatements(20);
  FollowTo(20);
  follower_->Stop();
  AddStatements(10);  // the log has 30; the copy stays at 20
  grpc::Status status;
  EXPECT_EQ(ReadEntries(*stub_, 0, 30, &status).size(), 30u);
  EXPECT_TRUE(ReadEntries(*mirror_stub_, 0, 30, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "end 30 is beyond the size this monitor verified 20");
  vitrine::v1::Checkpoint latest;
  ASSERT_TRUE(Checkpoint(*mirror_stub_, {}, &latest).ok());
  EXPECT_EQ(latest.size(), 20u);
}

TEST_F(MirrorReadServiceTest, NothingBeforeTheFirstVerifiedCheckpoint) {
  vitrine::v1::Checkpoint checkpoint;
  const grpc::Status status = Checkpoint(*mirror_stub_, {}, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "this monitor has verified no checkpoint of \"example.com/test-log\" yet");
  grpc::Status entries;
  EXPECT_TRUE(ReadEntries(*mirror_stub_, 0, 0, &entries).empty());
  EXPECT_TRUE(entries.ok());
  ReadEntries(*mirror_stub_, 0, 1, &entries);
  EXPECT_EQ(entries.error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(MirrorReadServiceTest, Codes) {
  AddStatements(12);
  FollowTo(12);
  vitrine::v1::Checkpoint checkpoint;
  grpc::Status status;

  // Another origin: NOT_FOUND naming it, for both reads.
  vitrine::v1::GetCheckpointRequest other;
  other.set_origin("example.com/other-log");
  status = Checkpoint(*mirror_stub_, other, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "no log \"example.com/other-log\" here: this monitor serves "
            "\"example.com/test-log\"");
  ReadEntries(*mirror_stub_, 0, 1, &status, "example.com/other-log");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  // Witnessed: not served by a monitor yet.
  vitrine::v1::GetCheckpointRequest witnessed;
  witnessed.set_witnessed(true);
  status = Checkpoint(*mirror_stub_, witnessed, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "not served by a monitor yet"))
      << status.error_message();

  // Ranges: as the log answers them.
  ReadEntries(*mirror_stub_, 5, 4, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "start 5 is after end 4");
  ReadEntries(*mirror_stub_, 0, 10001, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "at most 10000 entries per call"));
  ReadEntries(*mirror_stub_, 3, 13, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);

  // Add: read-only, names where to submit.
  vitrine::v1::AddRequest add;
  add.add_statements(Statement(0, "tool-new"));
  vitrine::v1::AddResponse added;
  status = mirror_stub_->Add(ClientContext().get(), add, &added);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("this is a monitor's verified copy, read-only: submit "
                         "statements to the log \"example.com/test-log\" at ",
                         address_));
  EXPECT_EQ(added.results_size(), 0);
  EXPECT_EQ(TreeSize(), 12u);  // nothing reached the log
}

TEST_F(MirrorReadServiceTest, OtherReadsAreUnimplementedForNow) {
  AddStatements(3);
  FollowTo(3);
  std::vector<grpc::Status> answers;
  {
    vitrine::v1::GetInclusionProofRequest request;
    request.set_leaf_index(0);
    vitrine::v1::GetInclusionProofResponse response;
    answers.push_back(mirror_stub_->GetInclusionProof(ClientContext().get(), request, &response));
  }
  {
    vitrine::v1::GetConsistencyProofRequest request;
    request.set_old_size(1);
    vitrine::v1::GetConsistencyProofResponse response;
    answers.push_back(
        mirror_stub_->GetConsistencyProof(ClientContext().get(), request, &response));
  }
  {
    vitrine::v1::FindByDigestRequest request;
    request.set_sha256(std::string(32, 'a'));
    vitrine::v1::FindByDigestResponse response;
    answers.push_back(mirror_stub_->FindByDigest(ClientContext().get(), request, &response));
  }
  {
    vitrine::v1::GetBundleRequest request;
    request.set_leaf_index(0);
    vitrine::v1::Bundle response;
    answers.push_back(mirror_stub_->GetBundle(ClientContext().get(), request, &response));
  }
  {
    auto context = ClientContext();
    auto reader = mirror_stub_->WatchCheckpoints(context.get(), {});
    vitrine::v1::Checkpoint checkpoint;
    EXPECT_FALSE(reader->Read(&checkpoint));
    answers.push_back(reader->Finish());
  }
  for (const grpc::Status& status : answers) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_TRUE(absl::StrContains(
        status.error_message(),
        absl::StrCat("is not served by a monitor yet (it serves GetCheckpoint and "
                     "GetEntries from its verified copy): ask the log "
                     "\"example.com/test-log\" at ",
                     address_)))
        << status.error_message();
  }
}

TEST_F(MirrorReadServiceTest, ShutdownAnswersUnavailable) {
  AddStatements(5);
  FollowTo(5);
  mirror_->Shutdown();
  vitrine::v1::Checkpoint checkpoint;
  EXPECT_EQ(Checkpoint(*mirror_stub_, {}, &checkpoint).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  grpc::Status status;
  ReadEntries(*mirror_stub_, 0, 5, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "the monitor is shutting down; retry after it restarts");
}

}  // namespace
}  // namespace vitrine::monitor
