// Issue 16 with real processes: a vitrine-monitor that follows a log through
// a mirror (`--log=<log vkey>@<mirror gRPC address>`), the mirror being
// another vitrine-monitor following the log. The second monitor verifies
// every entry to the log's size, keeps following as the log grows (through
// the first monitor's WatchCheckpoints or polling), cosigns what it
// verified, and serves - a chained mirror - the log's tiles byte for byte.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/cache/tile_audit.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "chain.test/log";
constexpr char kVerifiedSize[] = "vitrine_monitor_verified_size{origin=\"chain.test/log\"}";
constexpr char kWitnessSize[] = "vitrine_monitor_witness_size{origin=\"chain.test/log\"}";

TEST(ChainedMirrorTest, MonitorFollowsTheLogThroughAMirror) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("chain", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string second_data = data.dir + "/monitor2";
  ASSERT_FALSE(InitMonitor(second_data, "m2.test/witness").empty());
  WriteFileOrDie(second_data + "/vendors", vendor.vkey + "\n");

  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  ServerProcess first = StartMonitor(
      data.monitor_data,
      {"--log=" + data.log_vkey + "@" + log.grpc_address(), "--poll_interval_ms=50"});
  ASSERT_TRUE(first.running()) << first.startup_output();
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 0, 300, "release")));
  ASSERT_TRUE(WaitFor([&] { return Metric(first, kVerifiedSize) == 300; }));

  // The second monitor knows only the first one's address.
  ServerProcess second = StartMonitor(
      second_data,
      {"--log=" + data.log_vkey + "@" + first.grpc_address(), "--poll_interval_ms=50"});
  ASSERT_TRUE(second.running()) << second.startup_output();
  ASSERT_TRUE(WaitFor([&] {
    return Metric(second, kVerifiedSize) == 300 && Metric(second, kWitnessSize) == 300;
  }, absl::Seconds(20)))
      << "verified " << Metric(second, kVerifiedSize) << ", cosigned "
      << Metric(second, kWitnessSize);

  // The log grows; the news reaches the second monitor through the first.
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 300, 300, "release")));
  ASSERT_TRUE(WaitFor([&] {
    return Metric(second, kVerifiedSize) == 600 && Metric(second, kWitnessSize) == 600;
  }, absl::Seconds(20)))
      << "verified " << Metric(second, kVerifiedSize) << ", cosigned "
      << Metric(second, kWitnessSize);
  EXPECT_EQ(Metric(second, "vitrine_monitor_alarm{origin=\"chain.test/log\"}"), 0);

  // The chained mirror serves the log's tree, byte for byte, verified.
  absl::StatusOr<TileAudit> direct = AuditTiles(log.http_address(), kOrigin, data.log_vkey);
  ASSERT_TRUE(direct.ok()) << direct.status();
  ASSERT_EQ(direct->size, 600u);
  absl::StatusOr<TileAudit> chained;
  ASSERT_TRUE(WaitFor([&] {
    chained = AuditTiles(second.http_address(), kOrigin, data.log_vkey);
    return chained.ok() && absl::StrContains(chained->checkpoint, "\xE2\x80\x94 m2.test/witness ");
  }, absl::Seconds(10)))
      << (chained.ok() ? chained->checkpoint : chained.status().ToString());
  EXPECT_EQ(chained->size, direct->size);
  EXPECT_EQ(chained->files, direct->files);
  // The log's note first; after it only cosignature lines (the second
  // monitor's own, and the first's when it carried one when fetched).
  ASSERT_TRUE(absl::StartsWith(chained->checkpoint, direct->checkpoint))
      << chained->checkpoint << "\nvs the log's\n" << direct->checkpoint;
  const std::string added = chained->checkpoint.substr(direct->checkpoint.size());
  EXPECT_TRUE(absl::StartsWith(added, "\xE2\x80\x94 ")) << added;
}

}  // namespace
}  // namespace vitrine::tests
