// Issue 7, monitor restart mid-follow with real processes: a monitor is
// killed (SIGKILL) while following a growing log; restarted, it resumes
// from the size it had verified and persisted, downloads only the entries
// after it, and reaches the log's head with no gap (every root checked, no
// alarm).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kSize[] = "vitrine_monitor_verified_size{origin=\"restart.test/log\"}";
constexpr char kFetched[] = "vitrine_monitor_entries_fetched_total{origin=\"restart.test/log\"}";
constexpr char kWitness[] = "vitrine_monitor_witness_size{origin=\"restart.test/log\"}";
constexpr char kAlarm[] = "vitrine_monitor_alarm{origin=\"restart.test/log\"}";

TEST(MonitorRestartTest, ResumesWithoutReDownloadingOrGaps) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("restart", "restart.test/log", {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string &log_data = data.log_data, &monitor_data = data.monitor_data,
                    &log_vkey = data.log_vkey;

  const std::string log_address = absl::StrCat("127.0.0.1:", ReservePort());
  const std::vector<std::string> log_args = {"--grpc_listen=" + log_address};
  const std::vector<std::string> monitor_args = {"--log=" + log_vkey + "@" + log_address,
                                                 "--poll_interval_ms=50",
                                                 "--entries_per_fetch=100"};
  ServerProcess log = StartLog(log_data, log_args);
  ASSERT_TRUE(log.running()) << log.startup_output();
  ServerProcess monitor = StartMonitor(monitor_data, monitor_args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();

  // The log grows in 30 checkpoints of 100 while the monitor follows; the
  // monitor dies somewhere in the middle.
  const std::vector<std::string> statements = MakeStatements(vendor, 0, 3100, "release");
  double verified_before_kill = -1;
  for (int batch = 0; batch < 30; ++batch) {
    ASSERT_TRUE(AddStatements(log_address, std::vector<std::string>(
                                               statements.begin() + batch * 100,
                                               statements.begin() + (batch + 1) * 100)));
    if (batch == 10) {
      ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kSize) >= 500; }));
    }
    if (batch == 20) {
      verified_before_kill = Metric(monitor, kSize);
      monitor.Kill();
    }
  }
  ASSERT_GE(verified_before_kill, 500);
  ASSERT_EQ(log.Stop(), 0);

  // Restarted while the log is down: it holds what it had verified.
  monitor = StartMonitor(monitor_data, monitor_args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  const double resumed = Metric(monitor, kSize);
  EXPECT_GE(resumed, verified_before_kill);
  EXPECT_LE(resumed, 3000);
  EXPECT_EQ(Metric(monitor, kFetched), 0);
  RecordProperty("verified_before_kill", static_cast<int>(verified_before_kill));
  RecordProperty("resumed_at", static_cast<int>(resumed));

  // The log is back and grows once more: the monitor fetches only the rest.
  log = StartLog(log_data, log_args);
  ASSERT_TRUE(log.running()) << log.startup_output();
  ASSERT_TRUE(AddStatements(log_address, std::vector<std::string>(statements.begin() + 3000,
                                                                  statements.end())));
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kSize) == 3100; }));
  EXPECT_EQ(Metric(monitor, kFetched), 3100 - resumed);
  EXPECT_EQ(Metric(monitor, kAlarm), 0);
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kWitness) == 3100; }));
  EXPECT_EQ(monitor.Stop(), 0);
  EXPECT_EQ(log.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
