// Issue 7, vendor watch with real processes: a monitor watching one vendor
// writes exactly that vendor's new release statements, one JSON line each
// (so the vendor notices a release it did not make), nothing for other
// vendors, and no line twice across a restart of the monitor.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSize[] = "vitrine_monitor_verified_size{origin=\"watch.test/log\"}";

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(ReadFileOrEmpty(path), '\n', absl::SkipEmpty())) {
    lines.emplace_back(line);
  }
  return lines;
}

TEST(VendorWatchTest, EveryStatementOfTheWatchedVendorOnce) {
  const VendorKey acme = MakeVendorKey("example.com/acme");
  const VendorKey other = MakeVendorKey("example.org/other");
  const LogAndMonitorData data = MakeLogAndMonitorData("watch", "watch.test/log", {acme.vkey, other.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string &log_data = data.log_data, &monitor_data = data.monitor_data,
                    &log_vkey = data.log_vkey;

  ServerProcess log = StartLog(log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::vector<std::string> args = {"--log=" + log_vkey + "@" + log.grpc_address(),
                                         "--watch_vendor=example.com/acme",
                                         "--poll_interval_ms=100"};
  ServerProcess monitor = StartMonitor(monitor_data, args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();

  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(acme, 0, 3, "a")));
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(other, 0, 2, "o")));
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kSize) == 5; }));
  const std::string watch_file = monitor_data + "/vendor-watch.jsonl";
  std::vector<std::string> lines = Lines(watch_file);
  ASSERT_EQ(lines.size(), 3u) << ReadFileOrEmpty(watch_file);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(lines[i], StartsWith(absl::StrCat("{\"origin\":\"watch.test/log\",\"index\":", i,
                                                  ",\"vendor\":\"example.com/acme\",\"artifact\":"
                                                  "\"tool-",
                                                  i, "\",\"version\":\"1.0.", i, "\"")));
    EXPECT_THAT(lines[i], HasSubstr("\"leaf_hash\":\""));
  }

  // Restarted, the monitor resumes after what it verified: the file grows
  // only by the new statement.
  ASSERT_EQ(monitor.Stop(), 0);
  monitor = StartMonitor(monitor_data, args);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(acme, 3, 1, "a")));
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kSize) == 6; }));
  lines = Lines(watch_file);
  ASSERT_EQ(lines.size(), 4u) << ReadFileOrEmpty(watch_file);
  EXPECT_THAT(lines[3], StartsWith("{\"origin\":\"watch.test/log\",\"index\":5,"));
  EXPECT_THAT(lines[3], HasSubstr("\"artifact\":\"tool-3\""));
}

}  // namespace
}  // namespace vitrine::tests
