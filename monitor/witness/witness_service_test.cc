// The Witness service on a real loopback gRPC server, driven through
// PushCheckpoint (as a log pushes) and through the raw stub: codes, the
// vitrine-witness-size trailer, limits, forks and restarts; and
// GetLatestCheckpoint, as a log restored from a backup asks it.
#include "monitor/witness/witness_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "monitor/witness/witness.h"
#include "monitor/witness/witness_client.h"
#include "monitor/witness/witness_testing.h"
#include "proto/vitrine/v1/witness_size.h"

namespace vitrine::monitor {
namespace {

using ::testing::SizeIs;
using ::vitrine::monitor::testing::FakeAlarm;
using ::vitrine::monitor::testing::NewTempDir;
using ::vitrine::monitor::testing::TestLog;
using ::vitrine::testing::StatusIs;

constexpr absl::Duration kDeadline = absl::Seconds(10);

class WitnessServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        witness_key_, note::GenerateKey("witness.example/w1",
                                        note::SignatureType::kCosignatureV1));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Verifier> verifier,
                         note::NewVerifier(witness_key_.verifier_key));
    ASSERT_OK(witness_keys_.Add(std::move(verifier)));
    dir_ = NewTempDir("witness-service");
    Start();
  }
  void TearDown() override { Stop(); }

  void Start() {
    ASSERT_OK_AND_ASSIGN(witness_,
                         Witness::OpenWithKey(witness_key_.signer_key,
                                              {log_.vkey()}, dir_, &alarm_));
    service_ = std::make_unique<WitnessService>(witness_.get(), budget_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    port_ = port;
    stub_ = vitrine::v1::Witness::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void Stop() {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    service_.reset();
    witness_.reset();
  }

  absl::StatusOr<std::vector<std::string>> Push(uint64_t old_size,
                                                uint64_t size,
                                                uint64_t* held) {
    return PushCheckpoint(*stub_, old_size, log_.Proof(old_size, size),
                          log_.Note(size), kDeadline, held);
  }

  // Sends a raw request; returns the status and the trailer ("" if none).
  grpc::Status Raw(const vitrine::v1::AddCheckpointRequest& request,
                   std::string* trailer,
                   vitrine::v1::AddCheckpointResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    grpc::Status status = stub_->AddCheckpoint(&context, request, response);
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(v1::kWitnessSizeTrailer);
    trailer->clear();
    if (it != trailers.end()) trailer->assign(it->second.data(), it->second.size());
    return status;
  }

  // Calls GetLatestCheckpoint for `origin`; sets *note on success.
  grpc::Status Latest(const std::string& origin, std::string* note) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    vitrine::v1::GetLatestCheckpointRequest request;
    request.set_origin(origin);
    vitrine::v1::GetLatestCheckpointResponse response;
    grpc::Status status = stub_->GetLatestCheckpoint(&context, request, &response);
    *note = response.checkpoint();
    return status;
  }

  // Expects GetLatestCheckpoint to answer the log's checkpoint of `size`
  // exactly as signed, followed by this witness's one cosignature.
  void ExpectLatest(uint64_t size) {
    std::string note;
    grpc::Status status = Latest(log_.origin(), &note);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_OK_AND_ASSIGN(
        note::CosignedCheckpoint cosigned,
        note::OpenCosignedCheckpoint(note, log_.origin(), log_.keys(),
                                     witness_keys_, 1));
    EXPECT_EQ(cosigned.checkpoint.checkpoint.size, size);
    EXPECT_THAT(cosigned.cosignatures, SizeIs(1));
    // Canonical: the log's note as signed, then one line of ours, nothing else.
    EXPECT_TRUE(absl::StartsWith(note, log_.Note(size)));
    EXPECT_EQ(std::count(note.begin() + log_.Note(size).size(), note.end(), '\n'),
              1);
  }

  void ExpectCosigned(uint64_t size, const std::vector<std::string>& lines) {
    ASSERT_OK_AND_ASSIGN(
        note::CosignedCheckpoint cosigned,
        note::OpenCosignedCheckpoint(log_.Note(size) + absl::StrJoin(lines, ""),
                                     log_.origin(), log_.keys(), witness_keys_,
                                     1));
    EXPECT_EQ(cosigned.checkpoint.checkpoint.size, size);
    EXPECT_THAT(cosigned.cosignatures, SizeIs(1));
  }

  note::GeneratedKey witness_key_;
  note::VerifierSet witness_keys_;
  TestLog log_{"log.example/a", 40};
  FakeAlarm alarm_;
  std::string dir_;
  std::unique_ptr<Witness> witness_;
  std::unique_ptr<PeerBudget> budget_;  // Null unless a test sets one.
  std::unique_ptr<WitnessService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<vitrine::v1::Witness::Stub> stub_;
};

TEST_F(WitnessServiceTest, FirstCheckpointThenGrowth) {
  uint64_t held = 0;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines, Push(0, 6, &held));
  ExpectCosigned(6, lines);
  ASSERT_OK_AND_ASSIGN(lines, Push(6, 31, &held));
  ExpectCosigned(31, lines);
  ASSERT_OK_AND_ASSIGN(lines, Push(31, 31, &held));  // Again: same answer.
  ExpectCosigned(31, lines);
}

TEST_F(WitnessServiceTest, RollbackAbortsWithTheSizeInTheTrailer) {
  uint64_t held = 0;
  ASSERT_OK(Push(0, 20, &held).status());
  EXPECT_THAT(Push(0, 12, &held), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 20u);
  // The same on the wire.
  vitrine::v1::AddCheckpointRequest request;
  request.set_old_size(5);
  for (const std::string& hash : log_.RawProof(5, 12)) {
    request.add_consistency_proof(hash);
  }
  request.set_checkpoint(log_.Note(12));
  vitrine::v1::AddCheckpointResponse response;
  std::string trailer;
  grpc::Status status = Raw(request, &trailer, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(trailer, "20");
  EXPECT_EQ(response.cosignatures_size(), 0);
}

TEST_F(WitnessServiceTest, StaleLogRetriesFromTheHeldSize) {
  uint64_t held = 0;
  ASSERT_OK(Push(0, 9, &held).status());
  // The log believes the witness holds nothing (e.g. it lost its state).
  EXPECT_THAT(Push(0, 25, &held), StatusIs(absl::StatusCode::kAborted));
  ASSERT_EQ(held, 9u);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines, Push(held, 25, &held));
  ExpectCosigned(25, lines);
}

TEST_F(WitnessServiceTest, CodesOfTheProto) {
  uint64_t held = 0;
  ASSERT_OK(Push(0, 5, &held).status());
  // Bad proof.
  std::vector<merkle::Hash> proof = log_.Proof(5, 13);
  proof[0] = merkle::HashLeaf("not in the tree");
  EXPECT_THAT(PushCheckpoint(*stub_, 5, proof, log_.Note(13), kDeadline, &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // old_size > size.
  EXPECT_THAT(PushCheckpoint(*stub_, 8, {}, log_.Note(7), kDeadline, &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Unknown origin, untrusted key, garbage.
  TestLog stranger("log.example/stranger", 3);
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, stranger.Note(3), kDeadline, &held),
              StatusIs(absl::StatusCode::kNotFound));
  TestLog impostor("log.example/a", 13);
  EXPECT_THAT(PushCheckpoint(*stub_, 5, impostor.Proof(5, 13), impostor.Note(13),
                             kDeadline, &held),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(PushCheckpoint(*stub_, 5, {}, "garbage", kDeadline, &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(held, 0u);  // Never set: nothing was ABORTED.
  EXPECT_THAT(alarm_.raised(), SizeIs(0));
}

TEST_F(WitnessServiceTest, RequestLimits) {
  vitrine::v1::AddCheckpointRequest request;
  vitrine::v1::AddCheckpointResponse response;
  std::string trailer;
  request.set_checkpoint(log_.Note(13));
  request.set_old_size(0);
  for (int i = 0; i < 64; ++i) request.add_consistency_proof(std::string(32, 'h'));
  EXPECT_EQ(Raw(request, &trailer, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.clear_consistency_proof();
  request.add_consistency_proof(std::string(31, 'h'));
  EXPECT_EQ(Raw(request, &trailer, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.clear_consistency_proof();
  request.set_checkpoint(log_.Note(13) + std::string(1 << 20, 'x'));
  EXPECT_EQ(Raw(request, &trailer, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(trailer, "");
}

TEST_F(WitnessServiceTest, ForkIsFailedPreconditionAndHalts) {
  uint64_t held = 0;
  ASSERT_OK(Push(0, 10, &held).status());
  TestLog fork = log_.Fork("forked-", 20);
  EXPECT_THAT(PushCheckpoint(*stub_, 10, {}, fork.Note(10), kDeadline, &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(alarm_.raised(), SizeIs(1));
  EXPECT_EQ(alarm_.raised()[0].kind(),
            vitrine::v1::Evidence::SAME_SIZE_DIFFERENT_ROOTS);
  EXPECT_THAT(Push(10, 20, &held),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(alarm_.raised(), SizeIs(1));
}

TEST_F(WitnessServiceTest, RestartAnswersWithThePersistedSize) {
  uint64_t held = 0;
  ASSERT_OK(Push(0, 4, &held).status());
  ASSERT_OK(Push(4, 27, &held).status());
  Stop();
  Start();
  EXPECT_THAT(Push(0, 33, &held), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 27u);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines, Push(27, 33, &held));
  ExpectCosigned(33, lines);
}

TEST_F(WitnessServiceTest, ForgedPushesSpendTheirConnectionsBudget) {
  Stop();
  PeerBudgetOptions options;
  options.connection_burst = 2;
  options.connection_rate = 0.001;  // No refill within the test.
  budget_ = std::make_unique<PeerBudget>(options);
  Start();
  uint64_t held = 0;
  ASSERT_OK(Push(0, 5, &held).status());
  TestLog impostor("log.example/a", 13);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(PushCheckpoint(*stub_, 5, impostor.Proof(5, 13),
                               impostor.Note(13), kDeadline, &held),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
  // Spent: refused before anything is verified, genuine pushes included.
  EXPECT_THAT(PushCheckpoint(*stub_, 5, impostor.Proof(5, 13),
                             impostor.Note(13), kDeadline, &held),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(Push(5, 13, &held),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Another connection (the log's own) is not held to this one's budget.
  grpc::ChannelArguments arguments;
  arguments.SetInt("vitrine.test.connection", 2);  // A channel of its own.
  auto other = vitrine::v1::Witness::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials(),
      arguments));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> lines,
      PushCheckpoint(*other, 5, log_.Proof(5, 13), log_.Note(13), kDeadline,
                     &held));
  ExpectCosigned(13, lines);
  EXPECT_THAT(alarm_.raised(), SizeIs(0));
}

TEST_F(WitnessServiceTest, LatestCheckpointFollowsWhatWasCosigned) {
  std::string note;
  grpc::Status status = Latest(log_.origin(), &note);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "this witness has cosigned no checkpoint of \"log.example/a\" yet");
  uint64_t held = 0;
  ASSERT_OK(Push(0, 6, &held).status());
  ExpectLatest(6);
  ASSERT_OK(Push(6, 31, &held).status());
  ExpectLatest(31);
  // A refused push changes nothing.
  EXPECT_THAT(Push(0, 12, &held), StatusIs(absl::StatusCode::kAborted));
  ExpectLatest(31);
  // What was cosigned survives a restart (it is read back from the state).
  Stop();
  Start();
  ExpectLatest(31);
}

TEST_F(WitnessServiceTest, LatestCheckpointDropsLinesTheWitnessCannotVouchFor) {
  // A genuine checkpoint padded with a line by an unknown key.
  const std::string junk = "— someone.example/w AAAAAWp1bmsganVuayBqdW5r\n";
  uint64_t held = 0;
  ASSERT_OK(PushCheckpoint(*stub_, 0, {}, log_.Note(9) + junk, kDeadline, &held)
                .status());
  ExpectLatest(9);
  std::string note;
  ASSERT_TRUE(Latest(log_.origin(), &note).ok());
  EXPECT_FALSE(absl::StrContains(note, "someone.example"));
}

TEST_F(WitnessServiceTest, LatestCheckpointCodes) {
  uint64_t held = 0;
  ASSERT_OK(Push(0, 5, &held).status());
  std::string note;
  grpc::Status status = Latest("", &note);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(note, "");
  status = Latest(std::string(kMaxOriginSize + 1, 'o'), &note);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "at most 1024"))
      << status.error_message();
  // The longest allowed origin is looked up (and not found).
  EXPECT_EQ(Latest(std::string(kMaxOriginSize, 'o'), &note).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Unknown origin: named, escaped, on one line.
  status = Latest("log.example/b\nALARM: forged", &note);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "this witness does not follow a log "
            "\"log.example/b\\x0aALARM: forged\"");
  EXPECT_EQ(note, "");
}

TEST_F(WitnessServiceTest, LatestCheckpointIsServedWhenThePeersBudgetIsSpent) {
  Stop();
  PeerBudgetOptions options;
  options.connection_burst = 1;
  options.connection_rate = 0.001;  // No refill within the test.
  budget_ = std::make_unique<PeerBudget>(options);
  Start();
  uint64_t held = 0;
  ASSERT_OK(Push(0, 5, &held).status());
  TestLog impostor("log.example/a", 13);
  EXPECT_THAT(PushCheckpoint(*stub_, 5, impostor.Proof(5, 13),
                             impostor.Note(13), kDeadline, &held),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Push(5, 13, &held),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // A read verifies nothing: the same connection still gets it.
  ExpectLatest(5);
}

}  // namespace
}  // namespace vitrine::monitor
