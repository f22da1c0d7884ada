#include "monitor/evidence/evidence_file.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "monitor/evidence/evidence.h"
#include "monitor/gossip/testing/fake_verified_log.h"

namespace vitrine::monitor {
namespace {

using ::testing::EndsWith;
using testing::FakeVerifiedLog;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::TestEntries;
using ::vitrine::testing::StatusIs;
using vitrine::v1::Evidence;

class EvidenceFileTest : public ::testing::Test {
 protected:
  EvidenceFileTest()
      : dir_(::testing::TempDir()),
        honest_("example.com/log", 7),
        fork_("example.com/log", 7) {}

  void SetUp() override {
    ASSERT_OK(honest_.Append(TestEntries("e", 0, 4)));
    ASSERT_OK(fork_.Append(TestEntries("f", 0, 4)));
    evidence_ = SameSizeDifferentRootsEvidence(
        honest_.origin(), honest_.log_vkey(), honest_.Latest()->signed_note,
        fork_.Latest()->signed_note,
        Observation{"monitor-a", "peer", absl::FromUnixSeconds(1800000000)});
  }

  std::string WriteRaw(absl::string_view name, absl::string_view text) {
    const std::string path = absl::StrCat(dir_, "/", name);
    EXPECT_OK(WriteFileAtomically(path, text, 0644));
    return path;
  }

  const std::string dir_;
  FakeVerifiedLog honest_;
  FakeVerifiedLog fork_;
  Evidence evidence_;
};

TEST_F(EvidenceFileTest, RoundTrips) {
  ASSERT_OK_AND_ASSIGN(std::string path, WriteEvidenceFile(dir_, evidence_));
  EXPECT_THAT(path, MatchesRegex(".*/20270115T080000Z-same-size-different-"
                                 "roots-example.com_log-[0-9a-f]{12}"
                                 "\\.evidence\\.json"));
  ASSERT_OK_AND_ASSIGN(Evidence read, ReadEvidenceFile(path));
  EXPECT_EQ(read.SerializeAsString(), evidence_.SerializeAsString());
  ASSERT_OK_AND_ASSIGN(std::string report,
                       CheckEvidenceFile(path, honest_.log_vkey()));
  EXPECT_THAT(report, HasSubstr("PROVEN (same size, different roots)"));
}

TEST_F(EvidenceFileTest, WritesStablePrettyJson) {
  ASSERT_OK_AND_ASSIGN(std::string json, FormatEvidenceJson(evidence_));
  EXPECT_THAT(json, HasSubstr("\n \"kind\": \"SAME_SIZE_DIFFERENT_ROOTS\",\n"));
  EXPECT_THAT(json, HasSubstr("\"logVerifierKey\": "));
  EXPECT_THAT(json, EndsWith("}\n"));
  ASSERT_OK_AND_ASSIGN(std::string again, FormatEvidenceJson(evidence_));
  EXPECT_EQ(json, again);
  ASSERT_OK_AND_ASSIGN(std::string name, EvidenceFileName(evidence_));
  ASSERT_OK_AND_ASSIGN(std::string name_again, EvidenceFileName(evidence_));
  EXPECT_EQ(name, name_again);
}

TEST_F(EvidenceFileTest, SanitisesTheOriginInTheName) {
  evidence_.set_origin("a/b c:d\xc3\xa9");
  ASSERT_OK_AND_ASSIGN(std::string name, EvidenceFileName(evidence_));
  EXPECT_THAT(name, HasSubstr("-same-size-different-roots-a_b_c_d__-"));
}

TEST_F(EvidenceFileTest, RejectsUnknownFields) {
  const std::string path =
      WriteRaw("unknown.evidence.json",
               "{\"kind\": \"ROLLBACK\", \"secretField\": 1}\n");
  EXPECT_THAT(ReadEvidenceFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, "evidence file"));
}

TEST_F(EvidenceFileTest, RejectsBadJsonAndWrongTypes) {
  EXPECT_THAT(ReadEvidenceFile(WriteRaw("a.evidence.json", "{\"kind\": ")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ReadEvidenceFile(WriteRaw("b.evidence.json", "{\"firstNote\": 42}\n")),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadEvidenceFile(
                  WriteRaw("c.evidence.json", "{\"prefixRoot\": \"!!\"}\n")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EvidenceFileTest, RejectsOversizedAndMissingFiles) {
  EXPECT_THAT(ParseEvidenceJson(std::string(kMaxEvidenceFileSize + 1, ' ')),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ReadEvidenceFile(absl::StrCat(dir_, "/missing.evidence.json")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EvidenceFileTest, CheckEvidenceFileNamesTheFileInItsVerdict) {
  evidence_.set_second_note(honest_.Latest()->signed_note);
  ASSERT_OK_AND_ASSIGN(std::string path, WriteEvidenceFile(dir_, evidence_));
  EXPECT_THAT(CheckEvidenceFile(path, std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat(path, ": evidence: the roots are equal")));
}

}  // namespace
}  // namespace vitrine::monitor
