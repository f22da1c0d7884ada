#include "monitor/gossip/gossip_service.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/verify.h"
#include "log/note/note.h"
#include "monitor/evidence/recorder.h"
#include "monitor/gossip/testing/fake_verified_log.h"
#include "proto/vitrine/v1/gossip.grpc.pb.h"

namespace vitrine::monitor {
namespace {

using ::testing::ElementsAre;
using testing::FakeVerifiedLog;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TestEntries;
using vitrine::v1::ExchangeRequest;
using vitrine::v1::ExchangeResponse;

// Polls `condition` for up to 10 s.
bool WaitFor(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

std::vector<merkle::Hash> ProofOf(const vitrine::v1::GossipCheckpoint& c) {
  std::vector<merkle::Hash> proof;
  for (const std::string& bytes : c.consistency_proof()) {
    proof.push_back(merkle::Hash::FromBytes(bytes).value());
  }
  return proof;
}

// This monitor follows "example.com/log" (size 6) and "example.com/new"
// (nothing verified yet).
class GossipServiceTest : public ::testing::Test {
 protected:
  GossipServiceTest()
      : log_("example.com/log", 7),
        fresh_("example.com/new", 5),
        peer_log_("example.com/log", 7) {}

  void SetUp() override {
    ASSERT_OK(log_.Append(TestEntries("e", 0, 6)));
    ASSERT_OK(peer_log_.Append(TestEntries("e", 0, 4)));
    ASSERT_OK_AND_ASSIGN(
        alarm_,
        EvidenceRecorder::Open(absl::StrCat(
            ::testing::TempDir(), "/",
            ::testing::UnitTest::GetInstance()->current_test_info()->name())));
  }

  void StartService(GossipServiceOptions options = {}) {
    service_ = std::make_unique<GossipService>(
        std::vector<VerifiedLog*>{&log_, &fresh_}, alarm_.get(), "monitor-a",
        std::move(options));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = vitrine::v1::Gossip::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  grpc::Status Exchange(const ExchangeRequest& request,
                        ExchangeResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    return stub_->Exchange(&context, request, response);
  }

  ExchangeRequest Request(const std::vector<std::string>& notes) {
    ExchangeRequest request;
    request.set_monitor("monitor-b");
    for (const std::string& note : notes) {
      request.add_checkpoints()->set_note(note);
    }
    return request;
  }

  FakeVerifiedLog log_;
  FakeVerifiedLog fresh_;
  FakeVerifiedLog peer_log_;
  std::unique_ptr<EvidenceRecorder> alarm_;
  std::unique_ptr<GossipService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vitrine::v1::Gossip::Stub> stub_;
};

TEST_F(GossipServiceTest, AnswersWithAProofFromTheRequestersSize) {
  StartService();
  ExchangeResponse response;
  ASSERT_TRUE(
      Exchange(Request({peer_log_.Latest()->signed_note}), &response).ok());
  EXPECT_EQ(response.monitor(), "monitor-a");
  // The size-0 log is not sent.
  ASSERT_EQ(response.checkpoints_size(), 1);
  const vitrine::v1::GossipCheckpoint& mine = response.checkpoints(0);
  EXPECT_EQ(mine.note(), log_.Latest()->signed_note);
  EXPECT_EQ(mine.proof_old_size(), 4u);
  EXPECT_EQ(mine.proof_old_root(), log_.RootAt(4)->AsStringView());
  EXPECT_OK(merkle::VerifyConsistency(4, 6, peer_log_.Latest()->checkpoint.root,
                                      log_.Latest()->checkpoint.root,
                                      ProofOf(mine)));
  EXPECT_EQ(service_->Counts().consistent, 1u);
  EXPECT_FALSE(alarm_->Halted("example.com/log"));
}

TEST_F(GossipServiceTest, SendsNoProofToARequesterThatIsNotBehind) {
  StartService();
  ASSERT_OK(peer_log_.Append(TestEntries("e", 4, 9)));
  for (const ExchangeRequest& request :
       {Request({}), Request({peer_log_.Latest()->signed_note})}) {
    ExchangeResponse response;
    ASSERT_TRUE(Exchange(request, &response).ok());
    ASSERT_EQ(response.checkpoints_size(), 1);
    EXPECT_EQ(response.checkpoints(0).proof_old_size(), 0u);
    EXPECT_THAT(response.checkpoints(0).consistency_proof(), IsEmpty());
    EXPECT_TRUE(response.checkpoints(0).proof_old_root().empty());
  }
  // The larger checkpoint came without a proof: it stays unverified.
  EXPECT_EQ(service_->Counts().ahead_unverified, 1u);
}

TEST_F(GossipServiceTest, ChecksWhatItReceivesAndIgnoresOtherLogs) {
  StartService();
  FakeVerifiedLog fork("example.com/log", 7);
  ASSERT_OK(fork.Append(TestEntries("fork", 0, 6)));
  FakeVerifiedLog unfollowed("example.org/elsewhere", 9);
  ASSERT_OK(unfollowed.Append(TestEntries("x", 0, 2)));
  FakeVerifiedLog impostor("example.com/log", 8);
  ASSERT_OK(impostor.Append(TestEntries("e", 0, 2)));
  ExchangeResponse response;
  ASSERT_TRUE(Exchange(Request({fork.Latest()->signed_note,
                                unfollowed.Latest()->signed_note,
                                impostor.Latest()->signed_note, "garbage"}),
                       &response)
                  .ok());
  const PeerCheckCounts counts = service_->Counts();
  EXPECT_EQ(counts.evidence_raised, 1u);
  EXPECT_EQ(counts.rejected, 2u);  // The impostor and the garbage.
  EXPECT_EQ(counts.consistent, 0u);
  EXPECT_TRUE(alarm_->Halted("example.com/log"));
  EXPECT_THAT(alarm_->Counts(),
              ElementsAre(AlarmCount{
                  "example.com/log",
                  vitrine::v1::Evidence::SAME_SIZE_DIFFERENT_ROOTS, 1}));
  // The answer still carries this monitor's head.
  ASSERT_EQ(response.checkpoints_size(), 1);
}

TEST_F(GossipServiceTest, SendsTheNoteTheMonitorChooses) {
  testing::TestLogKey witness = testing::MakeTestLogKey("witness-a", 3);
  GossipServiceOptions options;
  options.note_to_send = [&](const std::string& origin,
                             const VerifiedHead& head) {
    EXPECT_EQ(origin, "example.com/log");
    return note::AddSignature(head.signed_note, *witness.signer).value();
  };
  StartService(std::move(options));
  ExchangeResponse response;
  ASSERT_TRUE(Exchange(Request({}), &response).ok());
  ASSERT_EQ(response.checkpoints_size(), 1);
  EXPECT_THAT(response.checkpoints(0).note(),
              HasSubstr(log_.Latest()->signed_note));
  EXPECT_THAT(response.checkpoints(0).note(), HasSubstr("— witness-a "));
}

TEST_F(GossipServiceTest, RefusesRequestsOverItsLimits) {
  StartService();
  ExchangeResponse response;
  ExchangeRequest many =
      Request(std::vector<std::string>(65, peer_log_.Latest()->signed_note));
  grpc::Status status = Exchange(many, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("65 checkpoints"));

  status = Exchange(Request({std::string((64 << 10) + 1, 'x')}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("note of 65537 bytes"));

  ExchangeRequest named = Request({});
  named.set_monitor(std::string(257, 'm'));
  status = Exchange(named, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // 64 is fine.
  ExchangeRequest enough =
      Request(std::vector<std::string>(64, peer_log_.Latest()->signed_note));
  EXPECT_TRUE(Exchange(enough, &response).ok());
  EXPECT_EQ(service_->Counts().consistent, 64u);
}

// A verified log whose head note carries one more line, by another key.
class LogWithAnExtraLine : public FakeVerifiedLog {
 public:
  LogWithAnExtraLine(absl::string_view origin, char key_seed,
                     const note::Signer* other)
      : FakeVerifiedLog(origin, key_seed), other_(other) {}
  std::shared_ptr<const VerifiedHead> Latest() const override {
    auto head = std::make_shared<VerifiedHead>(*FakeVerifiedLog::Latest());
    head->signed_note = note::AddSignature(head->signed_note, *other_).value();
    return head;
  }

 private:
  const note::Signer* other_;
};

TEST(HeadsToSendTest, SendsCanonicalHeadsByDefault) {
  testing::TestLogKey other = testing::MakeTestLogKey("witness-x", 4);
  LogWithAnExtraLine log("example.com/log", 7, other.signer.get());
  ASSERT_OK(log.Append(TestEntries("e", 0, 3)));
  ASSERT_THAT(log.Latest()->signed_note, HasSubstr("witness-x"));
  std::vector<VerifiedLog*> logs = {&log};
  std::vector<vitrine::v1::GossipCheckpoint> heads = HeadsToSend(logs, {});
  ASSERT_EQ(heads.size(), 1u);
  EXPECT_EQ(heads[0].note(), log.FakeVerifiedLog::Latest()->signed_note);
  EXPECT_EQ(CanonicalHeadNote(log, *log.Latest()),
            log.FakeVerifiedLog::Latest()->signed_note);
}

// A peer's checkpoint larger than this monitor's head, without a proof, 64
// times in each of many requests: the handler answers at once while the
// log is slow, and the log is asked once.
TEST_F(GossipServiceTest, FloodOfALargerCheckpointAsksTheLogOnceOffTheHandler) {
  FakeVerifiedLog ahead("example.com/log", 7);
  ASSERT_OK(ahead.Append(TestEntries("e", 0, 10)));
  absl::Notification log_answers;
  std::atomic<int> log_calls{0};
  GossipServiceOptions options;
  options.log_consistency = [&](const std::string& origin, uint64_t old_size,
                                uint64_t new_size) {
    ++log_calls;
    EXPECT_EQ(origin, "example.com/log");
    log_answers.WaitForNotification();
    return ahead.ConsistencyProof(old_size, new_size);
  };
  StartService(std::move(options));
  const ExchangeRequest flood =
      Request(std::vector<std::string>(64, ahead.Latest()->signed_note));
  const absl::Time start = absl::Now();
  for (int i = 0; i < 20; ++i) {
    ExchangeResponse response;
    ASSERT_TRUE(Exchange(flood, &response).ok());
    ASSERT_EQ(response.checkpoints_size(), 1);
  }
  // Every request was answered while the log had not answered once.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(service_->Counts().ahead_unverified, 20u * 64u);
  ProofFetcherStats stats = service_->FetcherStats();
  EXPECT_EQ(stats.queued, 1u);
  EXPECT_EQ(stats.pending, 19u);  // One lookup per request: copies dedup.
  log_answers.Notify();
  ASSERT_TRUE(WaitFor([&] { return service_->FetcherStats().fetched == 1; }));
  // Now cached: judged at once.
  ExchangeResponse response;
  ASSERT_TRUE(Exchange(flood, &response).ok());
  EXPECT_EQ(service_->Counts().consistent, 64u);
  EXPECT_EQ(log_calls.load(), 1);
  EXPECT_FALSE(alarm_->Halted("example.com/log"));
}

TEST_F(GossipServiceTest, ForgedCheckpointsSpendThePeersBudget) {
  PeerBudgetOptions budget_options;
  budget_options.connection_burst = 3;
  budget_options.connection_rate = 0.001;  // No refill within the test.
  PeerBudget budget(budget_options);
  GossipServiceOptions options;
  options.verify_budget = &budget;
  StartService(std::move(options));
  // Signed by another key under the log's name: rejected, charged.
  FakeVerifiedLog impostor("example.com/log", 8);
  ASSERT_OK(impostor.Append(TestEntries("e", 0, 2)));
  ExchangeResponse response;
  grpc::Status status = Exchange(
      Request({impostor.Latest()->signed_note, impostor.SignedNoteAt(1).value()}),
      &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service_->Counts().rejected, 2u);
  // The third failure spends the budget part way through a request.
  status = Exchange(Request({impostor.Latest()->signed_note,
                             impostor.SignedNoteAt(1).value(),
                             peer_log_.Latest()->signed_note}),
                    &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(service_->Counts().rejected, 3u);
  // Then refused before anything is verified, even a genuine checkpoint.
  status = Exchange(Request({peer_log_.Latest()->signed_note}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(service_->Counts().consistent, 0u);
}

}  // namespace
}  // namespace vitrine::monitor
