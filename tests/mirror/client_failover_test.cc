// Issue 16 with real processes: a vitrine-log, two vitrine-monitors
// following it (each serving its verified copy: mirror mode), and the
// `vitrine` client given all three endpoints. With the log killed, reads,
// proofs and bundles keep coming from the mirrors, verified against the
// log's key. (Lying mirrors - forged proofs, stale and forked checkpoints -
// are refused in-process: client/log_client_failover_test.)
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "mirror.test/log";
constexpr char kSize[] = "vitrine_monitor_verified_size{origin=\"mirror.test/log\"}";

TEST(MirrorFailoverTest, ReadsKeepWorkingFromMirrorsWhenTheLogDies) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("failover", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string monitor2_data = data.dir + "/monitor2";
  ASSERT_FALSE(InitMonitor(monitor2_data, "m2.test/witness").empty());
  WriteFileOrDie(monitor2_data + "/vendors", vendor.vkey + "\n");
  const std::string log_key_file = data.log_data + "/log.vkey";
  ASSERT_FALSE(ReadFileOrEmpty(log_key_file).empty());

  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::vector<std::string> follow = {"--log=" + data.log_vkey + "@" + log.grpc_address(),
                                           "--poll_interval_ms=50"};
  ServerProcess mirror1 = StartMonitor(data.monitor_data, follow);
  ASSERT_TRUE(mirror1.running()) << mirror1.startup_output();
  ServerProcess mirror2 = StartMonitor(monitor2_data, follow);
  ASSERT_TRUE(mirror2.running()) << mirror2.startup_output();

  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 0, 20, "release")));
  ASSERT_TRUE(WaitFor([&] {
    return Metric(mirror1, kSize) == 20 && Metric(mirror2, kSize) == 20;
  }));

  const std::string endpoints = absl::StrJoin(
      {log.grpc_address(), mirror1.grpc_address(), mirror2.grpc_address()}, ",");
  // With a client state: every answer must also extend what was seen.
  const std::vector<std::string> connect = {"--log=" + endpoints, "--log_key=" + log_key_file,
                                            "--state=" + data.dir + "/client-state",
                                            "--timeout_seconds=5"};
  auto vitrine = [&](std::vector<std::string> args) {
    args.insert(args.end(), connect.begin(), connect.end());
    return RunVitrine(args);
  };
  Outcome before = vitrine({"checkpoint"});
  ASSERT_EQ(before.exit_code, 0) << before.err;

  log.Kill();
  Outcome head = vitrine({"checkpoint"});
  EXPECT_EQ(head.exit_code, 0) << head.err;
  // The log's own signed note byte for byte, then the answering mirror's
  // cosignature line (a monitor appends its own once it cosigned).
  ASSERT_TRUE(absl::StartsWith(head.out, before.out)) << head.out;
  const std::string added = head.out.substr(before.out.size());
  EXPECT_TRUE(absl::StartsWith(added, "\xE2\x80\x94 m")) << added;
  EXPECT_EQ(std::count(added.begin(), added.end(), '\n'), 1) << added;
  Outcome proof = vitrine({"proof", "--index=7"});
  EXPECT_EQ(proof.exit_code, 0) << proof.err;
  Outcome consistency = vitrine({"proof", "--consistency"});
  EXPECT_EQ(consistency.exit_code, 0) << consistency.err;
  Outcome entries = vitrine({"entries", "--start=0", "--end=20"});
  EXPECT_EQ(entries.exit_code, 0) << entries.err;
  EXPECT_EQ(std::count(entries.out.begin(), entries.out.end(), '\n'), 20) << entries.out;

  // One mirror gone too: the other still answers; none left: every
  // endpoint is named with its reason, exit 2 (nothing decided).
  mirror1.Kill();
  Outcome last = vitrine({"proof", "--index=3"});
  EXPECT_EQ(last.exit_code, 0) << last.err;
  mirror2.Kill();
  Outcome none = vitrine({"checkpoint"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("all 3 endpoints failed"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find(mirror2.grpc_address()), std::string::npos) << none.err;
}

}  // namespace
}  // namespace vitrine::tests
