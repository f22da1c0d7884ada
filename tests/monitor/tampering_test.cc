// Issue 7, tampering with real processes: an entry changed in the log's
// storage after the log signed over it (an insider rewriting RocksDB, every
// checksum valid) is caught by the monitor when it audits those entries:
// ENTRIES_MISMATCH evidence that check-evidence confirms as this monitor's
// observation (exit 3: the log did not sign the entries, so the file alone
// proves nothing to others, issue 11), the alarm, and the monitor stops at
// the last size it could verify, also after a restart (its own record of
// the observation in data/observed/).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/storage/testing/tamper.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

constexpr char kSize[] = "vitrine_monitor_verified_size{origin=\"tamper.test/log\"}";
constexpr char kAlarm[] = "vitrine_monitor_alarm{origin=\"tamper.test/log\"}";

TEST(TamperingTest, AnEntryRewrittenAfterSigningIsCaught) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("tamper", "tamper.test/log", {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string &log_data = data.log_data, &monitor_data = data.monitor_data,
                    &log_vkey = data.log_vkey;

  // The log keeps its address across restarts, as a real one would.
  const std::string log_address = absl::StrCat("127.0.0.1:", ReservePort());
  const std::vector<std::string> log_args = {"--grpc_listen=" + log_address};
  const std::vector<std::string> monitor_args = {"--log=" + log_vkey + "@" + log_address,
                                                 "--poll_interval_ms=100"};
  ServerProcess log = StartLog(log_data, log_args);
  ASSERT_TRUE(log.running()) << log.startup_output();
  ServerProcess monitor = StartMonitor(monitor_data, monitor_args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ASSERT_TRUE(AddStatements(log_address, MakeStatements(vendor, 0, 3, "release")));
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kSize) == 3; }));
  ASSERT_EQ(monitor.Stop(), 0);

  // The log signs two more releases; then someone rewrites entry 3 on disk.
  ASSERT_TRUE(AddStatements(log_address, MakeStatements(vendor, 3, 2, "release")));
  ASSERT_EQ(log.Stop(), 0);
  ASSERT_TRUE(storage::testing::OverwriteEntryForTest(
                  log_data + "/store", 3, MakeStatements(vendor, 3, 1, "backdoored")[0])
                  .ok());
  log = StartLog(log_data, log_args);
  ASSERT_TRUE(log.running()) << log.startup_output();

  monitor = StartMonitor(monitor_data, monitor_args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kAlarm) == 1; }));
  EXPECT_EQ(Metric(monitor, kSize), 3);
  const std::vector<std::string> evidence =
      ListFiles(monitor_data + "/evidence", ".evidence.json");
  ASSERT_EQ(evidence.size(), 1u);
  Outcome check = RunMonitor({"check-evidence", "--log_key=" + log_vkey, evidence[0]});
  EXPECT_EQ(check.exit_code, 3) << check.err;
  EXPECT_THAT(check.out, HasSubstr("OBSERVED (entries mismatch): \"m.test/witness\" says"));
  EXPECT_THAT(HttpGet(monitor.http_address(), "/healthz"), HasSubstr("ALARM: tamper.test/log"));

  // The alarm survives a restart of the monitor.
  ASSERT_EQ(monitor.Stop(), 0);
  monitor = StartMonitor(monitor_data, monitor_args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  EXPECT_EQ(Metric(monitor, kAlarm), 1);
  EXPECT_EQ(Metric(monitor, kSize), 3);
  EXPECT_EQ(ListFiles(monitor_data + "/observed", ".sha256").size(), 1u);
}

}  // namespace
}  // namespace vitrine::tests
