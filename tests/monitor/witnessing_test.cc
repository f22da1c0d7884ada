// Issue 7, witnessing end to end with real processes: a vitrine-log that
// pushes every checkpoint to two vitrine-monitor witnesses with quorum 2.
// Bundles carry both cosignatures and `vitrine verify` accepts them; with
// one witness down appends go on while the witnessed checkpoint stays put,
// and it catches up when the witness returns; a rollback to an older
// checkpoint is refused by the witness.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "monitor/witness/witness_client.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

// The size on line 2 of a checkpoint note, -1 if none.
int64_t NoteSize(const std::string& note) {
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  int64_t size = -1;
  if (lines.size() < 2 || !absl::SimpleAtoi(lines[1], &size)) return -1;
  return size;
}

class WitnessingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("witnessing");
    log_data_ = dir_ + "/log";
    log_vkey_ = InitLog(log_data_, "witness.test/log");
    ASSERT_FALSE(log_vkey_.empty());
    Outcome keygen = RunVitrine(
        {"keygen", "--kind=vendor", "--name=example.com/acme", "--out=" + dir_ + "/acme"});
    ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
    vendor_vkey_ = ReadFileOrEmpty(dir_ + "/acme.vkey");
    WriteFileOrDie(log_data_ + "/vendors", vendor_vkey_);

    log_port_ = ReservePort();
    for (int i = 0; i < 2; ++i) {
      const std::string data = absl::StrCat(dir_, "/w", i + 1);
      witness_vkeys_.push_back(InitMonitor(data, absl::StrCat("w", i + 1, ".test/witness")));
      ASSERT_FALSE(witness_vkeys_.back().empty());
      WriteFileOrDie(data + "/vendors", vendor_vkey_);
      witness_ports_.push_back(ReservePort());
      StartWitness(i);
    }
    std::vector<std::string> log_args = {
        absl::StrCat("--grpc_listen=127.0.0.1:", log_port_), "--witness_quorum=2",
        "--witness_timeout_ms=1000"};
    for (int i = 0; i < 2; ++i) {
      log_args.push_back(absl::StrCat("--witness=", witness_vkeys_[i], "@127.0.0.1:",
                                      witness_ports_[i]));
    }
    log_ = StartLog(log_data_, log_args);
    ASSERT_TRUE(log_.running()) << log_.startup_output();

    policy_ = dir_ + "/policy";
    WriteFileOrDie(policy_, absl::StrCat("log ", log_vkey_, "\nwitness ", witness_vkeys_[0],
                                         "\nwitness ", witness_vkeys_[1],
                                         "\nwitness-quorum 2\nvendor ", vendor_vkey_));
  }

  void StartWitness(int i) {
    witnesses_.resize(2);
    witnesses_[i] = StartMonitor(
        absl::StrCat(dir_, "/w", i + 1),
        {absl::StrCat("--log=", log_vkey_, "@127.0.0.1:", log_port_),
         absl::StrCat("--grpc_listen=127.0.0.1:", witness_ports_[i]), "--poll_interval_ms=100"});
    ASSERT_TRUE(witnesses_[i].running()) << witnesses_[i].startup_output();
  }

  // Writes, signs and submits one release; returns the artifact path.
  std::string Release(int n) {
    absl::StatusOr<std::string> artifact =
        SubmitRelease(dir_, log_.grpc_address(), log_data_ + "/log.vkey", n);
    EXPECT_TRUE(artifact.ok()) << artifact.status();
    return artifact.value_or("");
  }

  // The log's /checkpoint: the latest checkpoint with the witness quorum.
  std::string WitnessedNote() { return HttpGet(log_.http_address(), "/checkpoint"); }

  std::string dir_, log_data_, log_vkey_, vendor_vkey_, policy_;
  int log_port_ = 0;
  std::vector<std::string> witness_vkeys_;
  std::vector<int> witness_ports_;
  std::vector<ServerProcess> witnesses_;
  ServerProcess log_;
};

TEST_F(WitnessingTest, QuorumOfTwoThenOneWitnessDownThenBack) {
  std::vector<std::string> artifacts;
  for (int n = 0; n < 3; ++n) artifacts.push_back(Release(n));

  ASSERT_TRUE(WaitFor([&] { return NoteSize(WitnessedNote()) == 3; }))
      << WitnessedNote();
  const std::string note = WitnessedNote();  // size 3, kept for later
  EXPECT_THAT(note, HasSubstr("\n\u2014 w1.test/witness "));
  EXPECT_THAT(note, HasSubstr("\n\u2014 w2.test/witness "));

  // An endpoint's flow: a bundle proven against the witnessed checkpoint,
  // verified offline under a policy that wants both witnesses.
  Outcome bundle = RunVitrine({"bundle", "--log=" + log_.grpc_address(),
                               "--log_key=" + log_data_ + "/log.vkey", "--witnessed",
                               "--policy=" + policy_, "--artifact=" + artifacts[1]});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  Outcome verify = RunVitrine({"verify", "--policy=" + policy_, artifacts[1]});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("OK: tool-1.tar.gz 1.0.1 by example.com/acme"));

  // Both monitors audited the log and cosigned what they verified.
  for (const ServerProcess& witness : witnesses_) {
    EXPECT_TRUE(WaitFor([&] {
      return Metric(witness, "vitrine_monitor_verified_size{origin=\"witness.test/log\"}") == 3;
    }));
    EXPECT_EQ(Metric(witness, "vitrine_monitor_alarm{origin=\"witness.test/log\"}"), 0);
  }

  // One witness down: appends go on, the quorum checkpoint cannot move.
  ASSERT_EQ(witnesses_[1].Stop(), 0);
  const absl::Time before = absl::Now();
  for (int n = 3; n < 5; ++n) artifacts.push_back(Release(n));
  EXPECT_LT(absl::Now() - before, absl::Seconds(10)) << "appends waited on the witness";
  ASSERT_TRUE(WaitFor([&] {
    return Metric(witnesses_[0], "vitrine_monitor_verified_size{origin=\"witness.test/log\"}") ==
           5;
  }));
  absl::SleepFor(absl::Seconds(2));  // several push rounds
  EXPECT_EQ(NoteSize(WitnessedNote()), 3);

  // It comes back on the same address: the witnessed checkpoint catches up.
  StartWitness(1);
  ASSERT_TRUE(WaitFor([&] { return NoteSize(WitnessedNote()) == 5; })) << WitnessedNote();
  EXPECT_THAT(WitnessedNote(), HasSubstr("\n\u2014 w2.test/witness "));
  Outcome fresh = RunVitrine({"bundle", "--log=" + log_.grpc_address(),
                              "--log_key=" + log_data_ + "/log.vkey", "--witnessed",
                              "--policy=" + policy_, "--artifact=" + artifacts[4]});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_EQ(RunVitrine({"verify", "--policy=" + policy_, artifacts[4]}).exit_code, 0);

  // A rollback: the old checkpoint of size 3, validly signed, pushed to a
  // witness that holds 5. Refused, and the witness says what it holds.
  auto stub = vitrine::v1::Witness::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", witness_ports_[0]), grpc::InsecureChannelCredentials()));
  uint64_t held = 0;
  absl::StatusOr<std::vector<std::string>> rollback =
      monitor::PushCheckpoint(*stub, 3, {}, note, absl::Seconds(10), &held);
  EXPECT_EQ(rollback.status().code(), absl::StatusCode::kAborted) << rollback.status();
  EXPECT_EQ(held, 5u);
  EXPECT_EQ(Metric(witnesses_[0], "vitrine_monitor_witness_size{origin=\"witness.test/log\"}"), 5);
  EXPECT_EQ(log_.Stop(), 0);
}

// A witness that serves over TLS: the log reaches it with the CA's roots
// (test-only certificates, client/testdata/tls), and the witnessed
// checkpoint carries its cosignature.
TEST(WitnessOverTlsTest, TheLogPushesOverTls) {
  const std::string tls = std::string(std::getenv("TEST_SRCDIR")) + "/vitrine/client/testdata/tls/";
  const std::string dir = FreshDir("witness-tls");
  const std::string log_data = dir + "/log";
  const std::string log_vkey = InitLog(log_data, "tls.test/log");
  ASSERT_FALSE(log_vkey.empty());
  const std::string witness_vkey = InitMonitor(dir + "/w", "w.test/witness");
  ASSERT_FALSE(witness_vkey.empty());
  const int log_port = ReservePort(), witness_port = ReservePort();
  ServerProcess witness = StartMonitor(
      dir + "/w", {absl::StrCat("--log=", log_vkey, "@127.0.0.1:", log_port),
                   absl::StrCat("--grpc_listen=127.0.0.1:", witness_port),
                   "--tls_cert_file=" + tls + "server.pem", "--tls_key_file=" + tls + "server.key"});
  ASSERT_TRUE(witness.running()) << witness.startup_output();
  ServerProcess log = StartLog(
      log_data, {absl::StrCat("--grpc_listen=127.0.0.1:", log_port),
                 absl::StrCat("--witness=", witness_vkey, "@127.0.0.1:", witness_port),
                 "--witness_tls_roots_file=" + tls + "ca.pem", "--witness_timeout_ms=1000"});
  ASSERT_TRUE(log.running()) << log.startup_output();
  const VendorKey vendor = MakeVendorKey("example.com/acme");
  WriteFileOrDie(log_data + "/vendors", vendor.vkey + "\n");
  log.Reload();
  ASSERT_TRUE(WaitFor([&] {
    return AddStatements(log.grpc_address(), MakeStatements(vendor, 0, 1, "tls"));
  }));
  ASSERT_TRUE(WaitFor([&] { return NoteSize(HttpGet(log.http_address(), "/checkpoint")) == 1; }));
  // Until the witness's cosignature comes back, /checkpoint is the log's
  // own checkpoint of that size: wait for the witnessed one.
  WaitFor([&] {
    return absl::StrContains(HttpGet(log.http_address(), "/checkpoint"),
                             "\n\u2014 w.test/witness ");
  });
  EXPECT_THAT(HttpGet(log.http_address(), "/checkpoint"), HasSubstr("\n\u2014 w.test/witness "));
}

}  // namespace
}  // namespace vitrine::tests
