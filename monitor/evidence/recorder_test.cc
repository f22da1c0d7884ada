#include "monitor/evidence/recorder.h"

#include <dirent.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/note.h"
#include "monitor/evidence/evidence.h"
#include "monitor/evidence/evidence_file.h"
#include "monitor/gossip/testing/fake_verified_log.h"

namespace vitrine::monitor {
namespace {

using ::testing::ElementsAre;
using testing::FakeVerifiedLog;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using testing::TestEntries;
using ::vitrine::testing::StatusIs;
using vitrine::v1::Evidence;

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (const dirent* entry = readdir(d)) {
    if (entry->d_name[0] != '.') names.push_back(entry->d_name);
  }
  closedir(d);
  return names;
}

class RecorderTest : public ::testing::Test {
 protected:
  RecorderTest()
      : dir_(absl::StrCat(
            ::testing::TempDir(), "/",
            ::testing::UnitTest::GetInstance()->current_test_info()->name(),
            "/evidence")),
        honest_("example.com/log", 7),
        fork_("example.com/log", 7) {}

  void SetUp() override {
    ASSERT_OK(honest_.Append(TestEntries("e", 0, 4)));
    ASSERT_OK(fork_.Append(TestEntries("f", 0, 4)));
  }

  Evidence SameSize(absl::string_view by = "monitor-a") {
    return SameSizeDifferentRootsEvidence(
        honest_.origin(), honest_.log_vkey(), honest_.Latest()->signed_note,
        fork_.Latest()->signed_note, Observation{std::string(by), "peer", {}});
  }

  const std::string dir_;
  FakeVerifiedLog honest_;
  FakeVerifiedLog fork_;
};

TEST_F(RecorderTest, RaiseWritesOneFileAndHalts) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                       EvidenceRecorder::Open(dir_));
  EXPECT_FALSE(recorder->Halted("example.com/log"));
  EXPECT_THAT(recorder->Counts(), IsEmpty());

  ASSERT_OK_AND_ASSIGN(std::string path, recorder->Raise(SameSize()));
  EXPECT_THAT(path, StartsWith(dir_ + "/"));
  EXPECT_THAT(FilesIn(dir_), ElementsAre(BaseName(path)));
  EXPECT_OK(CheckEvidenceFile(path, honest_.log_vkey()));
  EXPECT_TRUE(recorder->Halted("example.com/log"));
  EXPECT_FALSE(recorder->Halted("example.com/other"));
  EXPECT_THAT(recorder->HaltedOrigins(), ElementsAre("example.com/log"));
  EXPECT_THAT(recorder->Counts(),
              ElementsAre(AlarmCount{"example.com/log",
                                     Evidence::SAME_SIZE_DIFFERENT_ROOTS, 1}));
}

// The alarm line names whoever raised it and what the halt stops.
TEST_F(RecorderTest, AlarmLinesSpeakForTheProgram) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> monitor,
                       EvidenceRecorder::Open(dir_ + "/monitor"));
  ::testing::internal::CaptureStderr();
  ASSERT_OK(monitor->Raise(SameSize()).status());
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              StartsWith("vitrine-monitor: ALARM: log example.com/log misbehaved "
                         "(same-size-different-roots); cosigning halted; evidence in "));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<EvidenceRecorder> rebuilder,
      EvidenceRecorder::Open(dir_ + "/rebuilder", "",
                             AlarmVoice{"vitrine-rebuilder", "rebuilding"}));
  ::testing::internal::CaptureStderr();
  ASSERT_OK(rebuilder->Raise(SameSize()).status());
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              StartsWith("vitrine-rebuilder: ALARM: log example.com/log misbehaved "
                         "(same-size-different-roots); rebuilding halted; evidence in "));
}

TEST_F(RecorderTest, DeduplicatesTheSameConflict) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                       EvidenceRecorder::Open(dir_));
  ASSERT_OK_AND_ASSIGN(std::string first, recorder->Raise(SameSize()));
  // Seen again later, by another name and with a cosignature on the note:
  // the same conflict.
  Evidence again = SameSize("monitor-b");
  testing::TestLogKey witness = testing::MakeTestLogKey("witness", 3);
  again.set_second_note(
      note::AddSignature(again.second_note(), *witness.signer).value());
  ASSERT_OK_AND_ASSIGN(std::string second, recorder->Raise(again));
  EXPECT_EQ(first, second);
  EXPECT_EQ(FilesIn(dir_).size(), 1u);
  EXPECT_THAT(recorder->Counts(),
              ElementsAre(AlarmCount{"example.com/log",
                                     Evidence::SAME_SIZE_DIFFERENT_ROOTS, 1}));

  // Another conflict of the same log: a second file.
  const Evidence inconsistent = InconsistentEvidence(
      honest_.origin(), honest_.log_vkey(), honest_.SignedNoteAt(2).value(),
      fork_.Latest()->signed_note, fork_.RootAt(2).value(),
      fork_.ConsistencyProof(2, 4).value(), Observation{"m", "s", {}});
  ASSERT_OK_AND_ASSIGN(std::string third, recorder->Raise(inconsistent));
  EXPECT_NE(third, first);
  EXPECT_EQ(FilesIn(dir_).size(), 2u);
  EXPECT_THAT(
      recorder->Counts(),
      ElementsAre(
          AlarmCount{"example.com/log", Evidence::SAME_SIZE_DIFFERENT_ROOTS, 1},
          AlarmCount{"example.com/log", Evidence::INCONSISTENT, 1}));
}

TEST_F(RecorderTest, HaltSurvivesReopen) {
  std::string path;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                         EvidenceRecorder::Open(dir_));
    ASSERT_OK_AND_ASSIGN(path, recorder->Raise(SameSize()));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> reopened,
                       EvidenceRecorder::Open(dir_));
  EXPECT_TRUE(reopened->Halted("example.com/log"));
  EXPECT_THAT(reopened->Counts(),
              ElementsAre(AlarmCount{"example.com/log",
                                     Evidence::SAME_SIZE_DIFFERENT_ROOTS, 1}));
  // Raised again after the restart: the file found by Open is the answer.
  ASSERT_OK_AND_ASSIGN(std::string again, reopened->Raise(SameSize()));
  EXPECT_EQ(again, path);
  EXPECT_EQ(FilesIn(dir_).size(), 1u);
}

TEST_F(RecorderTest, OpenIgnoresFilesThatProveNothing) {
  ASSERT_OK(EvidenceRecorder::Open(dir_).status());
  ASSERT_OK(WriteFileAtomically(dir_ + "/corrupt.evidence.json", "{", 0644));
  Evidence forged = SameSize();
  forged.set_second_note(forged.first_note());
  ASSERT_OK(WriteEvidenceFile(dir_, forged).status());
  ASSERT_OK(WriteFileAtomically(dir_ + "/notes.txt", "not evidence", 0644));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                       EvidenceRecorder::Open(dir_));
  EXPECT_FALSE(recorder->Halted("example.com/log"));
  EXPECT_THAT(recorder->Counts(), IsEmpty());
}

// Issue 11: anyone can build a ROLLBACK or ENTRIES_MISMATCH file from an
// honest log's public checkpoints. Found in the folder, such a file halts
// nothing; the monitor's own observations still halt after a restart.
class ObservationTest : public RecorderTest {
 protected:
  ObservationTest() : observed_dir_(dir_ + "/../observed") {}

  Evidence Rollback() {
    return RollbackEvidence(honest_.origin(), honest_.log_vkey(),
                            honest_.SignedNoteAt(4).value(),
                            honest_.SignedNoteAt(2).value(),
                            Observation{"anyone", "nowhere", {}});
  }
  Evidence Entries() {
    const std::vector<std::string> junk = {"junk-2", "junk-3"};
    return EntriesMismatchEvidence(
        honest_.origin(), honest_.log_vkey(), honest_.SignedNoteAt(2).value(),
        honest_.RangeAt(2).value(), junk, honest_.SignedNoteAt(4).value(),
        Observation{"anyone", "nowhere", {}});
  }

  const std::string observed_dir_;
};

TEST_F(ObservationTest, ForgedObservationsFoundInTheFolderHaltNothing) {
  ASSERT_OK(EvidenceRecorder::Open(dir_, observed_dir_).status());
  ASSERT_OK(WriteEvidenceFile(dir_, Rollback()).status());
  ASSERT_OK(WriteEvidenceFile(dir_, Entries()).status());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                       EvidenceRecorder::Open(dir_, observed_dir_));
  EXPECT_FALSE(recorder->Halted("example.com/log"));
  EXPECT_THAT(recorder->Counts(), IsEmpty());
  EXPECT_THAT(FilesIn(observed_dir_), IsEmpty());
}

TEST_F(ObservationTest, OwnObservationsHaltAcrossRestarts) {
  std::string rollback, entries;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                         EvidenceRecorder::Open(dir_, observed_dir_));
    ASSERT_OK_AND_ASSIGN(rollback, recorder->Raise(Rollback()));
    ASSERT_OK_AND_ASSIGN(entries, recorder->Raise(Entries()));
    EXPECT_TRUE(recorder->Halted("example.com/log"));
  }
  EXPECT_EQ(FilesIn(observed_dir_).size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> reopened,
                       EvidenceRecorder::Open(dir_, observed_dir_));
  EXPECT_TRUE(reopened->Halted("example.com/log"));
  EXPECT_THAT(reopened->Counts(),
              ElementsAre(AlarmCount{"example.com/log", Evidence::ROLLBACK, 1},
                          AlarmCount{"example.com/log",
                                     Evidence::ENTRIES_MISMATCH, 1}));
  ASSERT_OK_AND_ASSIGN(std::string again, reopened->Raise(Rollback()));
  EXPECT_EQ(again, rollback);

  // The same files without the record (copied to another monitor's
  // folder), or a record that no longer matches the file: nothing halts.
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<EvidenceRecorder> elsewhere,
      EvidenceRecorder::Open(dir_, dir_ + "/../elsewhere-observed"));
  EXPECT_FALSE(elsewhere->Halted("example.com/log"));
  ASSERT_OK(WriteFileAtomically(
      observed_dir_ + "/" + BaseName(rollback) + ".sha256",
      std::string(64, '0') + "\n", 0600));
  ASSERT_OK(WriteFileAtomically(
      observed_dir_ + "/" + BaseName(entries) + ".sha256", "", 0600));
  ASSERT_OK_AND_ASSIGN(reopened, EvidenceRecorder::Open(dir_, observed_dir_));
  EXPECT_FALSE(reopened->Halted("example.com/log"));
}

TEST_F(ObservationTest, WithoutAnObservationsFolderOwnObservationsEndWithTheProcess) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                         EvidenceRecorder::Open(dir_));
    ASSERT_OK(recorder->Raise(Rollback()).status());
    EXPECT_TRUE(recorder->Halted("example.com/log"));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> reopened,
                       EvidenceRecorder::Open(dir_));
  EXPECT_FALSE(reopened->Halted("example.com/log"));
}

TEST_F(RecorderTest, RefusesEvidenceThatDoesNotVerifyAndDoesNotHalt) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                       EvidenceRecorder::Open(dir_));
  Evidence bogus = SameSize();
  bogus.set_second_note(bogus.first_note());
  EXPECT_THAT(recorder->Raise(bogus),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "refused evidence: evidence: the roots are equal"));
  EXPECT_FALSE(recorder->Halted("example.com/log"));
  EXPECT_THAT(FilesIn(dir_), IsEmpty());
  EXPECT_THAT(recorder->Counts(), IsEmpty());
}

TEST_F(RecorderTest, HaltsEvenWhenTheFileCannotBeWritten) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> recorder,
                       EvidenceRecorder::Open(dir_));
  // The folder disappears under the recorder.
  ASSERT_EQ(rmdir(dir_.c_str()), 0);
  EXPECT_THAT(recorder->Raise(SameSize()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(recorder->Halted("example.com/log"));
}

}  // namespace
}  // namespace vitrine::monitor
