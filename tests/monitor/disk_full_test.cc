// The monitor on a full disk (issue 14), on real processes. A
// vitrine-monitor whose data folder - its verified copy of the log, its
// witness state, its evidence - lives on a small tmpfs the test mounts,
// with no free-space reserve (--min_free_bytes=0) so that RocksDB and the
// witness's state file really meet ENOSPC, follows and witnesses a
// vitrine-log on the normal disk while 8 clients add to the log. While the
// tmpfs is full: the monitor does not crash (Debian's RocksDB keeps its
// assertions), /healthz answers 503 with the reason and /metrics answers,
// the witness still serves what it holds, no evidence is raised against
// the honest log, and the witness never cosigns a checkpoint it could not
// persist. Once the tmpfs is made larger, the same process catches up with
// the log by itself, verifies all of it and witnesses it; restarted, its
// copy opens and verifies at that size. Skipped unless the test may mount
// (root).
#include <errno.h>
#include <httplib.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "diskfull.test/log";
constexpr char kWitnessName[] = "m.test/witness";
// Room left on the tmpfs once the monitor holds the first entries: a few
// thousand more entries in the copy's write-ahead log fill it.
constexpr uint64_t kHeadroomBytes = 2 << 20;

struct HttpAnswer {
  int status = -1;  // -1: no answer
  std::string body;
};

HttpAnswer Get(const std::string& address, const std::string& path) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return {};
  }
  httplib::Client client(address.substr(0, colon), port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  httplib::Result result = client.Get(path.c_str());
  if (!result) return {};
  return {result->status, result->body};
}

// The tree size of a checkpoint note (its second line), nullopt when the
// text is not one.
std::optional<uint64_t> NoteSize(const std::string& note) {
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  uint64_t size = 0;
  if (lines.size() < 3 || lines[0] != kOrigin || !absl::SimpleAtoi(lines[1], &size)) {
    return std::nullopt;
  }
  return size;
}

// Unmounts the tmpfs when the test ends, however it ends (lazily: a child
// that still holds a file cannot keep it mounted).
class Mounted {
 public:
  explicit Mounted(std::string path) : path_(std::move(path)) {}
  ~Mounted() { umount2(path_.c_str(), MNT_DETACH); }

 private:
  const std::string path_;
};

class MonitorDiskFullTest : public ::testing::Test {
 protected:
  // Adds 100 statements from `first` to the log; the number acknowledged.
  int AddHundred(vitrine::v1::Log::Stub& stub, int first, std::string* error) {
    vitrine::v1::AddRequest request;
    for (std::string& statement : MakeStatements(vendor_, first, 100, "full")) {
      request.add_statements(std::move(statement));
    }
    vitrine::v1::AddResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    const grpc::Status status = stub.Add(&context, request, &response);
    if (!status.ok()) {
      *error = status.error_message();
      return 0;
    }
    int ok = 0;
    for (const vitrine::v1::AddResult& result : response.results()) {
      if (result.has_bundle()) {
        ++ok;
      } else if (error->empty()) {
        *error = result.error().message();
      }
    }
    return ok;
  }

  uint64_t LogSize(const ServerProcess& log) {
    auto stub = vitrine::v1::Log::NewStub(
        grpc::CreateChannel(log.grpc_address(), grpc::InsecureChannelCredentials()));
    vitrine::v1::GetCheckpointRequest request;
    vitrine::v1::GetCheckpointResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const grpc::Status status = stub->GetCheckpoint(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.checkpoint().size();
  }

  // The note of GetCheckpoint (at most `size` when given) from the Log
  // service at `address`: the log's, or the one a monitor serves from its
  // verified copy.
  std::string CheckpointNote(const std::string& address, std::optional<uint64_t> size) {
    auto stub = vitrine::v1::Log::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    vitrine::v1::GetCheckpointRequest request;
    if (size.has_value()) request.set_at_most_size(*size);
    vitrine::v1::GetCheckpointResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const grpc::Status status = stub->GetCheckpoint(&context, request, &response);
    EXPECT_TRUE(status.ok()) << address << ": " << status.error_message();
    return response.checkpoint().note();
  }

  // The leaves [start, end) from the Log service at `address`.
  std::vector<std::string> Entries(const std::string& address, uint64_t start, uint64_t end) {
    auto stub = vitrine::v1::Log::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    vitrine::v1::GetEntriesRequest request;
    request.set_start(start);
    request.set_end(end);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = stub->GetEntries(&context, request);
    std::vector<std::string> leaves;
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) leaves.push_back(entry.leaf());
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << address << ": " << status.error_message();
    return leaves;
  }

  // The size in the witness's state file (what it persisted), 0 when none.
  uint64_t PersistedWitnessSize() {
    const std::vector<std::string> files = ListFiles(monitor_data_ + "/witness", ".checkpoint");
    if (files.size() != 1) return 0;
    return NoteSize(ReadFileOrEmpty(files[0])).value_or(0);
  }

  // The size of the log's witnessed checkpoint (HTTP /checkpoint: the
  // latest one the monitor's witness cosigned; the latest unwitnessed one
  // before the first), 0 before the first.
  uint64_t WitnessedSize(const ServerProcess& log) {
    const HttpAnswer checkpoint = Get(log.http_address(), "/checkpoint");
    if (checkpoint.status != 200 ||
        !absl::StrContains(checkpoint.body, absl::StrCat("\n\u2014 ", kWitnessName, " "))) {
      return 0;
    }
    return NoteSize(checkpoint.body).value_or(0);
  }

  // The witness's answer to GetLatestCheckpoint: the size it holds.
  std::optional<uint64_t> WitnessLatest(const ServerProcess& monitor) {
    auto stub = vitrine::v1::Witness::NewStub(
        grpc::CreateChannel(monitor.grpc_address(), grpc::InsecureChannelCredentials()));
    vitrine::v1::GetLatestCheckpointRequest request;
    request.set_origin(kOrigin);
    vitrine::v1::GetLatestCheckpointResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const grpc::Status status = stub->GetLatestCheckpoint(&context, request, &response);
    if (!status.ok()) {
      ADD_FAILURE() << "GetLatestCheckpoint: " << status.error_message();
      return std::nullopt;
    }
    return NoteSize(response.checkpoint());
  }

  double MonitorMetric(const ServerProcess& monitor, const std::string& name) {
    return Metric(monitor, absl::StrCat(name, "{origin=\"", kOrigin, "\"}"));
  }

  VendorKey vendor_ = MakeVendorKey("example.com/acme");
  std::string monitor_data_;
};

TEST_F(MonitorDiskFullTest, FullDiskStopsNothingButWritesAndTheSameProcessCatchesUp) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  const std::string dir = FreshDir("disk_full");
  const std::string small = dir + "/small";
  ASSERT_EQ(mkdir(small.c_str(), 0755), 0) << std::strerror(errno);
  if (mount("tmpfs", small.c_str(), "tmpfs", 0, "size=24m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  Mounted mounted(small);

  // The log on the normal disk, the monitor's data folder on the tmpfs;
  // the log pushes its checkpoints to the monitor's witness (quorum 1).
  const std::string log_data = dir + "/log";
  monitor_data_ = small + "/monitor";
  const std::string log_vkey = InitLog(log_data, kOrigin);
  ASSERT_FALSE(log_vkey.empty());
  const std::string witness_vkey = InitMonitor(monitor_data_, kWitnessName);
  ASSERT_FALSE(witness_vkey.empty());
  WriteFileOrDie(log_data + "/vendors", vendor_.vkey + "\n");
  WriteFileOrDie(monitor_data_ + "/vendors", vendor_.vkey + "\n");
  const int witness_port = ReservePort();
  ServerProcess log = StartLog(
      log_data, {"--min_free_bytes=0", "--vendor_rate_per_second=1000000",
                 "--vendor_burst=1000000", "--witness_quorum=1", "--witness_timeout_ms=2000",
                 absl::StrCat("--witness=", witness_vkey, "@127.0.0.1:", witness_port)});
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::string monitor_stderr = dir + "/monitor.stderr";
  const std::vector<std::string> monitor_args = {
      absl::StrCat("--log=", log_vkey, "@", log.grpc_address()),
      absl::StrCat("--grpc_listen=127.0.0.1:", witness_port), "--poll_interval_ms=100",
      "--min_free_bytes=0"};
  ServerProcess monitor = StartMonitorLoggingTo(monitor_data_, monitor_args, monitor_stderr);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();

  auto stub = vitrine::v1::Log::NewStub(
      grpc::CreateChannel(log.grpc_address(), grpc::InsecureChannelCredentials()));
  std::atomic<int> next{0};
  {
    std::string error;
    ASSERT_EQ(AddHundred(*stub, next.fetch_add(100), &error), 100) << error;
  }
  ASSERT_TRUE(WaitFor([&] {
    return MonitorMetric(monitor, "vitrine_monitor_verified_size") == 100 &&
           WitnessedSize(log) == 100;
  })) << Get(monitor.http_address(), "/healthz").body;

  // Fill the tmpfs but for kHeadroomBytes.
  {
    struct statvfs fs;
    ASSERT_EQ(statvfs(small.c_str(), &fs), 0);
    const uint64_t free_bytes = uint64_t{fs.f_bavail} * fs.f_frsize;
    ASSERT_GT(free_bytes, kHeadroomBytes);
    std::ofstream filler(small + "/filler", std::ios::binary);
    const std::string block(1 << 16, 'x');
    for (uint64_t left = free_bytes - kHeadroomBytes; left > 0;) {
      const uint64_t n = std::min<uint64_t>(left, block.size());
      filler.write(block.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
    filler.close();
    ASSERT_TRUE(filler.good());
  }

  // 8 clients add until told to stop; the log, on the normal disk,
  // acknowledges everything.
  std::atomic<bool> stop{false};
  std::mutex error_mu;
  std::string add_error;
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      auto own = vitrine::v1::Log::NewStub(
          grpc::CreateChannel(log.grpc_address(), grpc::InsecureChannelCredentials()));
      while (!stop.load()) {
        std::string failed;
        if (AddHundred(*own, next.fetch_add(100), &failed) != 100) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (add_error.empty()) add_error = failed;
          return;
        }
      }
    });
  }
  auto stop_clients = [&] {
    stop = true;
    for (std::thread& client : clients) {
      if (client.joinable()) client.join();
    }
  };

  // The copy's commit meets ENOSPC: /healthz says so, with 503.
  HttpAnswer health;
  const bool full = WaitFor(
      [&] {
        health = Get(monitor.http_address(), "/healthz");
        return absl::StrContains(health.body, "No space left on device");
      },
      absl::Seconds(30));
  if (!full) stop_clients();
  ASSERT_TRUE(full) << "the tmpfs never filled: " << health.body;
  const std::string refused = absl::StrCat("writes refused: ", kOrigin, ": RESOURCE_EXHAUSTED: ");

  // Some seconds full under load (RocksDB's own error handling runs on
  // timers meanwhile): the monitor answers, says why, raises nothing, and
  // its witness serves what it holds and cosigns nothing it did not
  // persist.
  const absl::Time full_until = absl::Now() + absl::Seconds(6);
  const double fetched = MonitorMetric(monitor, "vitrine_monitor_entries_fetched_total");
  int samples = 0;
  while (absl::Now() < full_until) {
    const uint64_t witnessed = WitnessedSize(log);  // before the file: it only grows
    const uint64_t persisted = PersistedWitnessSize();
    EXPECT_LE(witnessed, persisted) << "a cosignature the witness did not persist";
    health = Get(monitor.http_address(), "/healthz");
    EXPECT_EQ(health.status, 503) << health.body;
    EXPECT_TRUE(absl::StartsWith(health.body, refused)) << health.body;
    EXPECT_TRUE(absl::StrContains(health.body, "No space left on device")) << health.body;
    EXPECT_FALSE(absl::StrContains(health.body, "ALARM")) << health.body;
    EXPECT_EQ(MonitorMetric(monitor, "vitrine_monitor_alarm"), 0);
    EXPECT_EQ(MonitorMetric(monitor, "vitrine_monitor_copy_writable"), 0);
    EXPECT_GE(MonitorMetric(monitor, "vitrine_monitor_verified_size"), 100);
    const std::optional<uint64_t> latest = WitnessLatest(monitor);
    EXPECT_TRUE(latest.has_value() && *latest <= persisted && *latest >= 100);
    ++samples;
    absl::SleepFor(absl::Milliseconds(200));
  }
  stop_clients();
  EXPECT_GT(samples, 5);
  // Nothing fetched from the log that could not be stored.
  EXPECT_EQ(MonitorMetric(monitor, "vitrine_monitor_entries_fetched_total"), fetched);
  EXPECT_EQ(add_error, "") << "the log, on the normal disk, refused an add";
  const uint64_t log_size = LogSize(log);
  const double verified_while_full = MonitorMetric(monitor, "vitrine_monitor_verified_size");
  EXPECT_LT(verified_while_full, static_cast<double>(log_size))
      << "the monitor kept up: the tmpfs did not stop it";
  EXPECT_EQ(ListFiles(monitor_data_ + "/evidence", ".evidence.json").size(), 0u)
      << "evidence raised against an honest log";

  // Room again: the same process catches up with the log by itself,
  // verifies every entry, and its witness cosigns the log's latest.
  ASSERT_EQ(mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT, "size=160m"), 0)
      << std::strerror(errno);
  std::string error;
  ASSERT_EQ(AddHundred(*stub, next.fetch_add(100), &error), 100) << error;
  const uint64_t final_size = LogSize(log);
  EXPECT_TRUE(WaitFor(
      [&] {
        return MonitorMetric(monitor, "vitrine_monitor_verified_size") ==
               static_cast<double>(final_size);
      },
      absl::Seconds(30)))
      << "verified " << MonitorMetric(monitor, "vitrine_monitor_verified_size") << " of "
      << final_size << ": " << Get(monitor.http_address(), "/healthz").body;
  EXPECT_TRUE(WaitFor([&] { return WitnessedSize(log) == final_size; }, absl::Seconds(15)))
      << "witnessed " << WitnessedSize(log) << " of " << final_size;
  EXPECT_EQ(PersistedWitnessSize(), final_size);
  EXPECT_EQ(WitnessLatest(monitor), final_size);
  // The follower replaces its last error with the outcome of its next poll
  // (every 100 ms here): an error from the full disk may still be the last
  // word for a moment after the copy caught up (CI saw it once).
  WaitFor(
      [&] {
        return !absl::StrContains(Get(monitor.http_address(), "/healthz").body,
                                  "last error");
      },
      absl::Seconds(5));
  health = Get(monitor.http_address(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_TRUE(absl::StartsWith(health.body, "ok\n")) << health.body;
  EXPECT_FALSE(absl::StrContains(health.body, "last error")) << health.body;
  EXPECT_EQ(MonitorMetric(monitor, "vitrine_monitor_alarm"), 0);
  EXPECT_EQ(MonitorMetric(monitor, "vitrine_monitor_copy_writable"), 1);
  EXPECT_EQ(ListFiles(monitor_data_ + "/evidence", ".evidence.json").size(), 0u);
  // The copy serves the log's own checkpoint note (then the monitor's own
  // cosignature line, once its witness cosigned it) and entries, across
  // the size where its commit had failed.
  const std::string log_note = CheckpointNote(log.grpc_address(), final_size);
  ASSERT_FALSE(log_note.empty());
  EXPECT_TRUE(absl::StartsWith(CheckpointNote(monitor.grpc_address(), std::nullopt), log_note));
  const auto failed_at = static_cast<uint64_t>(verified_while_full);
  EXPECT_EQ(Entries(monitor.grpc_address(), failed_at - 50, failed_at + 250),
            Entries(log.grpc_address(), failed_at - 50, failed_at + 250));
  EXPECT_EQ(Entries(monitor.grpc_address(), final_size - 100, final_size),
            Entries(log.grpc_address(), final_size - 100, final_size));

  // A clean exit, not RocksDB's abort(); RocksDB's info log went to
  // stderr, never to a LOG file on the full disk.
  EXPECT_EQ(monitor.Stop(), 0);
  const std::string logged = ReadFileOrEmpty(monitor_stderr);
  EXPECT_FALSE(absl::StrContains(logged, "Assertion")) << logged;
  const std::string copy_dir =
      monitor_data_ + "/logs/" + merkle::HashLeaf(kOrigin).ToHex();
  EXPECT_EQ(ListFiles(copy_dir, "LOG").size(), 0u);

  // Restarted, the copy opens (every tile verified) at the same size.
  ServerProcess again = StartMonitor(monitor_data_, monitor_args);
  ASSERT_TRUE(again.running()) << again.startup_output();
  EXPECT_EQ(MonitorMetric(again, "vitrine_monitor_verified_size"),
            static_cast<double>(final_size));
  EXPECT_EQ(again.Stop(), 0);
  EXPECT_EQ(log.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
