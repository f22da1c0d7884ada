#include "rebuilder/report_file.h"

#include <string>

#include "absl/strings/str_cat.h"
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

}  // namespace
}  // namespace vitrine::rebuilder
