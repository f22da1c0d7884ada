// Issue 11, vitrine-monitor against a hostile peer that holds no key, with
// real processes on loopback:
//   - a genuine checkpoint pushed to the witness padded with 98 junk
//     signature lines (past gossip's 64 KiB note limit) is cosigned, but
//     stored and gossiped canonical, and two monitors keep gossiping;
//   - a flood of gossip requests (64 copies of the log's newest checkpoint
//     each, from three connections) while the log keeps appending and
//     pushing to this monitor as its witness: the witnessed checkpoint
//     keeps advancing and no push is refused.
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "monitor/witness/witness_client.h"
#include "proto/vitrine/v1/gossip.grpc.pb.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "hostile.test/log";

std::shared_ptr<grpc::Channel> Channel(const std::string& address, int tag = 0) {
  // A distinct argument gives a channel (a connection) of its own.
  grpc::ChannelArguments arguments;
  arguments.SetInt("vitrine.test.channel", tag);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
}

// The log's latest checkpoint note ("" on failure).
std::string LatestNote(vitrine::v1::Log::Stub& log) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  vitrine::v1::GetCheckpointRequest request;
  vitrine::v1::GetCheckpointResponse response;
  if (!log.GetCheckpoint(&context, request, &response).ok()) return "";
  return response.checkpoint().note();
}

// A signature line by an unknown key carrying `bytes` random bytes.
std::string JunkLine(int i, size_t bytes) {
  std::mt19937 random(i);
  std::string raw(bytes, '\0');
  for (char& c : raw) c = static_cast<char>(random());
  return absl::StrCat("\xE2\x80\x94 junk", i, ".example/witness ", absl::Base64Escape(raw),
                      "\n");
}

// The sum of the samples of `name` on `address`'s /metrics whose labels
// contain every one of `labels` (e.g. `code="OK"`); -1 when unreachable.
double SumMetric(const std::string& address, const std::string& name,
                 const std::vector<std::string>& labels = {}) {
  const std::string text = HttpGet(address, "/metrics");
  if (text.empty()) return -1;
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || line.empty() || (line[0] != '{' && line[0] != ' ')) {
      continue;
    }
    bool match = true;
    for (const std::string& label : labels) match = match && absl::StrContains(line, label);
    const size_t space = line.rfind(' ');
    double value = 0;
    if (match && space != absl::string_view::npos &&
        absl::SimpleAtod(line.substr(space + 1), &value)) {
      sum += value;
    }
  }
  return sum;
}

// The pushes the log counted, by status code.
std::map<std::string, double> PushesByCode(const std::string& log_http) {
  std::map<std::string, double> codes;
  const std::string text = HttpGet(log_http, "/metrics");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "vitrine_witness_pushes_total{")) continue;
    const size_t at = line.find("code=\"");
    const size_t space = line.rfind(' ');
    double value = 0;
    if (at == absl::string_view::npos || space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    const absl::string_view code = line.substr(at + 6, line.find('"', at + 6) - at - 6);
    codes[std::string(code)] += value;
  }
  return codes;
}

std::string VerifierKeyOf(const std::string& monitor_data) {
  return std::string(
      absl::StripTrailingAsciiWhitespace(ReadFileOrEmpty(monitor_data + "/witness.vkey")));
}

TEST(HostilePeerTest, PaddedPushIsStoredCanonicalAndGossipKeepsWorking) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("padded", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string m2_data = data.dir + "/m2";
  ASSERT_FALSE(InitMonitor(m2_data, "m2.test/witness").empty());
  WriteFileOrDie(m2_data + "/vendors", vendor.vkey + "\n");

  // The log's checkpoint of size 5, taken while it runs on a port of its own.
  std::string note;
  {
    ServerProcess log = StartLog(data.log_data);
    ASSERT_TRUE(log.running()) << log.startup_output();
    ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 0, 5, "h")));
    auto stub = vitrine::v1::Log::NewStub(Channel(log.grpc_address()));
    note = LatestNote(*stub);
    ASSERT_TRUE(absl::StrContains(note, "\n5\n")) << note;
    EXPECT_EQ(log.Stop(), 0);
  }

  // Two monitors that gossip every 300 ms, following the log at a port
  // where it is not up yet: neither verifies nor cosigns anything before
  // the hostile push.
  const int log_port = ReservePort(), port1 = ReservePort(), port2 = ReservePort();
  const std::vector<std::string> data_dirs = {data.monitor_data, m2_data};
  const std::vector<int> ports = {port1, port2};
  std::vector<ServerProcess> monitors;
  for (int i = 0; i < 2; ++i) {
    monitors.push_back(StartMonitor(
        data_dirs[i], {absl::StrCat("--log=", data.log_vkey, "@127.0.0.1:", log_port),
                       absl::StrCat("--grpc_listen=127.0.0.1:", ports[i]),
                       absl::StrCat("--peer=127.0.0.1:", ports[1 - i]),
                       "--gossip_interval_ms=300", "--poll_interval_ms=100"}));
    ASSERT_TRUE(monitors[i].running()) << monitors[i].startup_output();
  }

  // The push: the genuine note and 98 junk lines, about 93 KB; with the
  // witness's cosignature that makes 100 signature lines, as many as a
  // note may carry (note::NoteLimits), so nothing but size stops it.
  std::string padded = note;
  for (int i = 0; i < 98; ++i) padded += JunkLine(i, 700);
  ASSERT_GT(padded.size(), 64u << 10);
  auto witness = vitrine::v1::Witness::NewStub(Channel(monitors[0].grpc_address()));
  uint64_t held = 0;
  absl::StatusOr<std::vector<std::string>> lines =
      monitor::PushCheckpoint(*witness, 0, {}, padded, absl::Seconds(10), &held);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 1u);
  // Past the gRPC port's receive limit (1 MiB + 16 KiB): refused by gRPC
  // before the witness sees it.
  EXPECT_EQ(monitor::PushCheckpoint(*witness, 0, {}, padded + std::string(1 << 20, 'x'),
                                    absl::Seconds(10), &held)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  // Stored canonical: the checkpoint text and the log's signature.
  const std::vector<std::string> state = ListFiles(data.monitor_data + "/witness", ".checkpoint");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(ReadFileOrEmpty(state[0]), note);

  // The log comes up where the monitors look for it: both verify size 5.
  ServerProcess log = StartLog(data.log_data, {absl::StrCat("--grpc_listen=127.0.0.1:", log_port)});
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::string verified =
      absl::StrCat("vitrine_monitor_verified_size{origin=\"", kOrigin, "\"}");
  for (ServerProcess& monitor : monitors) {
    ASSERT_TRUE(WaitFor([&] { return Metric(monitor, verified) == 5; }));
  }

  // Served canonical: what monitor 1 gossips for the log is the text, the
  // log's signature and the cosignature it returned to the push.
  auto gossip = vitrine::v1::Gossip::NewStub(Channel(monitors[0].grpc_address()));
  vitrine::v1::ExchangeRequest request;
  request.set_monitor("test");
  vitrine::v1::ExchangeResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  ASSERT_TRUE(gossip->Exchange(&context, request, &response).ok());
  ASSERT_EQ(response.checkpoints_size(), 1);
  EXPECT_EQ(response.checkpoints(0).note(), note + (*lines)[0]);

  // Gossip works in both directions: three more good exchanges each, none
  // failed, each side judged the other's checkpoint consistent.
  std::vector<double> ok_before, failed_before;
  for (int i = 0; i < 2; ++i) {
    const std::string address = monitors[i].http_address();
    ok_before.push_back(SumMetric(address, "vitrine_monitor_gossip_exchanges_total",
                                  {"result=\"ok\""}));
    failed_before.push_back(SumMetric(address, "vitrine_monitor_gossip_exchanges_total",
                                      {"result=\"failed\""}));
  }
  for (int i = 0; i < 2; ++i) {
    const std::string address = monitors[i].http_address();
    ASSERT_TRUE(WaitFor(
        [&] {
          return SumMetric(address, "vitrine_monitor_gossip_exchanges_total",
                           {"result=\"ok\""}) >= ok_before[i] + 3;
        },
        absl::Seconds(20)));
    EXPECT_EQ(SumMetric(address, "vitrine_monitor_gossip_exchanges_total", {"result=\"failed\""}),
              failed_before[i]);
    EXPECT_GE(SumMetric(address, "vitrine_monitor_gossip_checkpoints_total",
                        {"side=\"asked\"", "result=\"consistent\""}),
              1);
    EXPECT_EQ(SumMetric(address, "vitrine_monitor_gossip_checkpoints_total",
                        {"result=\"rejected\""}),
              0);
    EXPECT_EQ(Metric(monitors[i], absl::StrCat("vitrine_monitor_alarm{origin=\"", kOrigin, "\"}")),
              0);
  }
}

// A forger sends checkpoints whose log signature line carries a wrong
// signature, to the witness and to gossip: each failed verification is
// charged to its connection (20 at once, 1/s after), then it is refused
// RESOURCE_EXHAUSTED before anything is verified, while the log's own
// connection keeps pushing.
TEST(HostilePeerTest, ForgersSpendTheirOwnBudgetAndTheLogKeepsPushing) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("forger", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const int monitor_port = ReservePort();
  ServerProcess log = StartLog(
      data.log_data,
      {absl::StrCat("--witness=", VerifierKeyOf(data.monitor_data), "@127.0.0.1:", monitor_port),
       "--witness_quorum=1"});
  ASSERT_TRUE(log.running()) << log.startup_output();
  ServerProcess monitor = StartMonitor(
      data.monitor_data, {absl::StrCat("--log=", data.log_vkey, "@", log.grpc_address()),
                          absl::StrCat("--grpc_listen=127.0.0.1:", monitor_port),
                          "--poll_interval_ms=100"});
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 0, 3, "h")));
  ASSERT_TRUE(WaitFor([&] { return Metric(log, "vitrine_witnessed_tree_size") == 3; }));

  // The log's size-3 checkpoint with one byte of its signature changed.
  auto log_stub = vitrine::v1::Log::NewStub(Channel(log.grpc_address()));
  std::string forged = LatestNote(*log_stub);
  ASSERT_FALSE(forged.empty());
  const size_t at = forged.size() - 10;
  forged[at] = forged[at] == 'A' ? 'B' : 'A';

  auto witness = vitrine::v1::Witness::NewStub(Channel(monitor.grpc_address(), 1));
  std::vector<absl::StatusCode> codes;
  for (int i = 0; i < 25; ++i) {
    uint64_t held = 0;
    codes.push_back(
        monitor::PushCheckpoint(*witness, 3, {}, forged, absl::Seconds(5), &held).status().code());
  }
  std::vector<absl::StatusCode> expected(20, absl::StatusCode::kPermissionDenied);
  expected.resize(25, absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(codes, expected);

  auto gossip = vitrine::v1::Gossip::NewStub(Channel(monitor.grpc_address(), 2));
  vitrine::v1::ExchangeRequest request;
  request.set_monitor("forger");
  for (int c = 0; c < 8; ++c) request.add_checkpoints()->set_note(forged + JunkLine(c, 8));
  std::vector<grpc::StatusCode> gossip_codes;
  for (int i = 0; i < 4; ++i) {
    vitrine::v1::ExchangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    gossip_codes.push_back(gossip->Exchange(&context, request, &response).error_code());
  }
  // 8 distinct forgeries a request: two requests spend 16, the third
  // spends the last 4 and is refused part way, the fourth at once.
  EXPECT_EQ(gossip_codes,
            (std::vector<grpc::StatusCode>{grpc::StatusCode::OK, grpc::StatusCode::OK,
                                           grpc::StatusCode::RESOURCE_EXHAUSTED,
                                           grpc::StatusCode::RESOURCE_EXHAUSTED}));
  EXPECT_EQ(SumMetric(monitor.http_address(), "vitrine_monitor_gossip_checkpoints_total",
                      {"side=\"answered\"", "result=\"rejected\""}),
            20);

  // The log's pushes go on: its connection and budget are its own.
  const std::map<std::string, double> before = PushesByCode(log.http_address());
  for (int batch = 0; batch < 3; ++batch) {
    ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 3 + 5 * batch, 5, "h")));
    ASSERT_TRUE(WaitFor([&] {
      return Metric(log, "vitrine_witnessed_tree_size") == 3 + 5 * (batch + 1);
    }));
  }
  for (const auto& [code, count] : PushesByCode(log.http_address())) {
    if (code == "OK" || code == "ABORTED") continue;
    EXPECT_EQ(count, before.count(code) ? before.at(code) : 0) << code;
  }
  EXPECT_EQ(Metric(monitor, absl::StrCat("vitrine_monitor_alarm{origin=\"", kOrigin, "\"}")), 0);
}

// What the flood measured, printed for the record.
struct FloodFigures {
  std::atomic<int> sent{0};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int64_t> slowest_us{0};
};

TEST(HostilePeerTest, GossipFloodLeavesTheWitnessedCheckpointAdvancing) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("flood", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string monitor_vkey = VerifierKeyOf(data.monitor_data);
  ASSERT_FALSE(monitor_vkey.empty());
  const int monitor_port = ReservePort();
  ServerProcess log = StartLog(
      data.log_data, {absl::StrCat("--witness=", monitor_vkey, "@127.0.0.1:", monitor_port),
                      "--witness_quorum=1", "--witness_timeout_ms=2000"});
  ASSERT_TRUE(log.running()) << log.startup_output();
  ServerProcess monitor = StartMonitor(
      data.monitor_data, {absl::StrCat("--log=", data.log_vkey, "@", log.grpc_address()),
                          absl::StrCat("--grpc_listen=127.0.0.1:", monitor_port),
                          "--poll_interval_ms=100"});
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 0, 3, "h")));
  ASSERT_TRUE(WaitFor([&] { return Metric(log, "vitrine_witnessed_tree_size") == 3; }));
  const std::map<std::string, double> pushes_before = PushesByCode(log.http_address());

  // The log's newest checkpoint, refreshed by the adder after each batch.
  std::mutex newest_mu;
  auto log_stub = vitrine::v1::Log::NewStub(Channel(log.grpc_address()));
  std::string newest = LatestNote(*log_stub);
  std::atomic<bool> stop{false};
  const absl::Duration flood_time = absl::Seconds(5);
  const absl::Time start = absl::Now();

  // Appends: 100 statements every 200 ms, about 25 new checkpoints; each
  // takes the monitor some milliseconds to verify, and the flood sends the
  // new one at once, so many flood requests carry a checkpoint larger than
  // the monitor's head (the case that needs the log's proof).
  std::atomic<int> batches{0};
  constexpr int kBatch = 100;
  std::thread adder([&] {
    int next = 3;
    while (absl::Now() - start < flood_time) {
      const std::vector<std::string> statements = MakeStatements(vendor, next, kBatch, "h");
      if (AddStatements(log.grpc_address(), statements)) ++batches;
      next += kBatch;
      const std::string note = LatestNote(*log_stub);
      if (!note.empty()) {
        std::lock_guard<std::mutex> lock(newest_mu);
        newest = note;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
  });

  // The flood: three connections, each at most 2000 requests in 5 s, each
  // request 64 copies of the newest checkpoint without a proof.
  FloodFigures figures;
  std::vector<std::thread> flooders;
  for (int t = 0; t < 3; ++t) {
    flooders.emplace_back([&, t] {
      auto gossip = vitrine::v1::Gossip::NewStub(Channel(monitor.grpc_address(), t + 1));
      for (int i = 0; i < 2000 && absl::Now() - start < flood_time; ++i) {
        vitrine::v1::ExchangeRequest request;
        request.set_monitor(absl::StrCat("flooder-", t));
        {
          std::lock_guard<std::mutex> lock(newest_mu);
          for (int c = 0; c < 64; ++c) request.add_checkpoints()->set_note(newest);
        }
        vitrine::v1::ExchangeResponse response;
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
        const absl::Time sent = absl::Now();
        ++figures.sent;
        if (gossip->Exchange(&context, request, &response).ok()) {
          ++figures.ok;
        } else {
          ++figures.failed;
        }
        const int64_t us = absl::ToInt64Microseconds(absl::Now() - sent);
        int64_t slowest = figures.slowest_us.load();
        while (us > slowest && !figures.slowest_us.compare_exchange_weak(slowest, us)) {
        }
      }
    });
  }

  // Meanwhile: the witnessed size the log publishes, every 50 ms.
  std::vector<std::pair<absl::Duration, double>> advances;
  double last = Metric(log, "vitrine_witnessed_tree_size");
  absl::Duration longest_wait = absl::ZeroDuration();
  absl::Duration last_advance = absl::ZeroDuration();
  while (absl::Now() - start < flood_time) {
    absl::SleepFor(absl::Milliseconds(50));
    const double size = Metric(log, "vitrine_witnessed_tree_size");
    const absl::Duration at = absl::Now() - start;
    if (size > last) {
      advances.emplace_back(at, size);
      longest_wait = std::max(longest_wait, at - last_advance);
      last_advance = at;
      last = size;
    }
  }
  longest_wait = std::max(longest_wait, (absl::Now() - start) - last_advance);
  adder.join();
  for (std::thread& flooder : flooders) flooder.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);

  const std::map<std::string, double> pushes = PushesByCode(log.http_address());
  double refused = 0;
  std::string by_code;
  for (const auto& [code, count] : pushes) {
    const double before = pushes_before.count(code) ? pushes_before.at(code) : 0;
    absl::StrAppend(&by_code, " ", code, "=", count - before);
    if (code != "OK" && code != "ABORTED") refused += count - before;
  }
  const std::string lookups = "vitrine_monitor_gossip_proof_lookups_total";
  std::printf(
      "gossip flood: %d requests x 64 checkpoints in %.1f s (%.0f/s), %d ok, %d failed, "
      "slowest %.1f ms; %d append batches; witnessed size advanced %zu times to %.0f, "
      "longest wait %.0f ms; pushes during the flood:%s; monitor proof lookups: "
      "ready %.0f pending %.0f queued %.0f over_budget %.0f queue_full %.0f; checkpoints "
      "judged consistent %.0f, ahead_unverified %.0f\n",
      figures.sent.load(), elapsed, figures.sent.load() / elapsed, figures.ok.load(),
      figures.failed.load(), figures.slowest_us.load() / 1000.0, batches.load(), advances.size(),
      last, absl::ToDoubleMilliseconds(longest_wait), by_code.c_str(),
      SumMetric(monitor.http_address(), lookups, {"\"ready\""}),
      SumMetric(monitor.http_address(), lookups, {"\"pending\""}),
      SumMetric(monitor.http_address(), lookups, {"\"queued\""}),
      SumMetric(monitor.http_address(), lookups, {"\"over_budget\""}),
      SumMetric(monitor.http_address(), lookups, {"\"queue_full\""}),
      SumMetric(monitor.http_address(), "vitrine_monitor_gossip_checkpoints_total",
                {"side=\"answered\"", "result=\"consistent\""}),
      SumMetric(monitor.http_address(), "vitrine_monitor_gossip_checkpoints_total",
                {"side=\"answered\"", "result=\"ahead_unverified\""}));

  EXPECT_GE(figures.sent.load(), 100);  // A flood, not a trickle.
  EXPECT_EQ(figures.failed.load(), 0);
  EXPECT_GE(batches.load(), 15);
  // The witnessed checkpoint kept advancing: at least 10 times in 5 s, and
  // never stood still for 2 s (issue 11 measured about 6 s).
  EXPECT_GE(advances.size(), 10u);
  EXPECT_LT(longest_wait, absl::Seconds(2));
  EXPECT_EQ(refused, 0) << by_code;
  // And it catches up with the log once the flood is over.
  const double final_size = 3 + kBatch * batches.load();
  EXPECT_TRUE(WaitFor([&] { return Metric(log, "vitrine_witnessed_tree_size") == final_size; },
                      absl::Seconds(20)));
}

}  // namespace
}  // namespace vitrine::tests
