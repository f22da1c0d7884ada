// Selection by origin among zero, one and several verified copies, and the
// checkpoint a copy serves, over copies in TEST_TMPDIR fed with checkpoints
// signed by a test log key (no server needed).
#include "monitor/mirror/mirrored_logs.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/witness/witness_testing.h"

namespace vitrine::monitor {
namespace {

using ::vitrine::monitor::testing::NewTempDir;
using ::vitrine::monitor::testing::TestLog;
using ::vitrine::testing::StatusIs;

class MirroredLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(copy_a_, VerifiedCopy::Open(NewTempDir("a"), a_.vkey()));
    ASSERT_OK_AND_ASSIGN(copy_b_, VerifiedCopy::Open(NewTempDir("b"), b_.vkey()));
  }

  // Appends the leaves [from, to) of `log` to `copy` with its checkpoint of
  // size `to`, as the follower does once it verified them.
  static void Grow(VerifiedCopy& copy, const TestLog& log, uint64_t from,
                   uint64_t to) {
    std::vector<std::string> leaves;
    for (uint64_t i = from; i < to; ++i) leaves.push_back(absl::StrCat("entry-", i));
    const std::string note = log.Note(to);
    ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint opened,
                         note::OpenCheckpoint(note, log.origin(), log.keys()));
    ASSERT_OK(copy.Append(from, leaves, opened, note));
  }

  TestLog a_{"log.example/a", 40};
  TestLog b_{"log.example/b", 10};
  std::unique_ptr<VerifiedCopy> copy_a_;
  std::unique_ptr<VerifiedCopy> copy_b_;
};

TEST_F(MirroredLogsTest, OneLogIsTheDefault) {
  MirroredLogs logs({{copy_a_.get(), "log-a.example:7400"}});
  ASSERT_OK_AND_ASSIGN(const MirroredLog* log, logs.Find(""));
  EXPECT_EQ(log->copy, copy_a_.get());
  ASSERT_OK_AND_ASSIGN(log, logs.Find("log.example/a"));
  EXPECT_EQ(log->log_address, "log-a.example:7400");
  EXPECT_THAT(logs.Find("log.example/b"),
              StatusIs(absl::StatusCode::kNotFound,
                       "no log \"log.example/b\" here: this monitor serves "
                       "\"log.example/a\""));
  EXPECT_EQ(logs.LogAddresses(), "the log \"log.example/a\" at log-a.example:7400");
}

TEST_F(MirroredLogsTest, SeveralLogsMustBeNamed) {
  MirroredLogs logs({{copy_a_.get(), "log-a.example:7400"},
                     {copy_b_.get(), "log-b.example:7400"}});
  EXPECT_THAT(logs.Find(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "this monitor serves 2 logs (\"log.example/a\", "
                       "\"log.example/b\"): name one in origin"));
  ASSERT_OK_AND_ASSIGN(const MirroredLog* log, logs.Find("log.example/b"));
  EXPECT_EQ(log->copy, copy_b_.get());
  ASSERT_OK_AND_ASSIGN(log, logs.Find("log.example/a"));
  EXPECT_EQ(log->copy, copy_a_.get());
  // The caller's bytes are escaped in the answer.
  EXPECT_THAT(logs.Find("log.example/c\nALARM"),
              StatusIs(absl::StatusCode::kNotFound, "\"log.example/c\\x0aALARM\""));
  EXPECT_EQ(logs.LogAddresses(),
            "the log \"log.example/a\" at log-a.example:7400, "
            "the log \"log.example/b\" at log-b.example:7400");
}

TEST_F(MirroredLogsTest, NoLogFindsNothing) {
  MirroredLogs logs({});
  EXPECT_THAT(logs.Find(""), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(logs.Find("log.example/a"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(logs.LogAddresses(), "the log itself");
}

TEST_F(MirroredLogsTest, NoCheckpointBeforeTheFirstVerified) {
  EXPECT_THAT(CheckpointOf(*copy_a_, 0),
              StatusIs(absl::StatusCode::kNotFound,
                       "this monitor has verified no checkpoint of "
                       "\"log.example/a\" yet"));
  EXPECT_THAT(CheckpointOf(*copy_a_, 7), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MirroredLogsTest, CheckpointsAreTheLogsAsVerified) {
  // The copy verified sizes 5, 12 and 40: it holds the log's notes of
  // those, and no others.
  Grow(*copy_a_, a_, 0, 5);
  Grow(*copy_a_, a_, 5, 12);
  Grow(*copy_a_, a_, 12, 40);
  for (const auto& [at_most, expected] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 40}, {5, 5}, {11, 5}, {12, 12}, {39, 12}, {40, 40}, {1000, 40}}) {
    ASSERT_OK_AND_ASSIGN(vitrine::v1::Checkpoint checkpoint,
                         CheckpointOf(*copy_a_, at_most));
    EXPECT_EQ(checkpoint.size(), expected) << at_most;
    EXPECT_EQ(checkpoint.note(), a_.Note(expected)) << at_most;
  }
  EXPECT_THAT(CheckpointOf(*copy_a_, 4),
              StatusIs(absl::StatusCode::kNotFound,
                       "this monitor holds no checkpoint of \"log.example/a\" "
                       "at or below size 4"));
}

}  // namespace
// The mirror serves the log's note byte for byte, with only the lines of
// its own witness's note for the same checkpoint that the log's lacks.
TEST(WithCosignaturesTest, AppendsOnlyMissingLinesOfTheSameCheckpoint) {
  const std::string log_note =
      "example.com/log\n7\nroot=\n\n\xe2\x80\x94 example.com/log AAAA\n";
  const std::string cosigned =
      "example.com/log\n7\nroot=\n\n\xe2\x80\x94 example.com/log AAAA\n"
      "\xe2\x80\x94 m.test/witness BBBB\n";
  EXPECT_EQ(WithCosignatures(log_note, cosigned),
            log_note + "\xe2\x80\x94 m.test/witness BBBB\n");
  // Already there: nothing twice.
  EXPECT_EQ(WithCosignatures(cosigned, cosigned), cosigned);
  // Another checkpoint (another size): the log's note alone.
  EXPECT_EQ(WithCosignatures(log_note,
                             "example.com/log\n8\nroot=\n\n\xe2\x80\x94 m.test/witness BBBB\n"),
            log_note);
  // Not a note: the log's note alone.
  EXPECT_EQ(WithCosignatures(log_note, "garbage"), log_note);
}

}  // namespace vitrine::monitor
