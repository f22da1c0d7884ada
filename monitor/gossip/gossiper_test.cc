// Two monitors, each a GossipService on loopback and a Gossiper pointed at
// the other, following one log (one key, one origin) that shows them the
// same history (honest) or two (split view).
#include "monitor/gossip/gossiper.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "monitor/evidence/evidence_file.h"
#include "monitor/evidence/recorder.h"
#include "monitor/gossip/gossip_service.h"
#include "monitor/gossip/testing/fake_verified_log.h"

namespace vitrine::monitor {
namespace {

using ::testing::ElementsAre;
using testing::FakeVerifiedLog;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::TestEntries;
using vitrine::v1::Evidence;

constexpr absl::string_view kOrigin = "example.com/log";

// One monitor: its verified copy, alarm, service on 127.0.0.1:0.
struct Monitor {
  Monitor(std::string monitor_name, const std::string& evidence_dir)
      : name(std::move(monitor_name)), log(kOrigin, 7) {
    alarm = EvidenceRecorder::Open(evidence_dir).value();
    service = std::make_unique<GossipService>(std::vector<VerifiedLog*>{&log},
                                              alarm.get(), name,
                                              GossipServiceOptions{});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    address = absl::StrCat("127.0.0.1:", port);
  }
  ~Monitor() { server->Shutdown(absl::ToChronoTime(absl::Now())); }

  std::unique_ptr<Gossiper> GossiperTo(const Monitor& peer,
                                       GossiperOptions options = {}) {
    options.deadline = absl::Seconds(20);
    return Gossiper::Create({&log}, alarm.get(), name,
                            {{peer.name, peer.address, std::nullopt}},
                            std::move(options))
        .value();
  }

  const std::string name;
  FakeVerifiedLog log;
  std::unique_ptr<EvidenceRecorder> alarm;
  std::unique_ptr<GossipService> service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

class GossiperTest : public ::testing::Test {
 protected:
  GossiperTest() {
    const std::string dir = absl::StrCat(
        ::testing::TempDir(), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    a_ = std::make_unique<Monitor>("monitor-a", dir + "/a");
    b_ = std::make_unique<Monitor>("monitor-b", dir + "/b");
  }

  // Returns the only result of a one-peer round, expecting the call to work.
  static PeerCheckResult OnlyResult(const std::vector<PeerRound>& round) {
    EXPECT_EQ(round.size(), 1u);
    if (round.size() != 1) return {};
    EXPECT_OK(round[0].status);
    EXPECT_EQ(round[0].checked.size(), 1u);
    if (round[0].checked.size() != 1) return {};
    return round[0].checked[0].result;
  }

  std::unique_ptr<Monitor> a_;
  std::unique_ptr<Monitor> b_;
};

TEST_F(GossiperTest, SplitViewRaisesEvidenceOnBothSidesInOneRound) {
  // The log shows monitor-a 5 entries and monitor-b a different history of
  // 7 under the same key: a split view.
  ASSERT_OK(a_->log.Append(TestEntries("e", 0, 5)));
  ASSERT_OK(b_->log.Append(TestEntries("e", 0, 2)));
  ASSERT_OK(b_->log.Append(TestEntries("split", 2, 7)));

  // a asks b: b finds a's size 5 is not its own prefix (RootAt); a finds
  // b's answer inconsistent through the proof b attached from size 5.
  const PeerCheckResult at_a = OnlyResult(a_->GossiperTo(*b_)->RoundOnce());
  EXPECT_EQ(at_a.kind, PeerCheckKind::kEvidenceRaised) << at_a.detail;
  EXPECT_EQ(at_a.their_size, 7u);
  EXPECT_EQ(b_->service->Counts().evidence_raised, 1u);

  // b asks a: b's 7 is ahead of a (no proof from a, who is behind, and it
  // is already halted); a's answer of 5 is again b's evidence, not written
  // twice.
  const PeerCheckResult at_b = OnlyResult(b_->GossiperTo(*a_)->RoundOnce());
  EXPECT_EQ(at_b.kind, PeerCheckKind::kEvidenceRaised) << at_b.detail;
  EXPECT_EQ(a_->service->Counts().ahead_unverified, 1u);

  for (Monitor* monitor : {a_.get(), b_.get()}) {
    SCOPED_TRACE(monitor->name);
    EXPECT_TRUE(monitor->alarm->Halted(kOrigin));
    EXPECT_THAT(monitor->alarm->Counts(),
                ElementsAre(AlarmCount{std::string(kOrigin),
                                       Evidence::INCONSISTENT, 1}));
  }
  // Both files prove the split view to anyone pinning the log's key.
  ASSERT_OK_AND_ASSIGN(
      std::string report_a,
      CheckEvidenceFile(at_a.evidence_path, a_->log.log_vkey()));
  EXPECT_THAT(report_a, HasSubstr("PROVEN (inconsistent)"));
  ASSERT_OK_AND_ASSIGN(Evidence evidence_a,
                       ReadEvidenceFile(at_a.evidence_path));
  EXPECT_EQ(evidence_a.observed_by(), "monitor-a");
  EXPECT_THAT(evidence_a.source(), HasSubstr("monitor-b"));
  ASSERT_OK_AND_ASSIGN(
      std::string report_b,
      CheckEvidenceFile(at_b.evidence_path, b_->log.log_vkey()));
  EXPECT_THAT(report_b, HasSubstr("PROVEN (inconsistent)"));
  ASSERT_OK_AND_ASSIGN(Evidence evidence_b,
                       ReadEvidenceFile(at_b.evidence_path));
  EXPECT_EQ(evidence_b.observed_by(), "monitor-b");
}

TEST_F(GossiperTest, HonestLogRaisesNothing) {
  ASSERT_OK(a_->log.Append(TestEntries("e", 0, 5)));
  ASSERT_OK(b_->log.Append(TestEntries("e", 0, 9)));
  std::unique_ptr<Gossiper> from_a = a_->GossiperTo(*b_);
  std::unique_ptr<Gossiper> from_b = b_->GossiperTo(*a_);

  const PeerCheckResult at_a = OnlyResult(from_a->RoundOnce());
  EXPECT_EQ(at_a.kind, PeerCheckKind::kConsistent) << at_a.detail;
  EXPECT_EQ(at_a.their_size, 9u);
  const PeerCheckResult at_b = OnlyResult(from_b->RoundOnce());
  EXPECT_EQ(at_b.kind, PeerCheckKind::kConsistent) << at_b.detail;
  EXPECT_EQ(at_b.their_size, 5u);

  EXPECT_EQ(b_->service->Counts().consistent, 1u);
  // b's 9 reached a without a proof (a sends none to a larger requester).
  EXPECT_EQ(a_->service->Counts().ahead_unverified, 1u);
  for (Monitor* monitor : {a_.get(), b_.get()}) {
    EXPECT_FALSE(monitor->alarm->Halted(kOrigin));
    EXPECT_THAT(monitor->alarm->Counts(), IsEmpty());
  }
  const GossipStats stats = from_a->Stats();
  EXPECT_EQ(stats.rounds, 1u);
  ASSERT_EQ(stats.peers.size(), 1u);
  EXPECT_EQ(stats.peers[0].name, "monitor-b");
  EXPECT_EQ(stats.peers[0].exchanges_ok, 1u);
  EXPECT_EQ(stats.peers[0].exchanges_failed, 0u);
  EXPECT_NE(stats.peers[0].last_success, absl::InfinitePast());
  EXPECT_EQ(stats.results.consistent, 1u);
}

TEST_F(GossiperTest, AnUnreachablePeerIsCountedAndRetried) {
  ASSERT_OK(a_->log.Append(TestEntries("e", 0, 5)));
  GossiperOptions options;
  options.deadline = absl::Milliseconds(300);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Gossiper> gossiper,
      Gossiper::Create({&a_->log}, a_->alarm.get(), "monitor-a",
                       {{"nobody", "127.0.0.1:1", std::nullopt}}, options));
  const std::vector<PeerRound> round = gossiper->RoundOnce();
  ASSERT_EQ(round.size(), 1u);
  EXPECT_FALSE(round[0].status.ok());
  EXPECT_THAT(std::string(round[0].status.message()),
              HasSubstr("gossip with nobody (127.0.0.1:1)"));
  gossiper->RoundOnce();
  const GossipStats stats = gossiper->Stats();
  EXPECT_EQ(stats.rounds, 2u);
  EXPECT_EQ(stats.peers[0].exchanges_failed, 2u);
  EXPECT_EQ(stats.peers[0].last_success, absl::InfinitePast());
  EXPECT_FALSE(stats.peers[0].last_error.empty());
}

TEST_F(GossiperTest, APeersNameIsLoggedOnOneLine) {
  // A peer that names itself with a newline must not write a line of its
  // own into this monitor's log (issue 11). Nothing verified here yet, so
  // its head is logged as ahead and unverified, quoting its name.
  Monitor evil("evil\nvitrine-monitor: ALARM: forged",
               absl::StrCat(::testing::TempDir(), "/evil_peer"));
  ASSERT_OK(evil.log.Append(TestEntries("e", 0, 5)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Gossiper> gossiper,
      Gossiper::Create({&a_->log}, a_->alarm.get(), "monitor-a",
                       {{"evil", evil.address, std::nullopt}},
                       GossiperOptions{}));
  ::testing::internal::CaptureStderr();
  const PeerCheckResult result = OnlyResult(gossiper->RoundOnce());
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(result.kind, PeerCheckKind::kAheadUnverified);
  EXPECT_THAT(logged,
              HasSubstr("monitor \"evil\\x0avitrine-monitor: ALARM: forged\""));
  EXPECT_THAT(logged, Not(HasSubstr("\nvitrine-monitor: ALARM")));
}

TEST_F(GossiperTest, StartRunsRoundsUntilStop) {
  ASSERT_OK(a_->log.Append(TestEntries("e", 0, 5)));
  ASSERT_OK(b_->log.Append(TestEntries("e", 0, 5)));
  GossiperOptions options;
  options.interval = absl::Milliseconds(20);
  std::unique_ptr<Gossiper> gossiper = a_->GossiperTo(*b_, options);
  gossiper->Start();
  gossiper->Start();  // Idempotent.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (gossiper->Stats().rounds < 3 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  gossiper->Stop();
  gossiper->Stop();
  const uint64_t rounds = gossiper->Stats().rounds;
  EXPECT_GE(rounds, 3u);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(gossiper->Stats().rounds, rounds);
  EXPECT_EQ(gossiper->Stats().results.consistent, rounds);
}

TEST(GossiperCreateTest, RefusesBadConfiguration) {
  GossiperOptions options;
  EXPECT_THAT(
      Gossiper::Create({}, nullptr, "m", {{"p", "", std::nullopt}}, options),
      ::vitrine::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                   "has no target"));
  options.interval = absl::ZeroDuration();
  EXPECT_THAT(Gossiper::Create({}, nullptr, "m", {}, options),
              ::vitrine::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vitrine::monitor
