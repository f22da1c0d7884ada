// Issue 14, backup and fork-safe restore with real processes: a vitrine-log
// witnessed by a vitrine-monitor that also keeps a verified copy (its
// mirror). The log is backed up while it takes adds (over its admin
// socket), then publishes more, and is lost. The backup is restored:
//   - without witnesses the log refuses to start and names the flag that
//     accepts the risk; with a witness but no mirror, it refuses too, since
//     the witness holds a larger checkpoint than the backup;
//   - with the witness and the mirror, it fetches the missing entries,
//     checks them against the witnessed checkpoint and serves exactly the
//     checkpoint it had published (byte for byte) and the same entries;
//     new adds then extend that history, and the monitor, which saw the
//     old history, verifies the new entries without an alarm: no fork.
//   - with --accept_fork_risk it starts from the backup as it is, loudly.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

constexpr char kOrigin[] = "restore.test/log";

// The log's latest signed checkpoint note over gRPC ("" on error).
std::string LatestNote(const std::string& address) {
  auto stub = vitrine::v1::Log::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  vitrine::v1::GetCheckpointResponse response;
  if (!stub->GetCheckpoint(&context, {}, &response).ok()) return "";
  return response.checkpoint().note();
}

// The size on line 2 of a checkpoint note, -1 if none.
int64_t NoteSize(const std::string& note) {
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  int64_t size = -1;
  if (lines.size() < 2 || !absl::SimpleAtoi(lines[1], &size)) return -1;
  return size;
}

// Every leaf [0, end) over gRPC, in order (empty on error).
std::vector<std::string> AllEntries(const std::string& address, uint64_t end) {
  auto stub = vitrine::v1::Log::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::vector<std::string> leaves;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  vitrine::v1::GetEntriesRequest request;
  request.set_end(end);
  auto reader = stub->GetEntries(&context, request);
  vitrine::v1::Entry entry;
  while (reader->Read(&entry)) leaves.push_back(entry.leaf());
  if (!reader->Finish().ok()) return {};
  return leaves;
}

Outcome RunLog(const std::vector<std::string>& args) {
  return Run(BinaryPath("log/server/vitrine-log"), args);
}

class BackupRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("backup_restore");
    log_data_ = dir_ + "/log";
    log_vkey_ = InitLog(log_data_, kOrigin);
    ASSERT_FALSE(log_vkey_.empty());
    vendor_ = MakeVendorKey("example.com/acme");
    WriteFileOrDie(log_data_ + "/vendors", vendor_.vkey + "\n");
    witness_vkey_ = InitMonitor(dir_ + "/monitor", "m.test/witness");
    ASSERT_FALSE(witness_vkey_.empty());
    WriteFileOrDie(dir_ + "/monitor/vendors", vendor_.vkey + "\n");

    log_port_ = ReservePort();
    monitor_ = StartMonitor(
        dir_ + "/monitor", {absl::StrCat("--log=", log_vkey_, "@127.0.0.1:", log_port_),
                            "--poll_interval_ms=100"});
    ASSERT_TRUE(monitor_.running()) << monitor_.startup_output();
    log_ = StartLog(log_data_, LogArgs(/*witness=*/true, /*mirror=*/false));
    ASSERT_TRUE(log_.running()) << log_.startup_output();
  }

  std::vector<std::string> LogArgs(bool witness, bool mirror) const {
    std::vector<std::string> args = {absl::StrCat("--grpc_listen=127.0.0.1:", log_port_),
                                     "--witness_timeout_ms=2000"};
    if (witness) {
      args.push_back(absl::StrCat("--witness=", witness_vkey_, "@", monitor_.grpc_address()));
    }
    if (mirror) args.push_back("--mirror=" + monitor_.grpc_address());
    return args;
  }

  double MonitorSize() const {
    return Metric(monitor_, absl::StrCat("vitrine_monitor_verified_size{origin=\"", kOrigin,
                                         "\"}"));
  }
  double MonitorAlarm() const {
    return Metric(monitor_, absl::StrCat("vitrine_monitor_alarm{origin=\"", kOrigin, "\"}"));
  }

  std::string dir_, log_data_, log_vkey_, witness_vkey_;
  VendorKey vendor_;
  int log_port_ = 0;
  ServerProcess monitor_;
  ServerProcess log_;
};

TEST_F(BackupRestoreTest, RestoredLogRecoversFromWitnessAndMirrorBeforeSigning) {
  const std::string backup = dir_ + "/backup";
  ASSERT_TRUE(AddStatements(log_.grpc_address(), MakeStatements(vendor_, 0, 300, "a")));

  // A backup while adds go on: the running log does it itself.
  std::thread adder([&] {
    EXPECT_TRUE(AddStatements(log_.grpc_address(), MakeStatements(vendor_, 300, 300, "a")));
  });
  Outcome backed_up = RunLog({"backup", "--data=" + log_data_, "--to=" + backup});
  adder.join();
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.err;
  EXPECT_THAT(backed_up.out, HasSubstr("backup 1 in "));
  EXPECT_EQ(ReadFileOrEmpty(backup + "/log.vkey"), log_vkey_ + "\n");

  // The log publishes more after the backup; the monitor verifies and
  // cosigns all of it.
  ASSERT_TRUE(AddStatements(log_.grpc_address(), MakeStatements(vendor_, 600, 400, "a")));
  ASSERT_TRUE(WaitFor([&] { return MonitorSize() == 1000; })) << MonitorSize();
  const std::string published = LatestNote(log_.grpc_address());
  ASSERT_EQ(NoteSize(published), 1000);
  const std::vector<std::string> entries = AllEntries(log_.grpc_address(), 1000);
  ASSERT_EQ(entries.size(), 1000u);

  // The disk is lost.
  ASSERT_EQ(log_.Stop(), 0);
  std::filesystem::rename(log_data_ + "/store", dir_ + "/lost-store");
  Outcome restored = RunLog({"restore", "--from=" + backup, "--data=" + log_data_});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_THAT(restored.out, HasSubstr("restored backup 1 (tree size "));
  EXPECT_TRUE(std::filesystem::exists(log_data_ + "/store/RESTORED-FROM-BACKUP"));

  // Restore never overwrites a store.
  Outcome again = RunLog({"restore", "--from=" + backup, "--data=" + log_data_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("move it away first"));

  // No witness: nothing says what was published. Refused, naming the flag.
  std::vector<std::string> serve = {"serve", "--data=" + log_data_,
                                    "--http_listen=127.0.0.1:0"};
  std::vector<std::string> bare = serve;
  bare.push_back(absl::StrCat("--grpc_listen=127.0.0.1:", log_port_));
  Outcome refused = RunLog(bare);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("no witness is configured"));
  EXPECT_THAT(refused.err, HasSubstr("--accept_fork_risk"));

  // A witness but no mirror: the witness holds 1000, the backup less.
  std::vector<std::string> witness_only = serve;
  for (const std::string& arg : LogArgs(true, false)) witness_only.push_back(arg);
  Outcome no_mirror = RunLog(witness_only);
  EXPECT_EQ(no_mirror.exit_code, 1);
  EXPECT_THAT(no_mirror.err, HasSubstr("witness m.test/witness holds checkpoint 1000"));
  EXPECT_THAT(no_mirror.err, HasSubstr("no mirror is configured"));
  EXPECT_TRUE(std::filesystem::exists(log_data_ + "/store/RESTORED-FROM-BACKUP"));

  // Witness and mirror: recovered before anything is signed.
  log_ = StartLog(log_data_, LogArgs(true, true));
  ASSERT_TRUE(log_.running()) << log_.startup_output();
  EXPECT_FALSE(std::filesystem::exists(log_data_ + "/store/RESTORED-FROM-BACKUP"));
  EXPECT_EQ(LatestNote(log_.grpc_address()), published);
  EXPECT_EQ(AllEntries(log_.grpc_address(), 1000), entries);

  // New entries extend the same history: the monitor, which holds the old
  // one, verifies them without an alarm.
  ASSERT_TRUE(AddStatements(log_.grpc_address(), MakeStatements(vendor_, 1000, 10, "a")));
  EXPECT_TRUE(WaitFor([&] { return MonitorSize() == 1010; })) << MonitorSize();
  EXPECT_EQ(MonitorAlarm(), 0);
  ASSERT_EQ(log_.Stop(), 0);

  // The recovered store passes fsck.
  Outcome fsck = RunLog({"fsck", "--data=" + log_data_});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.out << fsck.err;
}

TEST_F(BackupRestoreTest, AcceptForkRiskServesTheBackupAsItIs) {
  ASSERT_TRUE(AddStatements(log_.grpc_address(), MakeStatements(vendor_, 0, 50, "a")));
  const std::string backup = dir_ + "/backup";
  Outcome backed_up = RunLog({"backup", "--data=" + log_data_, "--to=" + backup});
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.err;
  ASSERT_EQ(log_.Stop(), 0);

  // A stopped log is backed up in-process; the second backup is
  // incremental.
  Outcome stopped = RunLog({"backup", "--data=" + log_data_, "--to=" + backup});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_THAT(stopped.out, HasSubstr("backup 2 in "));

  const std::string other = dir_ + "/other";
  std::filesystem::create_directories(other);
  // The operator's own files (key, vendor registry) come back from where
  // they are kept; the backup holds the store and the verifier key.
  std::filesystem::copy_file(log_data_ + "/log.key", other + "/log.key");
  std::filesystem::copy_file(log_data_ + "/vendors", other + "/vendors");
  Outcome restored = RunLog({"restore", "--from=" + backup, "--data=" + other});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(ReadFileOrEmpty(other + "/log.vkey"), log_vkey_ + "\n");
  ServerProcess risky = StartLog(other, {"--accept_fork_risk"});
  ASSERT_TRUE(risky.running()) << risky.startup_output();
  EXPECT_EQ(NoteSize(LatestNote(risky.grpc_address())), 50);
  EXPECT_FALSE(std::filesystem::exists(other + "/store/RESTORED-FROM-BACKUP"));
  EXPECT_EQ(risky.Stop(), 0);
}

TEST_F(BackupRestoreTest, ABackupOfAnotherLogIsRefused) {
  const std::string backup = dir_ + "/backup";
  Outcome backed_up = RunLog({"backup", "--data=" + log_data_, "--to=" + backup});
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.err;
  const std::string other = dir_ + "/another-log";
  ASSERT_FALSE(InitLog(other, "another.test/log").empty());
  Outcome restored = RunLog({"restore", "--from=" + backup, "--data=" + other});
  EXPECT_EQ(restored.exit_code, 1);
  EXPECT_THAT(restored.err, HasSubstr("is of log " + log_vkey_));
  EXPECT_FALSE(std::filesystem::exists(other + "/store/CURRENT"));
}

}  // namespace
}  // namespace vitrine::tests
