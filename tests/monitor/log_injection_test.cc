// Issue 11, log injection with real processes: a gossip peer that names
// itself "\nvitrine-monitor: ALARM: log x misbehaved\n" leaves one line in the
// monitor's log output, with the name escaped, and no line an operator's
// alerting on "ALARM:" would take for the monitor's own; a peer that floods
// gets at most LogLimiterOptions::lines_per_window lines a minute.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/vitrine/v1/gossip.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

constexpr char kHostileName[] = "\nvitrine-monitor: ALARM: log x misbehaved\n";

// Sends one Exchange as monitor `name` with one checkpoint that is not a
// note (so the monitor rejects it and logs a line).
grpc::Status Exchange(vitrine::v1::Gossip::Stub& stub, const std::string& name) {
  vitrine::v1::ExchangeRequest request;
  request.set_monitor(name);
  request.add_checkpoints()->set_note("not a note\nALARM: injected\n");
  vitrine::v1::ExchangeResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return stub.Exchange(&context, request, &response);
}

std::vector<std::string> LinesWith(const std::string& text, const std::string& part) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, part)) lines.emplace_back(line);
  }
  return lines;
}

TEST(LogInjectionTest, APeerNameWithNewlinesLeavesOneEscapedLine) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data =
      MakeLogAndMonitorData("injection", "injection.test/log", {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::string stderr_path = data.dir + "/monitor.stderr";
  ServerProcess monitor = StartMonitorLoggingTo(
      data.monitor_data, {"--log=" + data.log_vkey + "@" + log.grpc_address()}, stderr_path);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  std::unique_ptr<vitrine::v1::Gossip::Stub> stub = vitrine::v1::Gossip::NewStub(
      grpc::CreateChannel(monitor.grpc_address(), grpc::InsecureChannelCredentials()));

  const grpc::Status hostile = Exchange(*stub, kHostileName);
  ASSERT_TRUE(hostile.ok()) << hostile.error_message();
  std::string err = ReadFileOrEmpty(stderr_path);
  const std::vector<std::string> rejected = LinesWith(err, "rejected from");
  ASSERT_EQ(rejected.size(), 1u) << err;
  EXPECT_THAT(rejected[0],
              HasSubstr(" (monitor \"\\x0avitrine-monitor: ALARM: log x misbehaved\\x0a\"): "
                        "not a checkpoint note: "));
  EXPECT_THAT(rejected[0], ::testing::StartsWith("vitrine-monitor: gossip: rejected from "
                                                 "gossip peer ipv4:127.0.0.1:"));
  for (absl::string_view line : absl::StrSplit(err, '\n')) {
    EXPECT_FALSE(absl::StartsWith(line, "ALARM")) << line;
    EXPECT_FALSE(absl::StartsWith(line, "vitrine-monitor: ALARM")) << line;
  }
  EXPECT_EQ(LinesWith(err, "ALARM").size(), 1u) << err;

  // 14 more from the same address: 10 lines a minute in all.
  for (int i = 0; i < 14; ++i) ASSERT_TRUE(Exchange(*stub, "flood.test/monitor").ok());
  err = ReadFileOrEmpty(stderr_path);
  EXPECT_EQ(LinesWith(err, "rejected from").size(), 10u) << err;
  EXPECT_EQ(LinesWith(err, "(monitor \"flood.test/monitor\")").size(), 9u) << err;
  ASSERT_EQ(monitor.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
