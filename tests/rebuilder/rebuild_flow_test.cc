// Issue 15 end to end, with real processes and real builds: a vendor
// releases a small C program from a local git repository; two independent
// vitrine-rebuilder processes, with their own keys, rebuild it with a
// reproducible recipe (gcc, SOURCE_DATE_EPOCH, the build folder mapped) and
// log what they got; `vitrine verify` under rebuild-quorum 2 accepts it.
// Then the vendor ships a binary built from modified source under the same
// source line: both rebuilders log another digest, their mismatch alarms
// fire, `vitrine verify` refuses it as rebuild-mismatch (rebuild-missing
// with a bundle lacking the rebuilds), and a monitor's vendor watch
// reports the contradiction.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rebuilder/rebuilder_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kVendor[] = "example.com/acme";
constexpr char kR1[] = "rebuild.example.org/r1";
constexpr char kR2[] = "rebuild.example.net/r2";

// Counts the `vitrine entries` lines of rebuild statements.
int RebuildEntries(const std::string& listing) {
  int count = 0;
  for (absl::string_view line : absl::StrSplit(listing, '\n')) {
    if (absl::StrContains(line, " rebuild by ")) ++count;
  }
  return count;
}

TEST(RebuildFlowTest, TwoRebuildersVouchForTheSourceOrContradictIt) {
  const std::string dir = FreshDir("rebuild-flow");
  const std::string repo = dir + "/repo";
  const std::string rev = MakeHelloRepo(repo, "hello from acme");
  ASSERT_FALSE(rev.empty());
  const std::string source = absl::StrCat("file://", repo, "#", rev);

  // The vendor's key, the log (and a monitor watching the vendor), and
  // two rebuilders registered with the log and trusted by the monitor.
  ASSERT_EQ(RunVitrine({"keygen", "--kind=vendor", std::string("--name=") + kVendor,
                        "--out=" + dir + "/acme"})
                .exit_code,
            0);
  const std::string acme_vkey(absl::StripAsciiWhitespace(ReadFileOrEmpty(dir + "/acme.vkey")));
  const LogAndMonitorData data =
      MakeLogAndMonitorData("rebuild-flow-servers", "rebuild.test/log", {acme_vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string log_vkey_file = data.log_data + "/log.vkey";
  const std::string r1_data = dir + "/r1", r2_data = dir + "/r2";
  const std::string r1_vkey = InitRebuilder(r1_data, kR1);
  const std::string r2_vkey = InitRebuilder(r2_data, kR2);
  ASSERT_FALSE(r1_vkey.empty());
  ASSERT_FALSE(r2_vkey.empty());
  const std::string rebuilders = absl::StrCat(r1_vkey, "\n", r2_vkey, "\n");
  WriteFileOrDie(data.log_data + "/rebuilders", rebuilders);
  WriteFileOrDie(data.monitor_data + "/rebuilders", rebuilders);
  for (const std::string& r : {r1_data, r2_data}) {
    WriteFileOrDie(r + "/vendors", acme_vkey + "\n");
  }

  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  ServerProcess monitor = StartMonitor(
      data.monitor_data, {"--log=" + data.log_vkey + "@" + log.grpc_address(),
                          std::string("--watch_vendor=") + kVendor, "--poll_interval_ms=100"});
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  const std::vector<std::string> rebuilder_args = {
      "--log=" + log.grpc_address(), "--log_key_file=" + log_vkey_file,
      std::string("--vendor=") + kVendor, "--recipe=" + HelloRecipe(),
      "--sandbox_read_only=" + repo, "--batch_delay_ms=50", "--poll_interval_ms=100",
      "--recipe_timeout_seconds=120"};
  ServerProcess r1 = StartRebuilderLoggingTo(r1_data, rebuilder_args, dir + "/r1.err");
  ASSERT_TRUE(r1.running()) << r1.startup_output() << ReadFileOrEmpty(dir + "/r1.err");
  ServerProcess r2 = StartRebuilderLoggingTo(r2_data, rebuilder_args, dir + "/r2.err");
  ASSERT_TRUE(r2.running()) << r2.startup_output() << ReadFileOrEmpty(dir + "/r2.err");

  // Release 1.0: built by the vendor's pipeline from the source, logged.
  const std::string release = VendorBuild(dir + "/vendor-1.0", source, "hello");
  ASSERT_FALSE(release.empty());
  ASSERT_EQ(RunVitrine({"statement", "--key=" + dir + "/acme.key", "--artifact=" + release,
                        "--version=1.0", "--source=" + source})
                .exit_code,
            0);
  Outcome submitted = RunVitrine({"submit", "--log=" + log.grpc_address(),
                                  "--log_key=" + log_vkey_file, release + ".statement"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string bare_bundle = dir + "/hello-1.0-without-rebuilds.vitrine.json";
  WriteFileOrDie(bare_bundle, ReadFileOrEmpty(release + ".vitrine.json"));

  // Both rebuild it, get the vendor's bytes, and log that.
  ASSERT_TRUE(WaitFor(
      [&] { return RebuildCount(r1, "match") == 1 && RebuildCount(r2, "match") == 1; },
      absl::Seconds(90)))
      << ReadFileOrEmpty(dir + "/r1.err") << ReadFileOrEmpty(dir + "/r2.err");
  ASSERT_TRUE(WaitFor([&] {
    return RebuildEntries(ListEntries(log.grpc_address(), log_vkey_file)) == 2;
  }));

  const std::string policy = dir + "/policy";
  WriteFileOrDie(policy, absl::StrCat("log ", data.log_vkey, "\nvendor ", acme_vkey,
                                      "\nrebuilder ", r1_vkey, "\nrebuilder ", r2_vkey,
                                      "\nrebuild-quorum 2\n"));
  Outcome bundled = RunVitrine({"bundle", "--log=" + log.grpc_address(),
                                "--log_key=" + log_vkey_file, "--artifact=" + release});
  ASSERT_EQ(bundled.exit_code, 0) << bundled.err;
  EXPECT_THAT(bundled.out, HasSubstr("with 2 rebuild statements"));
  Outcome verified = RunVitrine({"verify", "--policy=" + policy, release});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr(absl::StrCat("rebuilt by 2 trusted rebuilders "
                                                   "(rebuild-quorum 2): ",
                                                   kR2, ", ", kR1)));
  // The bundle `submit` wrote, before any rebuild was logged, lacks them.
  Outcome bare = RunVitrine({"verify", "--policy=" + policy, "--bundle=" + bare_bundle, release});
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_THAT(bare.out + bare.err, HasSubstr("refused: rebuild-missing: "));

  // Release 2.0: the vendor ships a binary from modified source under the
  // same source line.
  const std::string tampered = VendorBuild(dir + "/vendor-2.0", source, "hello",
                                           "sed -i 's/hello from acme/hello, backdoor/' hello.c");
  ASSERT_FALSE(tampered.empty());
  ASSERT_NE(ReadFileOrEmpty(tampered), ReadFileOrEmpty(release));
  ASSERT_EQ(RunVitrine({"statement", "--key=" + dir + "/acme.key", "--artifact=" + tampered,
                        "--version=2.0", "--source=" + source})
                .exit_code,
            0);
  submitted = RunVitrine({"submit", "--log=" + log.grpc_address(), "--log_key=" + log_vkey_file,
                          tampered + ".statement"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string bare_tampered = dir + "/hello-2.0-without-rebuilds.vitrine.json";
  WriteFileOrDie(bare_tampered, ReadFileOrEmpty(tampered + ".vitrine.json"));

  // Both rebuilders raise the alarm, and log the digest they got.
  ASSERT_TRUE(WaitFor(
      [&] {
        return Metric(r1, "vitrine_rebuilder_mismatches_total") == 1 &&
               Metric(r2, "vitrine_rebuilder_mismatches_total") == 1;
      },
      absl::Seconds(90)))
      << ReadFileOrEmpty(dir + "/r1.err") << ReadFileOrEmpty(dir + "/r2.err");
  EXPECT_EQ(RebuildCount(r1, "match"), 1);
  for (const std::string& r : {r1_data, r2_data}) {
    const std::vector<std::string> lines = LinesWith(r + "/mismatches.jsonl", "\"release_index\"");
    ASSERT_THAT(lines, SizeIs(1)) << ReadFileOrEmpty(r + "/mismatches.jsonl");
    EXPECT_THAT(lines[0], HasSubstr("\"version\":\"2.0\""));
    EXPECT_THAT(lines[0], HasSubstr("\"build_log\":\""));
  }
  for (const std::string& err : {dir + "/r1.err", dir + "/r2.err"}) {
    EXPECT_THAT(LinesWith(err, "vitrine-rebuilder: ALARM: release "), SizeIs(1))
        << ReadFileOrEmpty(err);
  }
  ASSERT_TRUE(WaitFor([&] {
    return RebuildEntries(ListEntries(log.grpc_address(), log_vkey_file)) == 4;
  }));

  bundled = RunVitrine({"bundle", "--log=" + log.grpc_address(), "--log_key=" + log_vkey_file,
                        "--artifact=" + tampered});
  ASSERT_EQ(bundled.exit_code, 0) << bundled.err;
  EXPECT_THAT(bundled.out, HasSubstr("with 2 rebuild statements"));
  verified = RunVitrine({"verify", "--policy=" + policy, tampered});
  EXPECT_EQ(verified.exit_code, 1);
  EXPECT_THAT(verified.out + verified.err, HasSubstr("refused: rebuild-mismatch: "));
  bare = RunVitrine({"verify", "--policy=" + policy, "--bundle=" + bare_tampered, tampered});
  EXPECT_EQ(bare.exit_code, 1);
  EXPECT_THAT(bare.out + bare.err, HasSubstr("refused: rebuild-missing: "));

  // The vendor's monitor saw both releases and both rebuilds of each, and
  // flags the two trusted contradictions.
  const std::string watch = data.monitor_data + "/vendor-watch.jsonl";
  ASSERT_TRUE(WaitFor([&] {
    return LinesWith(watch, "\"kind\":\"rebuild_mismatch\"").size() == 2;
  })) << ReadFileOrEmpty(watch);
  EXPECT_THAT(LinesWith(watch, "\"kind\":\"release\""), SizeIs(2));
  EXPECT_THAT(LinesWith(watch, "\"kind\":\"rebuild\""), SizeIs(4));
  EXPECT_EQ(Metric(monitor, "vitrine_monitor_rebuild_mismatches_total{origin=\"rebuild.test/log\"}"),
            2);

  EXPECT_EQ(r1.Stop(), 0);
  EXPECT_EQ(r2.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
