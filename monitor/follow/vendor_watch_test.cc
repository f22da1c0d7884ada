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
      merkle::HashLeaf("l0").ToHex(), "\",\"checkpoint_size\":44}\n",
      "{\"origin\":\"example.com/log\",\"index\":42,\"vendor\":"
      "\"example.com/acme\",\"artifact\":\"c\",\"version\":\"1.0\","
      "\"sha256\":\"", merkle::HashLeaf("c").ToHex(), "\",\"leaf_hash\":\"",
      merkle::HashLeaf("l2").ToHex(), "\",\"checkpoint_size\":44}\n");
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

}  // namespace
}  // namespace vitrine::monitor
