#include "monitor/follow/watch_lines.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::monitor {
namespace {

WatchedStatement ARelease(std::optional<std::string> source) {
  WatchedStatement watched;
  watched.index = 41;
  watched.release = note::Statement{"example.com/acme", "acme-cli.tar.gz",
                                    "1.4.2", merkle::HashLeaf("bin"),
                                    std::move(source)};
  watched.leaf_hash = merkle::HashLeaf("leaf");
  return watched;
}

WatchedStatement ARebuild(bool trusted) {
  WatchedStatement watched;
  watched.index = 57;
  watched.rebuild = note::RebuildStatement{
      "rebuild.example/r1", "example.com/acme", "acme-cli.tar.gz", "1.4.2",
      "https://git.example.com/acme \"v1\"", merkle::HashLeaf("rebuilt")};
  watched.trusted = trusted;
  watched.leaf_hash = merkle::HashLeaf("leaf 57");
  return watched;
}

void ExpectSame(const WatchedStatement& a, const WatchedStatement& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.release, b.release);
  EXPECT_EQ(a.rebuild, b.rebuild);
  EXPECT_EQ(a.trusted, b.trusted);
  EXPECT_EQ(a.leaf_hash, b.leaf_hash);
}

TEST(WatchLinesTest, ARebuildLineReadsBackAsWritten) {
  const std::string line = FormatWatchLine("example.com/log", ARebuild(true), 60);
  EXPECT_EQ(line,
            absl::StrCat("{\"origin\":\"example.com/log\",\"index\":57,"
                         "\"rebuilder\":\"rebuild.example/r1\",\"trusted\":true,"
                         "\"vendor\":\"example.com/acme\",\"artifact\":"
                         "\"acme-cli.tar.gz\",\"version\":\"1.4.2\",\"source\":"
                         "\"https://git.example.com/acme \\\"v1\\\"\",\"sha256\":\"",
                         merkle::HashLeaf("rebuilt").ToHex(), "\",\"leaf_hash\":\"",
                         merkle::HashLeaf("leaf 57").ToHex(),
                         "\",\"checkpoint_size\":60,\"kind\":\"rebuild\"}\n"));
  for (const bool trusted : {true, false}) {
    std::optional<WatchLine> parsed = ParseWatchLine(
        FormatWatchLine("example.com/log", ARebuild(trusted), 60));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->origin, "example.com/log");
    ExpectSame(parsed->watched, ARebuild(trusted));
  }
}

TEST(WatchLinesTest, ReleaseLinesReadBackWithOrWithoutKind) {
  for (const std::optional<std::string>& source :
       {std::optional<std::string>("https://src"), std::optional<std::string>()}) {
    std::optional<WatchLine> parsed =
        ParseWatchLine(FormatWatchLine("o", ARelease(source), 42));
    ASSERT_TRUE(parsed.has_value());
    ExpectSame(parsed->watched, ARelease(source));
  }
  // A line of a monitor from before rebuild statements: no "kind".
  std::string old = FormatWatchLine("o", ARelease("https://src"), 42);
  old.replace(old.find(",\"kind\":\"release\""), 17, "");
  std::optional<WatchLine> parsed = ParseWatchLine(old);
  ASSERT_TRUE(parsed.has_value());
  ExpectSame(parsed->watched, ARelease("https://src"));
}

TEST(WatchLinesTest, OtherLinesReadBackAsNothing) {
  RebuildMismatch mismatch{41, 57, *ARebuild(true).rebuild,
                           merkle::HashLeaf("bin")};
  const std::string line = FormatMismatchLine("o", mismatch, 60);
  EXPECT_EQ(line,
            absl::StrCat("{\"origin\":\"o\",\"release_index\":41,"
                         "\"rebuild_index\":57,\"rebuilder\":"
                         "\"rebuild.example/r1\",\"vendor\":\"example.com/acme\","
                         "\"artifact\":\"acme-cli.tar.gz\",\"version\":\"1.4.2\","
                         "\"source\":\"https://git.example.com/acme \\\"v1\\\"\","
                         "\"expected_sha256\":\"", merkle::HashLeaf("bin").ToHex(),
                         "\",\"produced_sha256\":\"",
                         merkle::HashLeaf("rebuilt").ToHex(),
                         "\",\"checkpoint_size\":60,\"kind\":\"rebuild_mismatch\"}\n"));
  EXPECT_FALSE(ParseWatchLine(line).has_value());
  EXPECT_FALSE(ParseWatchLine("{\"origin\":\"x\",\"ind").has_value());
  EXPECT_FALSE(ParseWatchLine("").has_value());
  EXPECT_FALSE(ParseWatchLine("[1,2]").has_value());
  // Wrong types are skipped, never thrown.
  std::string bad_index = FormatWatchLine("o", ARelease("s"), 1);
  bad_index.replace(bad_index.find("41"), 2, "\"41\"");
  EXPECT_FALSE(ParseWatchLine(bad_index).has_value());
  std::string bad_trusted = FormatWatchLine("o", ARebuild(true), 1);
  bad_trusted.replace(bad_trusted.find("true"), 4, "1");
  EXPECT_FALSE(ParseWatchLine(bad_trusted).has_value());
}

TEST(WatchLinesTest, TheAlarmIsOneLineWhateverTheLogHolds) {
  RebuildMismatch mismatch{3, 7, *ARebuild(true).rebuild, merkle::HashLeaf("bin")};
  mismatch.rebuild.version = "1.0\nvitrine-monitor: ALARM: forged";
  EXPECT_EQ(FormatMismatchAlarm("vitrine-monitor", "example.com/log", mismatch),
            absl::StrCat("vitrine-monitor: ALARM: log example.com/log: rebuild "
                         "mismatch: rebuilder rebuild.example/r1 (entry 7) "
                         "rebuilt example.com/acme acme-cli.tar.gz "
                         "1.0\\x0avitrine-monitor: ALARM: forged from "
                         "https://git.example.com/acme \"v1\" and got sha256 ",
                         merkle::HashLeaf("rebuilt").ToHex(),
                         "; the release (entry 3) says ",
                         merkle::HashLeaf("bin").ToHex(), "\n"));
}

}  // namespace
}  // namespace vitrine::monitor
