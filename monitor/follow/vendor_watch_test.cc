#include "monitor/follow/vendor_watch.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::monitor {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

LeafCheck Ok(absl::string_view vendor, absl::string_view artifact,
             std::optional<std::string> source = std::nullopt) {
  LeafCheck check;
  check.statement = note::Statement{std::string(vendor), std::string(artifact),
                                    "1.0", merkle::HashLeaf(artifact), source};
  return check;
}

TEST(VendorWatchTest, RecordsOnlyVerifiedStatementsOfWatchedVendors) {
  const std::string path = storage::testing::FreshTestDir("watch.jsonl");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {"example.com/acme"}));
  const std::vector<std::string> leaves = {"l0", "l1", "l2", "l3"};
  std::vector<LeafCheck> checks = {
      Ok("example.com/acme", "a", "https://src/\"q\""),
      Ok("example.org/tools", "b"), Ok("example.com/acme", "c"),
      Ok("example.com/acme", "d")};
  checks[3].verdict = LeafVerdict::kBadSignature;
  const std::vector<WatchedStatement> seen = watch->Select(40, leaves, checks);
  ASSERT_EQ(seen.size(), 2u);
  ASSERT_OK(watch->Record("example.com/log", seen, 44));

  const std::string expected = absl::StrCat(
      "{\"origin\":\"example.com/log\",\"index\":40,\"vendor\":"
      "\"example.com/acme\",\"artifact\":\"a\",\"version\":\"1.0\","
      "\"sha256\":\"", merkle::HashLeaf("a").ToHex(),
      "\",\"source\":\"https://src/\\\"q\\\"\",\"leaf_hash\":\"",
      merkle::HashLeaf("l0").ToHex(),
      "\",\"checkpoint_size\":44,\"kind\":\"release\"}\n",
      "{\"origin\":\"example.com/log\",\"index\":42,\"vendor\":"
      "\"example.com/acme\",\"artifact\":\"c\",\"version\":\"1.0\","
      "\"sha256\":\"", merkle::HashLeaf("c").ToHex(), "\",\"leaf_hash\":\"",
      merkle::HashLeaf("l2").ToHex(),
      "\",\"checkpoint_size\":44,\"kind\":\"release\"}\n");
  EXPECT_EQ(ReadAll(path), expected);

  // Reopened: appends after what is there.
  watch.reset();
  ASSERT_OK_AND_ASSIGN(watch, VendorWatch::Open(path, {"example.com/acme"}));
  ASSERT_OK(watch->Record("example.com/log", {}, 50));
  ASSERT_OK(watch->Record("example.com/log",
                          watch->Select(50, {"l9"}, {Ok("example.com/acme", "z")}),
                          51));
  const std::string all = ReadAll(path);
  EXPECT_EQ(all.substr(0, expected.size()), expected);
  EXPECT_NE(all.find("\"index\":50,"), std::string::npos);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 3);
}

TEST(VendorWatchTest, EndsATornLineAtOpen) {
  const std::string path = storage::testing::FreshTestDir("torn.jsonl");
  std::ofstream(path) << "{\"origin\":\"x\",\"ind";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {"v"}));
  ASSERT_OK(watch->Record("o", watch->Select(0, {"l"}, {Ok("v", "a")}), 1));
  const std::string all = ReadAll(path);
  EXPECT_EQ(all.substr(0, 21), "{\"origin\":\"x\",\"ind\n{\"");
}

TEST(VendorWatchTest, OpenFailsForAMissingFolder) {
  EXPECT_EQ(VendorWatch::Open("/nonexistent/dir/watch.jsonl", {"v"})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(VendorWatch::Open("", {"v"}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

constexpr char kAcme[] = "example.com/acme";
constexpr char kSource[] = "https://git.example.com/acme";

// A release of acme's tool 1.0 with the digest of `binary`.
LeafCheck Release(absl::string_view binary) {
  LeafCheck check = Ok(kAcme, "tool", kSource);
  check.statement->sha256 = merkle::HashLeaf(binary);
  return check;
}

// `rebuilder`'s rebuild of that release, producing `binary`; trusted when
// the monitor holds its key (kOk), else kUnknownRebuilder.
LeafCheck Rebuild(absl::string_view rebuilder, absl::string_view binary,
                  bool trusted = true) {
  LeafCheck check;
  check.verdict = trusted ? LeafVerdict::kOk : LeafVerdict::kUnknownRebuilder;
  check.rebuild = note::RebuildStatement{std::string(rebuilder), kAcme, "tool",
                                         "1.0", kSource,
                                         merkle::HashLeaf(binary)};
  return check;
}

std::string RebuildLine(uint64_t index, absl::string_view rebuilder,
                        bool trusted, absl::string_view binary,
                        absl::string_view leaf, uint64_t size) {
  return absl::StrCat(
      "{\"origin\":\"example.com/log\",\"index\":", index,
      ",\"rebuilder\":\"", rebuilder, "\",\"trusted\":",
      trusted ? "true" : "false",
      ",\"vendor\":\"example.com/acme\",\"artifact\":\"tool\","
      "\"version\":\"1.0\",\"source\":\"https://git.example.com/acme\","
      "\"sha256\":\"", merkle::HashLeaf(binary).ToHex(), "\",\"leaf_hash\":\"",
      merkle::HashLeaf(leaf).ToHex(), "\",\"checkpoint_size\":", size,
      ",\"kind\":\"rebuild\"}\n");
}

std::string MismatchLine(uint64_t release_index, uint64_t rebuild_index,
                         absl::string_view rebuilder, absl::string_view expected,
                         absl::string_view produced, uint64_t size) {
  return absl::StrCat(
      "{\"origin\":\"example.com/log\",\"release_index\":", release_index,
      ",\"rebuild_index\":", rebuild_index, ",\"rebuilder\":\"", rebuilder,
      "\",\"vendor\":\"example.com/acme\",\"artifact\":\"tool\","
      "\"version\":\"1.0\",\"source\":\"https://git.example.com/acme\","
      "\"expected_sha256\":\"", merkle::HashLeaf(expected).ToHex(),
      "\",\"produced_sha256\":\"", merkle::HashLeaf(produced).ToHex(),
      "\",\"checkpoint_size\":", size, ",\"kind\":\"rebuild_mismatch\"}\n");
}

std::string Alarm(uint64_t release_index, uint64_t rebuild_index,
                  absl::string_view rebuilder, absl::string_view expected,
                  absl::string_view produced) {
  return absl::StrCat(
      "vitrine-monitor: ALARM: log example.com/log: rebuild mismatch: "
      "rebuilder ", rebuilder, " (entry ", rebuild_index,
      ") rebuilt example.com/acme tool 1.0 from https://git.example.com/acme "
      "and got sha256 ", merkle::HashLeaf(produced).ToHex(),
      "; the release (entry ", release_index, ") says ",
      merkle::HashLeaf(expected).ToHex(), "\n");
}

// Records leaves [start, ...) with `checks` at checkpoint size `size`,
// returning what was written to stderr meanwhile.
std::string RecordBatch(VendorWatch& watch, uint64_t start,
                        const std::vector<std::string>& leaves,
                        const std::vector<LeafCheck>& checks, uint64_t size) {
  ::testing::internal::CaptureStderr();
  const absl::Status recorded = watch.Record(
      "example.com/log", watch.Select(start, leaves, checks), size);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_OK(recorded);
  return err;
}

TEST(VendorWatchRebuildTest, AMatchingRebuildIsReportedWithoutAlarm) {
  const std::string path = storage::testing::FreshTestDir("match.jsonl");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {kAcme}));
  EXPECT_EQ(RecordBatch(*watch, 0, {"l0"}, {Release("bin")}, 1), "");
  EXPECT_EQ(RecordBatch(*watch, 1, {"l1"}, {Rebuild("r1.example", "bin")}, 2),
            "");
  const std::string all = ReadAll(path);
  ASSERT_EQ(std::count(all.begin(), all.end(), '\n'), 2) << all;
  EXPECT_EQ(all.substr(all.find('\n') + 1),
            RebuildLine(1, "r1.example", true, "bin", "l1", 2));
  EXPECT_EQ(watch->rebuild_mismatches(), 0u);
}

TEST(VendorWatchRebuildTest, ATrustedRebuildOfAnotherDigestRaisesTheAlarm) {
  const std::string path = storage::testing::FreshTestDir("mismatch.jsonl");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {kAcme}));
  EXPECT_EQ(RecordBatch(*watch, 3, {"l3"}, {Release("shipped")}, 4), "");
  const size_t before = ReadAll(path).size();
  // In a later batch: r1 matches nothing the vendor shipped; r2 agrees.
  const std::string err = RecordBatch(
      *watch, 7, {"l7", "l8"},
      {Rebuild("r1.example", "from-source"), Rebuild("r2.example", "shipped")},
      9);
  EXPECT_EQ(err, Alarm(3, 7, "r1.example", "shipped", "from-source"));
  EXPECT_EQ(ReadAll(path).substr(before),
            absl::StrCat(RebuildLine(7, "r1.example", true, "from-source",
                                     "l7", 9),
                         MismatchLine(3, 7, "r1.example", "shipped",
                                      "from-source", 9),
                         RebuildLine(8, "r2.example", true, "shipped", "l8", 9)));
  EXPECT_EQ(watch->rebuild_mismatches(), 1u);
}

TEST(VendorWatchRebuildTest, AnUntrustedRebuildIsReportedNeverFlagged) {
  const std::string path = storage::testing::FreshTestDir("untrusted.jsonl");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {kAcme}));
  EXPECT_EQ(RecordBatch(*watch, 0, {"l0"}, {Release("shipped")}, 1), "");
  const size_t before = ReadAll(path).size();
  LeafCheck forged = Rebuild("r1.example", "other");
  forged.verdict = LeafVerdict::kBadSignature;
  LeafCheck other_vendor = Rebuild("r1.example", "other");
  other_vendor.rebuild->vendor = "example.org/tools";
  EXPECT_EQ(RecordBatch(*watch, 1, {"l1", "l2", "l3"},
                        {Rebuild("stranger.example", "other", false), forged,
                         other_vendor},
                        4),
            "");
  // Only the unknown rebuilder's claim is listed, as untrusted; a bad
  // signature and another vendor's release are not the watch's.
  EXPECT_EQ(ReadAll(path).substr(before),
            RebuildLine(1, "stranger.example", false, "other", "l1", 4));
  EXPECT_EQ(watch->rebuild_mismatches(), 0u);
}

TEST(VendorWatchRebuildTest, RemembersReleasesAcrossARestart) {
  const std::string path = storage::testing::FreshTestDir("restart.jsonl");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {kAcme}));
  EXPECT_EQ(RecordBatch(*watch, 0, {"l0"}, {Release("shipped")}, 1), "");
  // Another log's release of the same tool, in the same file, is not ours.
  ASSERT_OK(watch->Record("example.com/other-log",
                          watch->Select(0, {"x0"}, {Release("from-source")}),
                          1));
  watch.reset();

  ASSERT_OK_AND_ASSIGN(watch, VendorWatch::Open(path, {kAcme}));
  EXPECT_EQ(RecordBatch(*watch, 5, {"l5"}, {Rebuild("r1.example", "from-source")}, 6),
            Alarm(0, 5, "r1.example", "shipped", "from-source"));
  EXPECT_EQ(watch->rebuild_mismatches(), 1u);
}

TEST(VendorWatchRebuildTest, ARebuildLoggedBeforeItsReleaseIsComparedToo) {
  const std::string path = storage::testing::FreshTestDir("early.jsonl");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VendorWatch> watch,
                       VendorWatch::Open(path, {kAcme}));
  EXPECT_EQ(RecordBatch(*watch, 0, {"l0"}, {Rebuild("r1.example", "from-source")}, 1),
            "");
  watch.reset();
  ASSERT_OK_AND_ASSIGN(watch, VendorWatch::Open(path, {kAcme}));
  const size_t before = ReadAll(path).size();
  EXPECT_EQ(RecordBatch(*watch, 1, {"l1"}, {Release("shipped")}, 2),
            Alarm(1, 0, "r1.example", "shipped", "from-source"));
  const std::string added = ReadAll(path).substr(before);
  EXPECT_EQ(added.substr(added.find('\n') + 1),
            MismatchLine(1, 0, "r1.example", "shipped", "from-source", 2));
}

}  // namespace
}  // namespace vitrine::monitor
