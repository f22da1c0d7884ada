#include "monitor/evidence/evidence.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "monitor/gossip/testing/fake_verified_log.h"

namespace vitrine::monitor {
namespace {

using testing::FakeVerifiedLog;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::TestEntries;
using ::vitrine::testing::StatusIs;
using vitrine::v1::Evidence;

constexpr absl::string_view kOrigin = "example.com/log";
constexpr char kSeed = 7;

const Observation kSeen{"monitor-a", "peer 127.0.0.1:1",
                        absl::FromUnixSeconds(1800000000)};

// Two trees under one key: the honest one and a fork that agrees on the
// first 3 entries.
class EvidenceTest : public ::testing::Test {
 protected:
  EvidenceTest() : honest_(kOrigin, kSeed), fork_(kOrigin, kSeed) {}

  void SetUp() override {
    ASSERT_OK(honest_.Append(TestEntries("e", 0, 7)));
    ASSERT_OK(fork_.Append(TestEntries("e", 0, 3)));
    ASSERT_OK(fork_.Append(TestEntries("fork", 3, 9)));
  }

  std::string Note(const FakeVerifiedLog& log, uint64_t size) {
    return log.SignedNoteAt(size).value();
  }

  // The honest size 5 against the fork's size 9: the fork's prefix root.
  Evidence Inconsistent() {
    return InconsistentEvidence(kOrigin, honest_.log_vkey(), Note(honest_, 5),
                                Note(fork_, 9), fork_.RootAt(5).value(),
                                fork_.ConsistencyProof(5, 9).value(), kSeen);
  }
  Evidence SameSize() {
    return SameSizeDifferentRootsEvidence(
        kOrigin, honest_.log_vkey(), Note(honest_, 6), Note(fork_, 6), kSeen);
  }
  // The honest tree's entries 5 and 6, served after size 5, against the
  // fork's signed size 7.
  Evidence EntriesMismatch() {
    return EntriesMismatchEvidence(kOrigin, honest_.log_vkey(),
                                   Note(honest_, 5), honest_.RangeAt(5).value(),
                                   TestEntries("e", 5, 7), Note(fork_, 7),
                                   kSeen);
  }

  FakeVerifiedLog honest_;
  FakeVerifiedLog fork_;
};

TEST_F(EvidenceTest, BuildersFillEveryField) {
  const Evidence evidence = Inconsistent();
  EXPECT_EQ(evidence.kind(), Evidence::INCONSISTENT);
  EXPECT_EQ(evidence.origin(), kOrigin);
  EXPECT_EQ(evidence.log_verifier_key(), honest_.log_vkey());
  EXPECT_EQ(evidence.first_note(), Note(honest_, 5));
  EXPECT_EQ(evidence.second_note(), Note(fork_, 9));
  EXPECT_EQ(evidence.prefix_root(), fork_.RootAt(5)->AsStringView());
  EXPECT_EQ(static_cast<size_t>(evidence.consistency_proof_size()),
            fork_.ConsistencyProof(5, 9)->size());
  EXPECT_EQ(evidence.observed_by(), "monitor-a");
  EXPECT_EQ(evidence.observed_at(), "2027-01-15T08:00:00Z");
  EXPECT_EQ(evidence.source(), "peer 127.0.0.1:1");
  EXPECT_THAT(evidence.explanation(), HasSubstr("size 5"));
  EXPECT_THAT(evidence.explanation(), HasSubstr("size 9"));
}

TEST_F(EvidenceTest, ObservedAtDefaultsToNow) {
  const Evidence evidence = SameSizeDifferentRootsEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 6), Note(fork_, 6),
      Observation{"m", "s", std::nullopt});
  absl::Time time;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, evidence.observed_at(), &time,
                              &error))
      << error;
  EXPECT_LT(absl::Now() - time, absl::Minutes(1));
  EXPECT_EQ(evidence.observed_at().back(), 'Z');
}

TEST_F(EvidenceTest, AcceptsSameSizeDifferentRoots) {
  ASSERT_OK_AND_ASSIGN(EvidenceCheck check,
                       JudgeEvidence(SameSize(), honest_.log_vkey()));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kProven);
  const std::string& report = check.report;
  EXPECT_THAT(report, StartsWith("PROVEN (same size, different roots)"));
  EXPECT_THAT(report, HasSubstr(honest_.RootAt(6)->ToBase64()));
  EXPECT_THAT(report, HasSubstr(fork_.RootAt(6)->ToBase64()));
}

TEST_F(EvidenceTest, AcceptsInconsistent) {
  ASSERT_OK_AND_ASSIGN(EvidenceCheck check,
                       JudgeEvidence(Inconsistent(), std::nullopt));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kProven);
  EXPECT_THAT(check.report, StartsWith("PROVEN (inconsistent)"));
  EXPECT_THAT(check.report, HasSubstr("monitor-a"));
  // CheckEvidence is the same report.
  ASSERT_OK_AND_ASSIGN(std::string report,
                       CheckEvidence(Inconsistent(), std::nullopt));
  EXPECT_EQ(report, check.report);
}

TEST_F(EvidenceTest, RejectsInconsistentWithoutItsProof) {
  // Sizes 1 and 4 need a two-hash proof; none is given.
  const Evidence evidence = InconsistentEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 1),
      honest_.SignCheckpoint(4, fork_.RootAt(4).value()).value(),
      merkle::HashLeaf("other"), {}, kSeen);
  // The proof is missing a hash: rejected, saying why.
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "consistency_proof from size 1"));
}

TEST_F(EvidenceTest, RollbackIsObservedAndRollbackWithForkProven) {
  const Evidence rollback = RollbackEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 7), Note(honest_, 4), kSeen);
  ASSERT_OK_AND_ASSIGN(EvidenceCheck check,
                       JudgeEvidence(rollback, honest_.log_vkey()));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kObserved);
  EXPECT_THAT(check.report,
              StartsWith("OBSERVED (rollback): \"monitor-a\" says log "
                         "\"example.com/log\" presented size 4 as its latest "
                         "after size 7\n"));
  EXPECT_THAT(check.report, HasSubstr("rests on when and where"));

  const Evidence fork = RollbackEvidence(
      kOrigin, honest_.log_vkey(), Note(fork_, 9), Note(honest_, 5), kSeen,
      fork_.RootAt(5).value(), fork_.ConsistencyProof(5, 9).value());
  ASSERT_OK_AND_ASSIGN(check, JudgeEvidence(fork, std::nullopt));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kProven);
  EXPECT_THAT(check.report, StartsWith("PROVEN (rollback and a fork)"));
}

TEST_F(EvidenceTest, EntriesMismatchIsObserved) {
  ASSERT_OK_AND_ASSIGN(EvidenceCheck check,
                       JudgeEvidence(EntriesMismatch(), honest_.log_vkey()));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kObserved);
  EXPECT_THAT(check.report,
              StartsWith("OBSERVED (entries mismatch): \"monitor-a\" says "
                         "log \"example.com/log\" served 2 entries after "
                         "size 5"));
  EXPECT_THAT(check.report, HasSubstr("the log did not sign the entries"));
}

// Issue 11: what anyone can build from an honest log's public checkpoints
// (two genuine checkpoints of different sizes, one genuine checkpoint and
// junk entries) checks, but only as an observation, never as proof.
TEST_F(EvidenceTest, FilesForgedFromPublicCheckpointsAreOnlyObservations) {
  const Observation made_up{"anyone", "nowhere",
                            absl::FromUnixSeconds(1800000000)};
  const Evidence rollback =
      RollbackEvidence(kOrigin, honest_.log_vkey(), Note(honest_, 7),
                       Note(honest_, 3), made_up);
  ASSERT_OK_AND_ASSIGN(EvidenceCheck check,
                       JudgeEvidence(rollback, honest_.log_vkey()));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kObserved);
  EXPECT_THAT(check.report, StartsWith("OBSERVED (rollback)"));

  const std::vector<std::string> junk = {"junk-1", "junk-2"};
  const Evidence entries = EntriesMismatchEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 5), honest_.RangeAt(5).value(),
      junk, Note(honest_, 7), made_up);
  ASSERT_OK_AND_ASSIGN(check, JudgeEvidence(entries, honest_.log_vkey()));
  EXPECT_EQ(check.verdict, EvidenceVerdict::kObserved);
  EXPECT_THAT(check.report, StartsWith("OBSERVED (entries mismatch)"));
  EXPECT_THAT(check.report,
              HasSubstr("the file alone proves nothing a third party can "
                        "check"));
  EXPECT_EQ(VerdictName(EvidenceVerdict::kObserved), "OBSERVED");
  EXPECT_EQ(VerdictName(EvidenceVerdict::kProven), "PROVEN");
}

TEST_F(EvidenceTest, ReportsEscapeTheFilesStrings) {
  Evidence evidence = SameSize();
  evidence.set_observed_by("m\nvitrine-monitor: ALARM: log x misbehaved");
  evidence.set_source("s\r\x1b[2K");
  evidence.set_explanation("e\nALARM: y");
  ASSERT_OK_AND_ASSIGN(EvidenceCheck check,
                       JudgeEvidence(evidence, std::nullopt));
  EXPECT_THAT(check.report,
              HasSubstr("  observed by \"m\\x0avitrine-monitor: ALARM: log x "
                        "misbehaved\" at 2027-01-15T08:00:00Z from "
                        "\"s\\x0d\\x1b[2K\"\n"));
  EXPECT_THAT(check.report, HasSubstr("  explanation: e\\x0aALARM: y\n"));
  for (const std::string& line :
       std::vector<std::string>(absl::StrSplit(check.report, '\n'))) {
    EXPECT_THAT(line, Not(StartsWith("ALARM")));
    EXPECT_THAT(line, Not(StartsWith("vitrine-monitor")));
  }
}

TEST_F(EvidenceTest, AcceptsEntriesMismatchFromTheEmptyTree) {
  const Evidence evidence =
      EntriesMismatchEvidence(kOrigin, honest_.log_vkey(), "", {},
                              TestEntries("e", 0, 7), Note(fork_, 7), kSeen);
  EXPECT_OK(CheckEvidence(evidence, std::nullopt));
}

TEST_F(EvidenceTest, RejectsAnotherPinnedKey) {
  const std::string other = testing::MakeTestLogKey(kOrigin, 8).verifier_key;
  EXPECT_THAT(CheckEvidence(SameSize(), other),
              StatusIs(absl::StatusCode::kFailedPrecondition, "pinned key"));
}

TEST_F(EvidenceTest, RejectsNotesOfAnotherKey) {
  // Evidence naming key 8 while the log key 7 signed the notes.
  Evidence evidence = SameSize();
  evidence.set_log_verifier_key(
      testing::MakeTestLogKey(kOrigin, 8).verifier_key);
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "second_note is not a checkpoint validly signed"));
}

TEST_F(EvidenceTest, RejectsAKeyNamedOtherThanTheOrigin) {
  Evidence evidence = SameSize();
  evidence.set_log_verifier_key(
      testing::MakeTestLogKey("example.com/other", kSeed).verifier_key);
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not the origin \"example.com/log\""));
}

TEST_F(EvidenceTest, RejectsABadSignature) {
  Evidence evidence = SameSize();
  std::string note = evidence.second_note();
  // The root line's first base64 digit changes: the signature no longer
  // covers the text.
  const size_t root = note.find('\n', note.find('\n') + 1) + 1;
  note[root] = note[root] == 'A' ? 'B' : 'A';
  evidence.set_second_note(note);
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "second_note"));
}

TEST_F(EvidenceTest, RejectsUnspecifiedKind) {
  Evidence evidence = SameSize();
  evidence.set_kind(Evidence::KIND_UNSPECIFIED);
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "kind 0"));
}

TEST_F(EvidenceTest, RejectsSameSizeWithEqualRootsOrOtherSizes) {
  EXPECT_THAT(
      CheckEvidence(SameSizeDifferentRootsEvidence(kOrigin, honest_.log_vkey(),
                                                   Note(honest_, 2),
                                                   Note(fork_, 2), kSeen),
                    std::nullopt),
      StatusIs(absl::StatusCode::kInvalidArgument, "the roots are equal"));
  EXPECT_THAT(CheckEvidence(SameSizeDifferentRootsEvidence(
                                kOrigin, honest_.log_vkey(), Note(honest_, 6),
                                Note(fork_, 7), kSeen),
                            std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the sizes differ (6 and 7)"));
}

TEST_F(EvidenceTest, RejectsInconsistentThatIsConsistent) {
  // The honest tree's own prefix root: the proof verifies but proves
  // nothing.
  const Evidence evidence = InconsistentEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 3), Note(fork_, 9),
      fork_.RootAt(3).value(), fork_.ConsistencyProof(3, 9).value(), kSeen);
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the checkpoints are consistent"));
}

TEST_F(EvidenceTest, RejectsInconsistentWhoseProofFails) {
  Evidence evidence = Inconsistent();
  evidence.set_prefix_root(std::string(merkle::HashLeaf("x").AsStringView()));
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not verify"));
  evidence = Inconsistent();
  evidence.mutable_consistency_proof()->RemoveLast();
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not verify"));
  evidence = Inconsistent();
  evidence.set_prefix_root("short");
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "prefix_root"));
}

TEST_F(EvidenceTest, RejectsInconsistentWithWrongSizes) {
  Evidence evidence = Inconsistent();
  evidence.set_first_note(Note(fork_, 9));
  evidence.set_second_note(Note(honest_, 5));
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "first_note's size 9 is not smaller"));
}

TEST_F(EvidenceTest, RejectsRollbackThatIsNone) {
  EXPECT_THAT(
      CheckEvidence(RollbackEvidence(kOrigin, honest_.log_vkey(),
                                     Note(honest_, 4), Note(honest_, 7), kSeen),
                    std::nullopt),
      StatusIs(absl::StatusCode::kInvalidArgument, "no rollback"));
  Evidence unobserved = RollbackEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 7), Note(honest_, 4), kSeen);
  unobserved.clear_observed_at();
  EXPECT_THAT(CheckEvidence(unobserved, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "observation"));
  // A "fork" whose proof shows the trees consistent.
  const Evidence no_fork = RollbackEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 7), Note(honest_, 4), kSeen,
      honest_.RootAt(4).value(), honest_.ConsistencyProof(4, 7).value());
  EXPECT_THAT(CheckEvidence(no_fork, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the checkpoints are consistent"));
}

TEST_F(EvidenceTest, RejectsEntriesThatMatch) {
  const Evidence evidence = EntriesMismatchEvidence(
      kOrigin, honest_.log_vkey(), Note(honest_, 5), honest_.RangeAt(5).value(),
      TestEntries("e", 5, 7), Note(honest_, 7), kSeen);
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "they match what it signed"));
}

TEST_F(EvidenceTest, RejectsEntriesWithABadPrefixOrCount) {
  Evidence evidence = EntriesMismatch();
  evidence.set_prefix_range(0, std::string(32, 'x'));
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "prefix_range does not fold to the root of first_note"));
  evidence = EntriesMismatch();
  evidence.mutable_prefix_range()->RemoveLast();
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "prefix_range"));
  evidence = EntriesMismatch();
  evidence.add_entries("one more");
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "first size 5 + 3 entries is not second_note's size 7"));
  // The empty tree takes no prefix range.
  evidence = EntriesMismatch();
  evidence.clear_first_note();
  EXPECT_THAT(CheckEvidence(evidence, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument, "prefix_range"));
}

TEST(KindSlugTest, NamesEveryKind) {
  EXPECT_EQ(KindSlug(Evidence::SAME_SIZE_DIFFERENT_ROOTS),
            "same-size-different-roots");
  EXPECT_EQ(KindSlug(Evidence::ENTRIES_MISMATCH), "entries-mismatch");
  EXPECT_EQ(KindSlug(static_cast<Evidence::Kind>(99)), "kind-99");
}

}  // namespace
}  // namespace vitrine::monitor
