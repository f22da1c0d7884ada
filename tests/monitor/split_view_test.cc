// Issue 7, split view caught by gossip, with real processes: two
// vitrine-log instances share one log key but hold different histories (a
// test-only setup: the second log's data folder gets a copy of the first's
// key). Monitor 1 follows the real log, monitor 2 the impostor; they
// gossip. Once both have verified their views, one gossip round from each
// side makes BOTH raise the alarm, write evidence that `vitrine-monitor
// check-evidence` confirms, and refuse to cosign anything more of that log.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "monitor/witness/witness_client.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

constexpr char kOrigin[] = "split.test/log";

std::string Series(const std::string& name) {
  return absl::StrCat(name, "{origin=\"", kOrigin, "\"}");
}

TEST(SplitViewTest, BothMonitorsRaiseTheAlarmWithinOneGossipRound) {
  const std::string dir = FreshDir("split");
  const std::string real = dir + "/real", fake = dir + "/fake";
  const std::string log_vkey = InitLog(real, kOrigin);
  ASSERT_FALSE(log_vkey.empty());
  // The impostor: the same key in another folder.
  ASSERT_EQ(mkdir(fake.c_str(), 0700), 0);
  WriteFileOrDie(fake + "/log.key", ReadFileOrEmpty(real + "/log.key"));
  ASSERT_EQ(chmod((fake + "/log.key").c_str(), 0600), 0);
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  WriteFileOrDie(real + "/vendors", vendor.vkey + "\n");
  WriteFileOrDie(fake + "/vendors", vendor.vkey + "\n");

  ServerProcess real_log = StartLog(real);
  ServerProcess fake_log = StartLog(fake);
  ASSERT_TRUE(real_log.running()) << real_log.startup_output();
  ASSERT_TRUE(fake_log.running()) << fake_log.startup_output();
  ASSERT_TRUE(AddStatements(real_log.grpc_address(), MakeStatements(vendor, 0, 5, "real")));
  ASSERT_TRUE(AddStatements(fake_log.grpc_address(), MakeStatements(vendor, 0, 3, "fake")));

  // Each monitor sees one view; they gossip every 3 s (the first round, at
  // start, finds nothing verified yet).
  const int port1 = ReservePort(), port2 = ReservePort();
  std::vector<ServerProcess> monitors;
  std::vector<std::string> data;
  const std::vector<std::string> logs = {real_log.grpc_address(), fake_log.grpc_address()};
  const std::vector<int> ports = {port1, port2};
  for (int i = 0; i < 2; ++i) {
    data.push_back(absl::StrCat(dir, "/m", i + 1));
    ASSERT_FALSE(InitMonitor(data[i], absl::StrCat("m", i + 1, ".test/witness")).empty());
    WriteFileOrDie(data[i] + "/vendors", vendor.vkey + "\n");
    monitors.push_back(StartMonitor(
        data[i], {"--log=" + log_vkey + "@" + logs[i],
                  absl::StrCat("--grpc_listen=127.0.0.1:", ports[i]),
                  absl::StrCat("--peer=127.0.0.1:", ports[1 - i]), "--gossip_interval_ms=3000",
                  "--poll_interval_ms=100"}));
    ASSERT_TRUE(monitors[i].running()) << monitors[i].startup_output();
  }
  // Both views verify on their own: each is a valid log.
  ASSERT_TRUE(WaitFor([&] { return Metric(monitors[0], Series("vitrine_monitor_verified_size")) == 5; }));
  ASSERT_TRUE(WaitFor([&] { return Metric(monitors[1], Series("vitrine_monitor_verified_size")) == 3; }));
  const double rounds1 = Metric(monitors[0], "vitrine_monitor_gossip_rounds_total");
  const double rounds2 = Metric(monitors[1], "vitrine_monitor_gossip_rounds_total");

  // Within the next round of each: both alarms.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(WaitFor([&] { return Metric(monitors[i], Series("vitrine_monitor_alarm")) == 1; },
                        absl::Seconds(15)))
        << "monitor " << i + 1;
  }
  EXPECT_LE(Metric(monitors[0], "vitrine_monitor_gossip_rounds_total"), rounds1 + 1);
  EXPECT_LE(Metric(monitors[1], "vitrine_monitor_gossip_rounds_total"), rounds2 + 1);

  for (int i = 0; i < 2; ++i) {
    const std::vector<std::string> evidence = ListFiles(data[i] + "/evidence", ".evidence.json");
    ASSERT_EQ(evidence.size(), 1u) << "monitor " << i + 1;
    // Anyone can check it, pinning the log's key.
    Outcome check = RunMonitor({"check-evidence", "--log_key=" + log_vkey, evidence[0]});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    EXPECT_THAT(check.out, HasSubstr("PROVEN (inconsistent)"));
    // A wrong pinned key proves nothing.
    Outcome wrong = RunMonitor({"check-evidence", "--log_key=" + vendor.vkey, evidence[0]});
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_THAT(HttpGet(monitors[i].http_address(), "/healthz"), HasSubstr("ALARM: split.test/log"));
  }

  // No more cosignatures for this log: the real log's next checkpoint,
  // pushed to monitor 1's witness, is refused.
  ASSERT_TRUE(AddStatements(real_log.grpc_address(), MakeStatements(vendor, 5, 1, "real")));
  const std::string next = HttpGet(real_log.http_address(), "/checkpoint");
  auto stub = vitrine::v1::Witness::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port1), grpc::InsecureChannelCredentials()));
  uint64_t held = 0;
  absl::StatusOr<std::vector<std::string>> cosigned =
      monitor::PushCheckpoint(*stub, 0, {}, next, absl::Seconds(10), &held);
  EXPECT_EQ(cosigned.status().code(), absl::StatusCode::kFailedPrecondition)
      << cosigned.status();
  // And the followers stop where they were.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(Metric(monitors[0], Series("vitrine_monitor_verified_size")), 5);
  for (ServerProcess& monitor : monitors) EXPECT_EQ(monitor.Stop(), 0);
}

// The control: two monitors on the same honest log gossip for a few rounds
// and find nothing - their checkpoints check out against their own copies
// (or cannot be judged yet), never as evidence.
TEST(SplitViewTest, AnHonestLogRaisesNothing) {
  const std::string dir = FreshDir("honest");
  const std::string log_data = dir + "/log";
  const std::string log_vkey = InitLog(log_data, kOrigin);
  ASSERT_FALSE(log_vkey.empty());
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  WriteFileOrDie(log_data + "/vendors", vendor.vkey + "\n");
  ServerProcess log = StartLog(log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();

  const std::vector<int> ports = {ReservePort(), ReservePort()};
  std::vector<ServerProcess> monitors;
  for (int i = 0; i < 2; ++i) {
    const std::string data = absl::StrCat(dir, "/m", i + 1);
    ASSERT_FALSE(InitMonitor(data, absl::StrCat("m", i + 1, ".test/witness")).empty());
    WriteFileOrDie(data + "/vendors", vendor.vkey + "\n");
    monitors.push_back(StartMonitor(
        data, {"--log=" + log_vkey + "@" + log.grpc_address(),
               absl::StrCat("--grpc_listen=127.0.0.1:", ports[i]),
               absl::StrCat("--peer=127.0.0.1:", ports[1 - i]), "--gossip_interval_ms=300",
               "--poll_interval_ms=100"}));
    ASSERT_TRUE(monitors[i].running()) << monitors[i].startup_output();
  }
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, round * 4, 4, "one")));
    absl::SleepFor(absl::Milliseconds(400));
  }
  for (ServerProcess& monitor : monitors) {
    ASSERT_TRUE(WaitFor([&] { return Metric(monitor, Series("vitrine_monitor_verified_size")) == 12; }));
    // Checkpoints received both ways were judged consistent at least once.
    ASSERT_TRUE(WaitFor([&] {
      return Metric(monitor,
                    "vitrine_monitor_gossip_checkpoints_total{result=\"consistent\",side=\"asked\"}") > 0;
    }));
    EXPECT_EQ(Metric(monitor, Series("vitrine_monitor_alarm")), 0);
    EXPECT_EQ(Metric(monitor,
                     "vitrine_monitor_gossip_checkpoints_total{result=\"evidence\",side=\"asked\"}"),
              0);
    EXPECT_EQ(Metric(monitor,
                     "vitrine_monitor_gossip_checkpoints_total{result=\"evidence\",side=\"answered\"}"),
              0);
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(ListFiles(absl::StrCat(dir, "/m", i + 1, "/evidence"), ".evidence.json").empty());
    EXPECT_EQ(HttpGet(monitors[i].http_address(), "/healthz").substr(0, 3), "ok\n");
  }
}

}  // namespace
}  // namespace vitrine::tests
