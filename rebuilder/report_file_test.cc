#include "rebuilder/report_file.h"

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"

namespace vitrine::rebuilder {
namespace {

note::Statement Release() {
  note::Statement release;
  release.vendor = "example.com/acme";
  release.artifact = "acme-cli.tar.gz";
  release.version = "1.4.2";
  release.sha256 = merkle::Sha256("shipped");
  release.source = "https://git.example.com/acme/cli/tree/v1.4.2";
  return release;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir == nullptr ? "/tmp" : dir, "/", name);
}

// The file's content; "" when it cannot be read.
std::string ReadAll(const std::string& path) {
  return ReadSmallFile(path, 1 << 20).value_or("");
}

TEST(ReportFileTest, MismatchLineHasTheAlarmFields) {
  const merkle::Hash produced = merkle::Sha256("rebuilt");
  EXPECT_EQ(FormatMismatchLine("example.com/log", 41, Release(), produced, "/d/logs/41.log"),
            absl::StrCat("{\"origin\":\"example.com/log\",\"release_index\":41,"
                         "\"vendor\":\"example.com/acme\",\"artifact\":\"acme-cli.tar.gz\","
                         "\"version\":\"1.4.2\","
                         "\"source\":\"https://git.example.com/acme/cli/tree/v1.4.2\","
                         "\"expected_sha256\":\"",
                         merkle::Sha256("shipped").ToHex(), "\",\"produced_sha256\":\"",
                         produced.ToHex(), "\",\"build_log\":\"/d/logs/41.log\"}\n"));
}

TEST(ReportFileTest, FailureLineSaysWhy) {
  EXPECT_EQ(FormatFailureLine("example.com/log", 42, Release(), "timed_out",
                              "timed out after 30m", "/d/logs/42.log"),
            "{\"origin\":\"example.com/log\",\"release_index\":42,"
            "\"vendor\":\"example.com/acme\",\"artifact\":\"acme-cli.tar.gz\","
            "\"version\":\"1.4.2\","
            "\"source\":\"https://git.example.com/acme/cli/tree/v1.4.2\","
            "\"outcome\":\"timed_out\",\"reason\":\"timed out after 30m\","
            "\"build_log\":\"/d/logs/42.log\"}\n");
}

TEST(ReportFileTest, StringsAreEscaped) {
  note::Statement release = Release();
  release.vendor = "a\"b\\c";
  const std::string line =
      FormatFailureLine("o", 1, release, "failed", "line one\nline\ttwo", "/p");
  EXPECT_NE(line.find("\"vendor\":\"a\\\"b\\\\c\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"reason\":\"line one\\u000aline\\u0009two\""), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(ReportFileTest, AppendsWholeLinesAndEndsATornOne) {
  const std::string path = TempPath("reports.jsonl");
  ASSERT_OK(WriteFileAtomically(path, "{\"torn\":", 0644));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReportFile> file, ReportFile::Open(path));
    EXPECT_EQ(file->path(), path);
    ASSERT_OK(file->Append("{\"a\":1}\n"));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ReportFile> file, ReportFile::Open(path));
  ASSERT_OK(file->Append("{\"b\":2}\n"));
  EXPECT_EQ(ReadAll(path), "{\"torn\":\n{\"a\":1}\n{\"b\":2}\n");
}

TEST(ReportFileTest, OpenReportsTheOsAnswer) {
  EXPECT_THAT(ReportFile::Open(TempPath("missing/folder/x.jsonl")),
              testing::StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vitrine::rebuilder
