// Issue 11, evidence forged from public data, with real processes: a
// ROLLBACK file made of two genuine checkpoints of an honest log (and a
// made-up observation), and an ENTRIES_MISMATCH file made of a genuine
// checkpoint and junk entries. Anyone can build them; so `check-evidence`
// calls them observations (exit 3, never 0), and a monitor that finds them
// in its evidence folder at startup reports them and halts nothing: it
// follows and cosigns the log as before.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "monitor/evidence/evidence.h"
#include "monitor/evidence/evidence_file.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kOrigin[] = "forged.test/log";
constexpr char kSize[] = "vitrine_monitor_verified_size{origin=\"forged.test/log\"}";
constexpr char kWitness[] = "vitrine_monitor_witness_size{origin=\"forged.test/log\"}";
constexpr char kAlarm[] = "vitrine_monitor_alarm{origin=\"forged.test/log\"}";
// check-evidence's exit code for an observation (vitrine_monitor_main.cc).
constexpr int kObservedExit = 3;

// The log's signed checkpoint for exactly `size` ("" on failure).
std::string SignedNoteAt(const std::string& address, uint64_t size) {
  std::unique_ptr<vitrine::v1::Log::Stub> stub = vitrine::v1::Log::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  vitrine::v1::GetCheckpointRequest request;
  request.set_at_most_size(size);
  vitrine::v1::GetCheckpointResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!stub->GetCheckpoint(&context, request, &response).ok() ||
      response.checkpoint().size() != size) {
    return "";
  }
  return response.checkpoint().note();
}

TEST(ForgedEvidenceTest, ObservationsBuiltFromPublicDataHaltNothing) {
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  const LogAndMonitorData data = MakeLogAndMonitorData("forged", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();

  // An honest log signs sizes 3 and 5: public checkpoints.
  const std::vector<std::string> statements = MakeStatements(vendor, 0, 5, "release");
  ASSERT_TRUE(AddStatements(log.grpc_address(), {statements.begin(), statements.begin() + 3}));
  const std::string note3 = SignedNoteAt(log.grpc_address(), 3);
  ASSERT_TRUE(AddStatements(log.grpc_address(), {statements.begin() + 3, statements.end()}));
  const std::string note5 = SignedNoteAt(log.grpc_address(), 5);
  ASSERT_FALSE(note3.empty());
  ASSERT_FALSE(note5.empty());

  // What a hostile peer without the log's key can make of them.
  const monitor::Observation made_up{"mallory.test/monitor", "a log only mallory saw", {}};
  const vitrine::v1::Evidence rollback =
      monitor::RollbackEvidence(kOrigin, data.log_vkey, note5, note3, made_up);
  merkle::CompactRange range;
  for (int i = 0; i < 3; ++i) range.Append(merkle::HashLeaf(statements[i]));
  const std::vector<merkle::Hash> prefix(range.hashes().begin(), range.hashes().end());
  const std::vector<std::string> junk = {"junk 3", "junk 4"};
  const vitrine::v1::Evidence entries = monitor::EntriesMismatchEvidence(
      kOrigin, data.log_vkey, note3, prefix, junk, note5, made_up);
  const std::string evidence_dir = data.monitor_data + "/evidence";
  ASSERT_TRUE(MakeDirs(evidence_dir, 0755).ok());
  ASSERT_TRUE(monitor::WriteEvidenceFile(evidence_dir, rollback).ok());
  ASSERT_TRUE(monitor::WriteEvidenceFile(evidence_dir, entries).ok());
  const std::vector<std::string> files = ListFiles(evidence_dir, ".evidence.json");
  ASSERT_EQ(files.size(), 2u);

  // check-evidence: genuine signatures, but only an observation, each file
  // alone and both together.
  for (const std::string& file : files) {
    Outcome check = RunMonitor({"check-evidence", "--log_key=" + data.log_vkey, file});
    EXPECT_EQ(check.exit_code, kObservedExit) << check.out << check.err;
    EXPECT_THAT(check.out, HasSubstr(": OBSERVED ("));
    EXPECT_THAT(check.out, HasSubstr("proves nothing a third party can check"));
    EXPECT_THAT(check.out, Not(HasSubstr("PROVEN")));
  }
  Outcome both = RunMonitor({"check-evidence", files[0], files[1]});
  EXPECT_EQ(both.exit_code, kObservedExit) << both.err;

  // A monitor that finds them at startup reports them and halts nothing.
  const std::string stderr_path = data.dir + "/monitor.stderr";
  ServerProcess monitor = StartMonitorLoggingTo(
      data.monitor_data, {"--log=" + data.log_vkey + "@" + log.grpc_address(),
                          "--poll_interval_ms=100"},
      stderr_path);
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kWitness) == 5; }))
      << ReadFileOrEmpty(stderr_path);
  EXPECT_EQ(Metric(monitor, kSize), 5);
  EXPECT_EQ(Metric(monitor, kAlarm), 0);
  EXPECT_THAT(HttpGet(monitor.http_address(), "/healthz"),
              StartsWith("ok\nforged.test/log: verified 5"));

  // It keeps following and cosigning.
  ASSERT_TRUE(AddStatements(log.grpc_address(), MakeStatements(vendor, 5, 2, "release")));
  ASSERT_TRUE(WaitFor([&] { return Metric(monitor, kWitness) == 7; }));
  EXPECT_EQ(Metric(monitor, kAlarm), 0);
  ASSERT_EQ(monitor.Stop(), 0);

  const std::string err = ReadFileOrEmpty(stderr_path);
  EXPECT_THAT(err, HasSubstr("is an observation (rollback, by \"mallory.test/monitor\"), not "
                             "proof, and not one this monitor made: log \"forged.test/log\" "
                             "not halted\n"));
  EXPECT_THAT(err, HasSubstr("is an observation (entries-mismatch, by "
                             "\"mallory.test/monitor\")"));
  EXPECT_THAT(err, Not(HasSubstr("ALARM")));
  EXPECT_EQ(ListFiles(evidence_dir, ".evidence.json"), files);
}

}  // namespace
}  // namespace vitrine::tests
