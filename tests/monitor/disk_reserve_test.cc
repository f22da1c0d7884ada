// The monitor's free-space reserve (issue 14), on real processes: below
// min_free_bytes a vitrine-monitor catches up on nothing and says why on
// /healthz (503), and /metrics keeps answering; restarted with room, it
// catches up with the log.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

TEST(MonitorDiskReserveTest, BelowTheReserveItCatchesUpOnNothingAndSaysWhy) {
  const std::string origin = "reserve.test/log";
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data =
      MakeLogAndMonitorData("reserve", origin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  ASSERT_TRUE(AddStatements(log.grpc_address(),
                            MakeStatements(vendor, 0, 20, "reserve")));
  const std::vector<std::string> follow = {
      absl::StrCat("--log=", data.log_vkey, "@", log.grpc_address()),
      "--poll_interval_ms=100"};
  const std::string verified =
      absl::StrCat("vitrine_monitor_verified_size{origin=\"", origin, "\"}");

  // A reserve no file system has: 2^62 bytes.
  std::vector<std::string> args = follow;
  args.push_back("--min_free_bytes=4611686018427387904");
  ServerProcess monitor = StartMonitor(data.monitor_data, args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  std::string health;
  ASSERT_TRUE(WaitFor([&] {
    health = HttpGet(monitor.http_address(), "/healthz");
    return absl::StrContains(health, "last error: RESOURCE_EXHAUSTED: disk nearly full");
  })) << health;
  EXPECT_TRUE(absl::StartsWith(health, "writes refused: disk nearly full: "))
      << health;
  EXPECT_TRUE(absl::StrContains(health, ", reserve 4611686018427387904"))
      << health;
  EXPECT_EQ(Metric(monitor, verified), 0);  // and /metrics answers
  EXPECT_EQ(monitor.Stop(), 0);

  // With the default reserve it catches up with the log.
  ServerProcess again = StartMonitor(data.monitor_data, follow);
  ASSERT_TRUE(again.running()) << again.startup_output();
  EXPECT_TRUE(WaitFor([&] { return Metric(again, verified) == 20; }))
      << HttpGet(again.http_address(), "/healthz");
  EXPECT_TRUE(absl::StartsWith(HttpGet(again.http_address(), "/healthz"), "ok\n"));
  EXPECT_EQ(again.Stop(), 0);
  EXPECT_EQ(log.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
