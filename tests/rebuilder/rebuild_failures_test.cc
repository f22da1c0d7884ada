// Issue 15, what a rebuild can do besides succeed, with a real
// vitrine-rebuilder and vitrine-log: a non-reproducible recipe (a
// timestamp embedded) logs a mismatch; a failing recipe and one over its
// time limit are reported, never logged as a digest, never retried; a
// rebuilder stopped (SIGTERM) or killed (SIGKILL) mid-build rebuilds that
// release when it starts again;
// and across all of it, and across restarts, no release is logged twice.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/statement.h"
#include "tests/rebuilder/rebuilder_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kVendor[] = "example.com/acme";

// The recipe's behaviour is chosen by the release's version, so that one
// rebuilder meets every case. A reproducible build of version V is the
// bytes of V; the vendor's releases say so.
constexpr char kRecipe[] =
    "out=\"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"\n"
    "case \"$VITRINE_VERSION\" in\n"
    "  fail-*) echo 'compiler exploded' >&2; exit 3 ;;\n"
    "  slow-*) sleep 60 ;;\n"
    "  stamp-*) date +%s%N > \"$out\" ;;\n"
    "  mid-*) sleep 2; printf %s \"$VITRINE_VERSION\" > \"$out\" ;;\n"
    "  *) printf %s \"$VITRINE_VERSION\" > \"$out\" ;;\n"
    "esac\n";

// A signed release statement of `version` whose digest is that of the
// bytes of `version`.
std::string Release(const VendorKey& vendor, const std::string& version) {
  note::Statement statement;
  statement.vendor = kVendor;
  statement.artifact = "tool";
  statement.version = version;
  statement.sha256 = merkle::Sha256(version);
  statement.source = "https://git.example.com/acme/tool@" + version;
  return note::SignStatement(statement, *note::NewSigner(vendor.signer_key).value()).value();
}

// The versions of the rebuild statements in a `vitrine entries` listing.
std::vector<std::string> RebuiltVersions(const std::string& listing) {
  std::vector<std::string> versions;
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    if (!absl::StrContains(line, " rebuild by ")) continue;
    // "<index> rebuild by <rebuilder>: <vendor> <artifact> <version> <sha256>"
    const std::vector<std::string> words = absl::StrSplit(line, ' ');
    versions.push_back(words.size() >= 8 ? words[6] : std::string(line));
  }
  return versions;
}

TEST(RebuildFailuresTest, EachOutcomeOnceAcrossRestarts) {
  const std::string dir = FreshDir("rebuild-failures");
  const VendorKey acme = MakeVendorKey(kVendor);
  const std::string log_data = dir + "/log";
  const std::string log_vkey = InitLog(log_data, "failures.test/log");
  ASSERT_FALSE(log_vkey.empty());
  const std::string r_data = dir + "/r";
  const std::string r_vkey = InitRebuilder(r_data, "rebuild.example.org/r");
  ASSERT_FALSE(r_vkey.empty());
  WriteFileOrDie(log_data + "/vendors", acme.vkey + "\n");
  WriteFileOrDie(log_data + "/rebuilders", r_vkey + "\n");
  WriteFileOrDie(r_data + "/vendors", acme.vkey + "\n");

  ServerProcess log = StartLog(log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::string err = dir + "/r.err";
  const std::vector<std::string> args = {
      "--log=" + log.grpc_address(), "--log_key_file=" + log_data + "/log.vkey",
      std::string("--vendor=") + kVendor, std::string("--recipe=") + kRecipe,
      "--recipe_timeout_seconds=4", "--batch_delay_ms=50", "--poll_interval_ms=100"};
  ServerProcess rebuilder = StartRebuilderLoggingTo(r_data, args, err);
  ASSERT_TRUE(rebuilder.running()) << rebuilder.startup_output() << ReadFileOrEmpty(err);

  ASSERT_TRUE(AddStatements(log.grpc_address(),
                            {Release(acme, "ok-1"), Release(acme, "fail-1"),
                             Release(acme, "slow-1"), Release(acme, "stamp-1")}));
  ASSERT_TRUE(WaitFor(
      [&] {
        return RebuildCount(rebuilder, "match") == 1 && RebuildCount(rebuilder, "failed") == 1 &&
               RebuildCount(rebuilder, "timeout") == 1 &&
               RebuildCount(rebuilder, "mismatch") == 1 &&
               Metric(rebuilder, "vitrine_rebuilder_pending_statements") == 0;
      },
      absl::Seconds(60)))
      << ReadFileOrEmpty(err);

  // The failures are reported with their reason and build log ...
  const std::string failures = r_data + "/failures.jsonl";
  const std::vector<std::string> failed = LinesWith(failures, "\"release_index\":1,");
  ASSERT_THAT(failed, SizeIs(1)) << ReadFileOrEmpty(failures);
  EXPECT_THAT(failed[0], HasSubstr("\"outcome\":\"failed\""));
  EXPECT_THAT(failed[0], HasSubstr("exit status 3"));
  const std::vector<std::string> timed_out = LinesWith(failures, "\"release_index\":2,");
  ASSERT_THAT(timed_out, SizeIs(1)) << ReadFileOrEmpty(failures);
  EXPECT_THAT(timed_out[0], HasSubstr("\"outcome\":\"timed_out\""));
  EXPECT_THAT(LinesWith(err, "rebuild failed: release 1 "), SizeIs(1)) << ReadFileOrEmpty(err);
  EXPECT_THAT(LinesWith(err, "rebuild failed: release 2 "), SizeIs(1)) << ReadFileOrEmpty(err);
  EXPECT_THAT(ReadFileOrEmpty(r_data + "/logs/1.log"), HasSubstr("compiler exploded"));
  // ... the timestamped build is a mismatch, logged like a match ...
  EXPECT_THAT(LinesWith(r_data + "/mismatches.jsonl", "\"release_index\":3,"), SizeIs(1));
  // ... and only the two built digests reach the log.
  const std::string log_vkey_file = log_data + "/log.vkey";
  ASSERT_TRUE(WaitFor([&] {
    return RebuiltVersions(ListEntries(log.grpc_address(), log_vkey_file)).size() == 2;
  }));
  EXPECT_EQ(RebuiltVersions(ListEntries(log.grpc_address(), log_vkey_file)),
            (std::vector<std::string>{"ok-1", "stamp-1"}));

  // Stopped mid-build: the release is built again at the next start, once.
  ASSERT_TRUE(AddStatements(log.grpc_address(), {Release(acme, "mid-1")}));
  ASSERT_TRUE(WaitFor([&] { return !LinesWith(err, "rebuilding release 6: ").empty(); }))
      << ReadFileOrEmpty(err);
  ASSERT_EQ(Metric(rebuilder, "vitrine_rebuilder_building"), 1);
  EXPECT_EQ(rebuilder.Stop(), 0);
  EXPECT_THAT(LinesWith(err, "rebuilt release 6: "), SizeIs(0));
  rebuilder = StartRebuilderLoggingTo(r_data, args, err);
  ASSERT_TRUE(rebuilder.running()) << rebuilder.startup_output() << ReadFileOrEmpty(err);
  ASSERT_TRUE(WaitFor([&] {
    return RebuiltVersions(ListEntries(log.grpc_address(), log_vkey_file)).size() == 3;
  })) << ReadFileOrEmpty(err);
  EXPECT_THAT(LinesWith(err, "rebuilding release 6: "), SizeIs(2));
  EXPECT_THAT(LinesWith(err, "rebuilt release 6: "), SizeIs(1));

  // Killed mid-build (a crash): the same, and whatever the killed build
  // left running is stopped before the job folder is reused.
  ASSERT_TRUE(AddStatements(log.grpc_address(), {Release(acme, "mid-2")}));
  ASSERT_TRUE(WaitFor([&] { return !LinesWith(err, "rebuilding release 8: ").empty(); }))
      << ReadFileOrEmpty(err);
  rebuilder.Kill();
  rebuilder = StartRebuilderLoggingTo(r_data, args, err);
  ASSERT_TRUE(rebuilder.running()) << rebuilder.startup_output() << ReadFileOrEmpty(err);
  ASSERT_TRUE(WaitFor([&] {
    return RebuiltVersions(ListEntries(log.grpc_address(), log_vkey_file)).size() == 4;
  })) << ReadFileOrEmpty(err);
  EXPECT_THAT(LinesWith(err, "rebuilt release 8: "), SizeIs(1)) << ReadFileOrEmpty(err);
  EXPECT_EQ(RebuildCount(rebuilder, "mismatch"), 0);

  // Restarted once more, it has nothing left to do: no release is built,
  // failed or logged again, and a new release is the only work.
  EXPECT_EQ(rebuilder.Stop(), 0);
  rebuilder = StartRebuilderLoggingTo(r_data, args, err);
  ASSERT_TRUE(rebuilder.running()) << rebuilder.startup_output() << ReadFileOrEmpty(err);
  ASSERT_TRUE(AddStatements(log.grpc_address(), {Release(acme, "ok-2")}));
  ASSERT_TRUE(WaitFor([&] {
    return RebuiltVersions(ListEntries(log.grpc_address(), log_vkey_file)).size() == 5;
  })) << ReadFileOrEmpty(err);
  EXPECT_EQ(RebuildCount(rebuilder, "match"), 1);
  EXPECT_EQ(RebuildCount(rebuilder, "failed"), 0);
  EXPECT_EQ(RebuildCount(rebuilder, "timeout"), 0);
  EXPECT_EQ(RebuiltVersions(ListEntries(log.grpc_address(), log_vkey_file)),
            (std::vector<std::string>{"ok-1", "stamp-1", "mid-1", "mid-2", "ok-2"}));
  EXPECT_THAT(LinesWith(failures, "\"release_index\""), SizeIs(2));
  EXPECT_EQ(rebuilder.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
