#include "monitor/gossip/peer_check.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/note.h"
#include "monitor/evidence/evidence_file.h"
#include "monitor/evidence/recorder.h"
#include "monitor/gossip/testing/fake_verified_log.h"

namespace vitrine::monitor {
namespace {

using testing::FakeVerifiedLog;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TestEntries;
using vitrine::v1::Evidence;
using vitrine::v1::GossipCheckpoint;

constexpr absl::string_view kOrigin = "example.com/log";

GossipCheckpoint Theirs(std::string note) {
  GossipCheckpoint checkpoint;
  checkpoint.set_note(std::move(note));
  return checkpoint;
}

void AddProof(GossipCheckpoint& checkpoint, uint64_t old_size,
              const merkle::Hash& old_root,
              const std::vector<merkle::Hash>& proof) {
  checkpoint.set_proof_old_size(old_size);
  checkpoint.set_proof_old_root(std::string(old_root.AsStringView()));
  for (const merkle::Hash& hash : proof) {
    checkpoint.add_consistency_proof(std::string(hash.AsStringView()));
  }
}

// Mine: the honest tree at size 6. Theirs: the honest tree to 10, or a fork
// of it after 3 entries, to 10; all under one key.
class PeerCheckTest : public ::testing::Test {
 protected:
  PeerCheckTest() : mine_(kOrigin, 7), honest_(kOrigin, 7), fork_(kOrigin, 7) {}

  void SetUp() override {
    ASSERT_OK(mine_.Append(TestEntries("e", 0, 6)));
    ASSERT_OK(honest_.Append(TestEntries("e", 0, 10)));
    ASSERT_OK(fork_.Append(TestEntries("e", 0, 3)));
    ASSERT_OK(fork_.Append(TestEntries("fork", 3, 10)));
    ASSERT_OK_AND_ASSIGN(
        alarm_,
        EvidenceRecorder::Open(absl::StrCat(
            ::testing::TempDir(), "/",
            ::testing::UnitTest::GetInstance()->current_test_info()->name())));
  }

  PeerCheckResult Check(const GossipCheckpoint& theirs,
                        const LogConsistencyFn& log_consistency = nullptr) {
    absl::StatusOr<PeerCheckResult> result = CheckPeerCheckpoint(
        mine_, *alarm_, theirs, "peer-b", "monitor-a", log_consistency);
    EXPECT_OK(result);
    return result.ok() ? *result : PeerCheckResult{};
  }

  // Checks the evidence file of `result` as check-evidence would.
  Evidence ExpectProven(const PeerCheckResult& result) {
    EXPECT_EQ(result.kind, PeerCheckKind::kEvidenceRaised) << result.detail;
    EXPECT_OK(CheckEvidenceFile(result.evidence_path, mine_.log_vkey()));
    EXPECT_TRUE(alarm_->Halted(kOrigin));
    absl::StatusOr<Evidence> evidence = ReadEvidenceFile(result.evidence_path);
    EXPECT_OK(evidence);
    if (evidence.ok()) {
      EXPECT_EQ(evidence->observed_by(), "monitor-a");
      EXPECT_EQ(evidence->source(), "peer-b");
    }
    return evidence.ok() ? *evidence : Evidence{};
  }

  void ExpectNoAlarm() {
    EXPECT_FALSE(alarm_->Halted(kOrigin));
    EXPECT_THAT(alarm_->Counts(), IsEmpty());
  }

  FakeVerifiedLog mine_;
  FakeVerifiedLog honest_;
  FakeVerifiedLog fork_;
  std::unique_ptr<EvidenceRecorder> alarm_;
};

TEST_F(PeerCheckTest, RejectsWhatTheLogDidNotSign) {
  FakeVerifiedLog impostor(kOrigin, 8);  // Same origin, another key.
  ASSERT_OK(impostor.Append(TestEntries("e", 0, 6)));
  FakeVerifiedLog other("example.com/other", 7);
  ASSERT_OK(other.Append(TestEntries("e", 0, 6)));
  for (const std::string& note :
       {impostor.Latest()->signed_note, other.Latest()->signed_note,
        std::string("not a note")}) {
    const PeerCheckResult result = Check(Theirs(note));
    EXPECT_EQ(result.kind, PeerCheckKind::kRejected) << note;
    EXPECT_EQ(result.their_size, 0u);
  }
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, SameSizeSameRootIsConsistent) {
  const PeerCheckResult result = Check(Theirs(honest_.SignedNoteAt(6).value()));
  EXPECT_EQ(result.kind, PeerCheckKind::kConsistent);
  EXPECT_EQ(result.their_size, 6u);
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, SameSizeOtherRootIsEvidence) {
  const std::string theirs = fork_.SignedNoteAt(6).value();
  const Evidence evidence = ExpectProven(Check(Theirs(theirs)));
  EXPECT_EQ(evidence.kind(), Evidence::SAME_SIZE_DIFFERENT_ROOTS);
  EXPECT_EQ(evidence.first_note(), mine_.Latest()->signed_note);
  EXPECT_EQ(evidence.second_note(), theirs);
}

TEST_F(PeerCheckTest, EvidenceCarriesCanonicalNotes) {
  // Their note padded with lines by unknown keys, mine with another
  // witness's cosignature: evidence keeps the text and the log's line only.
  const std::string theirs = fork_.SignedNoteAt(6).value();
  std::string padded = theirs;
  for (int i = 0; i < 40; ++i) {
    padded += absl::StrCat("\xE2\x80\x94 junk", i, ".example/w ",
                           std::string(398, 'A'), "==\n");
  }
  ASSERT_OK(note::ParseNote(padded).status());
  const Evidence evidence = ExpectProven(Check(Theirs(padded)));
  EXPECT_EQ(evidence.kind(), Evidence::SAME_SIZE_DIFFERENT_ROOTS);
  EXPECT_EQ(evidence.first_note(), mine_.Latest()->signed_note);
  EXPECT_EQ(evidence.second_note(), theirs);
}

TEST_F(PeerCheckTest, SmallerPrefixIsConsistent) {
  EXPECT_EQ(Check(Theirs(honest_.SignedNoteAt(4).value())).kind,
            PeerCheckKind::kConsistent);
  // The same prefix as the fork's: equal up to 3.
  EXPECT_EQ(Check(Theirs(fork_.SignedNoteAt(3).value())).kind,
            PeerCheckKind::kConsistent);
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, SmallerOtherRootIsEvidenceFromMyTree) {
  const std::string theirs = fork_.SignedNoteAt(5).value();
  const Evidence evidence = ExpectProven(Check(Theirs(theirs)));
  EXPECT_EQ(evidence.kind(), Evidence::INCONSISTENT);
  EXPECT_EQ(evidence.first_note(), theirs);
  EXPECT_EQ(evidence.second_note(), mine_.Latest()->signed_note);
  EXPECT_EQ(evidence.prefix_root(), mine_.RootAt(5)->AsStringView());
}

TEST_F(PeerCheckTest, LargerWithAGoodProofIsConsistent) {
  GossipCheckpoint theirs = Theirs(honest_.Latest()->signed_note);
  AddProof(theirs, 6, honest_.RootAt(6).value(),
           honest_.ConsistencyProof(6, 10).value());
  const PeerCheckResult result = Check(theirs);
  EXPECT_EQ(result.kind, PeerCheckKind::kConsistent) << result.detail;
  EXPECT_EQ(result.their_size, 10u);
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, LargerWhoseProofStartsElsewhereIsEvidence) {
  GossipCheckpoint theirs = Theirs(fork_.Latest()->signed_note);
  AddProof(theirs, 6, fork_.RootAt(6).value(),
           fork_.ConsistencyProof(6, 10).value());
  const Evidence evidence = ExpectProven(Check(theirs));
  EXPECT_EQ(evidence.kind(), Evidence::INCONSISTENT);
  EXPECT_EQ(evidence.first_note(), mine_.Latest()->signed_note);
  EXPECT_EQ(evidence.second_note(), fork_.Latest()->signed_note);
  EXPECT_EQ(evidence.prefix_root(), fork_.RootAt(6)->AsStringView());
}

TEST_F(PeerCheckTest, LargerWithABadProofIsUnverified) {
  GossipCheckpoint theirs = Theirs(fork_.Latest()->signed_note);
  // The fork's tree, but the proof of the honest one: it does not verify.
  AddProof(theirs, 6, fork_.RootAt(6).value(),
           honest_.ConsistencyProof(6, 10).value());
  PeerCheckResult result = Check(theirs);
  EXPECT_EQ(result.kind, PeerCheckKind::kAheadUnverified);
  EXPECT_THAT(result.detail, HasSubstr("does not verify"));
  // A malformed root is as bad.
  theirs.set_proof_old_root("short");
  EXPECT_EQ(Check(theirs).kind, PeerCheckKind::kAheadUnverified);
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, LargerWithoutAProofAsksTheLog) {
  const GossipCheckpoint honest = Theirs(honest_.Latest()->signed_note);
  EXPECT_EQ(Check(honest).kind, PeerCheckKind::kAheadUnverified);
  const LogConsistencyFn honest_log = [&](uint64_t old_size, uint64_t size) {
    return honest_.ConsistencyProof(old_size, size);
  };
  EXPECT_EQ(Check(honest, honest_log).kind, PeerCheckKind::kConsistent);
  // The fork's checkpoint: no proof from the log can verify against my
  // root, but a failed proof is not evidence.
  const GossipCheckpoint fork = Theirs(fork_.Latest()->signed_note);
  const LogConsistencyFn fork_log = [&](uint64_t old_size, uint64_t size) {
    return fork_.ConsistencyProof(old_size, size);
  };
  EXPECT_EQ(Check(fork, fork_log).kind, PeerCheckKind::kAheadUnverified);
  const LogConsistencyFn down = [](uint64_t, uint64_t) {
    return absl::StatusOr<std::vector<merkle::Hash>>(
        absl::UnavailableError("log down"));
  };
  const PeerCheckResult result = Check(honest, down);
  EXPECT_EQ(result.kind, PeerCheckKind::kAheadUnverified);
  EXPECT_THAT(result.detail, HasSubstr("not checked now: log down"));
  const LogConsistencyFn wrong = [](uint64_t, uint64_t) {
    return absl::StatusOr<std::vector<merkle::Hash>>(
        std::vector<merkle::Hash>{merkle::HashLeaf("x")});
  };
  EXPECT_THAT(Check(honest, wrong).detail,
              HasSubstr("the log's consistency proof from my size 6 failed"));
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, AProofFromAnotherSizeIsNotUsed) {
  GossipCheckpoint theirs = Theirs(fork_.Latest()->signed_note);
  AddProof(theirs, 5, fork_.RootAt(5).value(),
           fork_.ConsistencyProof(5, 10).value());
  EXPECT_EQ(Check(theirs).kind, PeerCheckKind::kAheadUnverified);
  ExpectNoAlarm();
}

TEST_F(PeerCheckTest, NothingVerifiedYetJudgesNothing) {
  FakeVerifiedLog empty(kOrigin, 7);
  for (const std::string& note :
       {fork_.SignedNoteAt(1).value(), fork_.Latest()->signed_note}) {
    ASSERT_OK_AND_ASSIGN(PeerCheckResult result,
                         CheckPeerCheckpoint(empty, *alarm_, Theirs(note),
                                             "peer-b", "monitor-a"));
    EXPECT_EQ(result.kind, PeerCheckKind::kAheadUnverified);
  }
  ExpectNoAlarm();
}

TEST(PeerCheckCountsTest, CountsEachKind) {
  PeerCheckCounts counts;
  counts.Add(PeerCheckKind::kConsistent);
  counts.Add(PeerCheckKind::kConsistent);
  counts.Add(PeerCheckKind::kRejected);
  counts.Add(PeerCheckKind::kEvidenceRaised);
  EXPECT_EQ(counts.consistent, 2u);
  EXPECT_EQ(counts.ahead_unverified, 0u);
  EXPECT_EQ(counts.evidence_raised, 1u);
  EXPECT_EQ(counts.rejected, 1u);
  EXPECT_STREQ(PeerCheckKindName(PeerCheckKind::kAheadUnverified),
               "ahead_unverified");
}

}  // namespace
}  // namespace vitrine::monitor
