// The witness pusher inside a real vitrine-log (LogServer on 127.0.0.1)
// with in-process test witnesses: quorum cosigning, serving (gRPC and HTTP),
// outages that never slow appends, the ABORTED/held-size retry, restart,
// and the configuration's errors.
#include "log/server/witness_pusher.h"

#include <httplib.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/server/internal/witness_call.h"
#include "log/server/witnessed_log_testing.h"

namespace vitrine::server {
namespace {

using ::vitrine::server::testing::ClientContext;
using ::vitrine::server::testing::WitnessedLogFixture;
using ::vitrine::testing::StatusIs;

class WitnessPusherTest : public WitnessedLogFixture {
 protected:
  // Opens `note` with the log key and `quorum` of the witnesses.
  absl::StatusOr<note::CosignedCheckpoint> Open(absl::string_view note,
                                                size_t quorum) const {
    return note::OpenCosignedCheckpoint(note, identity_.origin, LogKeys(),
                                        WitnessKeys(), quorum);
  }

  std::string HttpGet(const std::string& path) const {
    httplib::Client client(log_->http_address());
    httplib::Result result = client.Get(path.c_str());
    EXPECT_TRUE(result) << path;
    if (!result) return "";
    EXPECT_EQ(result->status, 200) << result->body;
    return result->body;
  }
};

TEST_F(WitnessPusherTest, QuorumOfTwoCarriesBothCosignatures) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(3, "tool"));
  ASSERT_EQ(size, 3u);
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(size));
  EXPECT_EQ(witnessed.size(), 3u);
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint opened, Open(witnessed.note(), 2));
  EXPECT_EQ(opened.checkpoint.checkpoint.size, 3u);
  ASSERT_EQ(opened.cosignatures.size(), 2u);
  EXPECT_EQ(opened.cosignatures[0].name, "w1.example");
  EXPECT_EQ(opened.cosignatures[1].name, "w2.example");
  // The log's own checkpoint of that size, with the cosignatures appended.
  vitrine::v1::Checkpoint latest;
  ASSERT_TRUE(GetCheckpoint(false, &latest).ok());
  EXPECT_TRUE(absl::StartsWith(witnessed.note(), latest.note()));
  EXPECT_EQ(witnesses_[0]->held_size(), 3u);
  EXPECT_EQ(witnesses_[1]->held_size(), 3u);

  // GetBundle(witnessed) proves against it.
  vitrine::v1::GetBundleRequest request;
  request.set_leaf_index(1);
  request.set_witnessed(true);
  vitrine::v1::Bundle bundle;
  ASSERT_TRUE(stub_->GetBundle(ClientContext().get(), request, &bundle).ok());
  EXPECT_EQ(bundle.checkpoint(), witnessed.note());
  std::vector<merkle::Hash> proof;
  for (const std::string& h : bundle.inclusion_proof()) {
    proof.push_back(merkle::Hash::FromBytes(h).value());
  }
  EXPECT_OK(merkle::VerifyInclusion(1, 3, merkle::HashLeaf(bundle.statement()),
                                    proof, opened.checkpoint.checkpoint.root));

  // HTTP /checkpoint serves the witnessed checkpoint; /metrics counts.
  EXPECT_EQ(HttpGet("/checkpoint"), witnessed.note());
  const std::string metrics = HttpGet("/metrics");
  EXPECT_TRUE(absl::StrContains(
      metrics, "vitrine_witness_pushes_total{code=\"OK\",witness=\"w1.example\"} "))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "vitrine_witnessed_tree_size 3"))
      << metrics;
}

TEST_F(WitnessPusherTest, IdleWhenEveryWitnessCosignedTheLatest) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "idle"));
  ASSERT_OK(AwaitWitnessed(size).status());
  absl::SleepFor(absl::Milliseconds(200));
  const int calls = witnesses_[0]->cosigned() + witnesses_[0]->aborted() +
                    witnesses_[0]->refused();
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(witnesses_[0]->cosigned() + witnesses_[0]->aborted() +
                witnesses_[0]->refused(),
            calls);
}

TEST_F(WitnessPusherTest, AWitnessDownNeverSlowsAppendsAndCatchesUpWhenBack) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "before"));
  ASSERT_OK(AwaitWitnessed(size).status());
  witnesses_[1]->SetDown(true);
  uint64_t latest = size;
  for (int i = 0; i < 20; ++i) {
    const absl::Time start = absl::Now();
    ASSERT_OK_AND_ASSIGN(latest, AddStatements(5, absl::StrCat("down", i, "-")));
    // Appends complete as without witnesses (the normal deadline of an Add
    // is far above this; the pusher's timeout is 2 s).
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << i;
  }
  EXPECT_EQ(latest, size + 100);
  absl::SleepFor(absl::Milliseconds(300));
  vitrine::v1::Checkpoint witnessed;
  ASSERT_TRUE(GetCheckpoint(true, &witnessed).ok());
  EXPECT_EQ(witnessed.size(), size);  // quorum 2: it stopped advancing
  EXPECT_GT(witnesses_[1]->refused(), 0);
  EXPECT_EQ(witnesses_[0]->held_size(), latest);  // the other one moved on

  witnesses_[1]->SetDown(false);
  ASSERT_OK_AND_ASSIGN(witnessed, AwaitWitnessed(latest));
  EXPECT_EQ(witnessed.size(), latest);
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint opened, Open(witnessed.note(), 2));
  EXPECT_EQ(opened.cosignatures.size(), 2u);
}

TEST_F(WitnessPusherTest, AStoppedWitnessIsFoundAgainWhenItRestarts) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "before"));
  ASSERT_OK(AwaitWitnessed(size).status());
  witnesses_[1]->Stop();
  ASSERT_OK_AND_ASSIGN(uint64_t latest, AddStatements(3, "during"));
  absl::SleepFor(absl::Milliseconds(500));
  vitrine::v1::Checkpoint witnessed;
  ASSERT_TRUE(GetCheckpoint(true, &witnessed).ok());
  EXPECT_EQ(witnessed.size(), size);
  ASSERT_OK(witnesses_[1]->Restart());
  // Within the pusher's backoff cap (5 s) and gRPC's reconnection, bounded
  // alike.
  ASSERT_OK_AND_ASSIGN(witnessed, AwaitWitnessed(latest, absl::Seconds(12)));
  EXPECT_EQ(witnessed.size(), latest);
  EXPECT_EQ(witnesses_[1]->held_size(), latest);
}

TEST_F(WitnessPusherTest, SlowWitnessesSeeOnlyTheNewestCheckpoint) {
  for (auto& witness : witnesses_) witness->SetDelay(absl::Milliseconds(500));
  uint64_t latest = 0;
  const absl::Time start = absl::Now();
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(latest, AddStatements(1, absl::StrCat("slow", i)));
  }
  // The appends did not wait for the witnesses' 500 ms answers (that would
  // take 10 s).
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(latest));
  EXPECT_EQ(witnessed.size(), 20u);
  // Twenty checkpoints, but each round took the newest one: a handful of
  // pushes, not one per checkpoint.
  EXPECT_LE(witnesses_[0]->cosigned(), 10);
  EXPECT_LE(witnesses_[1]->cosigned(), 10);
}

class QuorumOfOneTest : public WitnessPusherTest {
 protected:
  QuorumOfOneTest() { config_.witness_quorum = 1; }
};

TEST_F(QuorumOfOneTest, AStoppedWitnessDoesNotStopTheQuorum) {
  witnesses_[1]->Stop();
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(4, "one"));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(size));
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint opened, Open(witnessed.note(), 1));
  ASSERT_EQ(opened.cosignatures.size(), 1u);
  EXPECT_EQ(opened.cosignatures[0].name, "w1.example");
  EXPECT_THAT(Open(witnessed.note(), 2),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(QuorumOfOneTest, AHungWitnessIsCutOffByTheDeadlineAndStopIsPrompt) {
  witnesses_[1]->SetDelay(absl::Seconds(30));  // beyond the 2 s deadline
  uint64_t size = 0;
  for (int i = 0; i < 10; ++i) {
    const absl::Time start = absl::Now();
    ASSERT_OK_AND_ASSIGN(size, AddStatements(1, absl::StrCat("hung", i)));
    // An Add that waited for the hung witness would take the 2 s deadline.
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << i;
  }
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed,
                       AwaitWitnessed(size, absl::Seconds(10)));
  EXPECT_EQ(witnessed.size(), size);
  // A round is in flight (waiting on the hung witness): shutting down
  // cancels it instead of waiting for its deadline.
  ASSERT_OK_AND_ASSIGN(uint64_t latest, AddStatements(1, "more"));
  EXPECT_EQ(latest, size + 1);
  const absl::Time start = absl::Now();
  StopLog();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
}

class WrongKeyTest : public WitnessPusherTest {
 protected:
  WrongKeyTest() { config_.witness_quorum = 1; }
  void SetUp() override {
    start_log_in_setup_ = false;
    WitnessPusherTest::SetUp();
    // Witness 2 is configured with another key of the same name: its
    // cosignatures are not of the configured key and never count.
    config_.witnesses[1].vkey =
        note::GenerateKey("w2.example", note::SignatureType::kCosignatureV1)
            .value()
            .verifier_key;
    ASSERT_OK(StartLog());
  }
};

TEST_F(WrongKeyTest, CosignaturesOfUnconfiguredKeysAreIgnored) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "key"));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(size));
  EXPECT_FALSE(absl::StrContains(witnessed.note(), "w2.example"));
  EXPECT_TRUE(absl::StrContains(witnessed.note(), "w1.example"));
  EXPECT_GT(witnesses_[1]->cosigned(), 0);  // it answered; nothing counted
}

class HeldSizeTest : public WitnessPusherTest {
 protected:
  HeldSizeTest() { start_log_in_setup_ = false; }
};

TEST_F(HeldSizeTest, AWitnessHoldingAnEarlierSizeIsProvenFromIt) {
  // An earlier run of the log, without witnesses, reached size 3 and the
  // first witness cosigned it then.
  std::vector<WitnessAddress> witnesses = config_.witnesses;
  config_.witnesses.clear();
  ASSERT_OK(StartLog());
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(3, "early"));
  vitrine::v1::Checkpoint early;
  ASSERT_TRUE(GetCheckpoint(false, &early).ok());
  ASSERT_EQ(early.size(), 3u);
  ASSERT_OK(witnesses_[0]->Hold(early.note()));
  ASSERT_OK_AND_ASSIGN(size, AddStatements(4, "later"));
  ASSERT_EQ(size, 7u);

  config_.witnesses = witnesses;
  ASSERT_OK(StartLog());
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(7));
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint opened, Open(witnessed.note(), 2));
  EXPECT_EQ(opened.checkpoint.checkpoint.size, 7u);
  // The pusher began at old_size 0, was told 3, and proved 3 -> 7 at once.
  EXPECT_EQ(witnesses_[0]->aborted(), 1);
  EXPECT_EQ(witnesses_[0]->held_size(), 7u);
  EXPECT_EQ(witnesses_[1]->aborted(), 0);
}

TEST_F(HeldSizeTest, ARestartServesTheStoredWitnessedCheckpointAtOnce) {
  ASSERT_OK(StartLog());
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(5, "stored"));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint witnessed, AwaitWitnessed(size));
  StopLog();
  // No witness can answer now: what is served comes from the store.
  for (auto& witness : witnesses_) witness->SetDown(true);
  ASSERT_OK(StartLog());
  vitrine::v1::Checkpoint served;
  ASSERT_TRUE(GetCheckpoint(true, &served).ok());
  EXPECT_EQ(served.note(), witnessed.note());
  EXPECT_EQ(served.size(), size);
  EXPECT_EQ(HttpGet("/checkpoint"), witnessed.note());
  // Appends go on; the witnessed checkpoint waits for the witnesses.
  ASSERT_OK_AND_ASSIGN(uint64_t latest, AddStatements(2, "after"));
  for (auto& witness : witnesses_) witness->SetDown(false);
  ASSERT_OK_AND_ASSIGN(served, AwaitWitnessed(latest));
  ASSERT_OK(Open(served.note(), 2).status());
}

TEST_F(HeldSizeTest, WitnessedReadsFailClearlyUntilOneExists) {
  for (auto& witness : witnesses_) witness->SetDown(true);
  ASSERT_OK(StartLog());
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "none"));
  vitrine::v1::Checkpoint checkpoint;
  grpc::Status status = GetCheckpoint(true, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(),
                                "no checkpoint is witnessed yet"))
      << status.error_message();
  vitrine::v1::GetBundleRequest request;
  request.set_leaf_index(0);
  request.set_witnessed(true);
  vitrine::v1::Bundle bundle;
  EXPECT_EQ(stub_->GetBundle(ClientContext().get(), request, &bundle).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // Without a witnessed checkpoint, HTTP serves the log-signed one.
  ASSERT_TRUE(GetCheckpoint(false, &checkpoint).ok());
  EXPECT_EQ(HttpGet("/checkpoint"), checkpoint.note());

  // Once one is witnessed, a leaf beyond it is out of its range.
  witnesses_[0]->SetDown(false);
  witnesses_[1]->SetDown(false);
  ASSERT_OK(AwaitWitnessed(size).status());
  for (auto& witness : witnesses_) witness->SetDown(true);
  ASSERT_OK_AND_ASSIGN(uint64_t latest, AddStatements(1, "beyond"));
  request.set_leaf_index(latest - 1);
  EXPECT_EQ(stub_->GetBundle(ClientContext().get(), request, &bundle).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(HeldSizeTest, WithoutWitnessesWitnessedReadsNameTheReason) {
  config_.witnesses.clear();
  ASSERT_OK(StartLog());
  vitrine::v1::Checkpoint checkpoint;
  grpc::Status status = GetCheckpoint(true, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "no witnesses configured"));
  ASSERT_TRUE(GetCheckpoint(false, &checkpoint).ok());
  EXPECT_EQ(HttpGet("/checkpoint"), checkpoint.note());
}

TEST_F(HeldSizeTest, BadWitnessConfigurationsDoNotStart) {
  LogConfig config = config_;
  config.witness_quorum = 3;
  EXPECT_THAT(LogServer::Start(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "outside 1..2"));
  config = config_;
  config.witnesses[1].vkey = identity_.verifier_key;  // a log key
  EXPECT_THAT(LogServer::Start(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "type 0x04"));
  config = config_;
  config.witnesses[1] = config.witnesses[0];
  EXPECT_THAT(LogServer::Start(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "configured twice"));
}

}  // namespace
}  // namespace vitrine::server
