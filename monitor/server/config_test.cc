#include "monitor/server/config.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::monitor {
namespace {

using ::vitrine::testing::StatusIs;

// A log's verifier key (C2SP vkey, type 0x01).
std::string LogKey() {
  static const std::string* vkey = [] {
    absl::StatusOr<note::GeneratedKey> key =
        note::GenerateKey("example.com/log", note::SignatureType::kEd25519);
    return new std::string(key.ok() ? key->verifier_key : "");
  }();
  return *vkey;
}

TEST(MonitorConfigTest, DefaultsAndPaths) {
  ASSERT_OK_AND_ASSIGN(MonitorCommand command, ParseMonitorCommand({}));
  EXPECT_EQ(command.subcommand, "serve");
  EXPECT_EQ(command.config.grpc_listen, "127.0.0.1:7500");
  EXPECT_EQ(command.config.http_listen, "127.0.0.1:7580");
  EXPECT_EQ(command.config.KeyPath(), "data/monitor/witness.key");
  EXPECT_EQ(command.config.EvidenceDir(), "data/monitor/evidence");
  EXPECT_EQ(command.config.WatchPath(), "data/monitor/vendor-watch.jsonl");
  EXPECT_EQ(command.config.RebuildersPath(), "data/monitor/rebuilders");
  EXPECT_EQ(command.config.LogStorePath("example.com/log").size(),
            std::string("data/monitor/logs/").size() + 64);
}

TEST(MonitorConfigTest, ServeWithLogsPeersAndVendors) {
  ASSERT_OK_AND_ASSIGN(
      MonitorCommand command,
      ParseMonitorCommand({"serve", "--data=d", "--log=" + LogKey() + "@127.0.0.1:7400",
                           "--peer=127.0.0.1:7501", "--peer", "127.0.0.1:7502",
                           "--watch_vendor=example.com/acme", "--check_vendor_signatures=false",
                           "--rebuilders_file=/etc/vitrine/rebuilders"}));
  EXPECT_EQ(command.config.RebuildersPath(), "/etc/vitrine/rebuilders");
  EXPECT_EQ(command.config.peers,
            (std::vector<std::string>{"127.0.0.1:7501", "127.0.0.1:7502"}));
  EXPECT_FALSE(command.config.check_vendor_signatures);
  ASSERT_OK_AND_ASSIGN(std::vector<FollowedLog> logs, ParseFollowedLogs(command.config));
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].origin, "example.com/log");
  EXPECT_EQ(logs[0].vkey, LogKey());
  EXPECT_EQ(logs[0].address, "127.0.0.1:7400");
}

TEST(MonitorConfigTest, BadLogsAreRefusedByName) {
  MonitorConfig config;
  config.logs = {"no-at-sign"};
  EXPECT_THAT(ParseFollowedLogs(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "want <log vkey>@<host:port>"));
  config.logs = {"example.com/log+00000000+AAAA@127.0.0.1:1"};
  EXPECT_THAT(ParseFollowedLogs(config), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  "example.com/log+00000000+AAAA"));
  config.logs = {LogKey() + "@a:1", LogKey() + "@b:2"};
  EXPECT_THAT(ParseFollowedLogs(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "configured twice"));
}

TEST(MonitorConfigTest, CheckEvidenceTakesFilesAndAPinnedKey) {
  ASSERT_OK_AND_ASSIGN(MonitorCommand command,
                       ParseMonitorCommand({"check-evidence", "--log_key", LogKey(),
                                            "a.evidence.json", "b.evidence.json"}));
  EXPECT_EQ(command.subcommand, "check-evidence");
  EXPECT_EQ(command.log_key, LogKey());
  EXPECT_EQ(command.files,
            (std::vector<std::string>{"a.evidence.json", "b.evidence.json"}));
  EXPECT_THAT(ParseMonitorCommand({"check-evidence"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "wants one or more"));
  EXPECT_THAT(ParseMonitorCommand({"serve", "stray"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unexpected argument \"stray\""));
  EXPECT_THAT(ParseMonitorCommand({"audit"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown subcommand \"audit\""));
  EXPECT_THAT(ParseMonitorCommand({"--log_key=x"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--log_key is for check-evidence"));
}

TEST(MonitorConfigTest, UsageListsEveryOption) {
  std::string usage = MonitorUsage();
  for (const char* name : {"--data", "--log", "--peer", "--watch_vendor", "--rebuilders_file",
                           "--grpc_listen",
                           "--gossip_interval_ms", "check-evidence"}) {
    EXPECT_NE(usage.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace vitrine::monitor

namespace vitrine::monitor {
namespace {

TEST(MonitorConfigTest, Pkcs11OptionsNameTheTokenAndNeverTheKeyFileToo) {
  ASSERT_OK_AND_ASSIGN(
      MonitorCommand command,
      ParseMonitorCommand({"init", "--data=/srv/m", "--pkcs11_module=/m.so",
                           "--pkcs11_token=t", "--pkcs11_key_label=witness",
                           "--pkcs11_pin_file=/etc/pin"}));
  EXPECT_EQ(command.config.pkcs11_module, "/m.so");
  EXPECT_EQ(command.config.pkcs11_token, "t");
  EXPECT_EQ(command.config.pkcs11_key_label, "witness");
  EXPECT_EQ(command.config.pkcs11_pin_file, "/etc/pin");
  EXPECT_TRUE(command.config.Pkcs11Given());
  EXPECT_EQ(command.config.Pkcs11RecordPath(), "/srv/m/witness.pkcs11");
  EXPECT_THAT(ParseMonitorCommand({"serve", "--key_file=/k", "--pkcs11_token=t"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "key_file and the pkcs11_* options both name the witness "
                       "key: use one (a key file, or a key in a PKCS#11 token)"));
  EXPECT_THAT(ParseMonitorCommand({"serve", "--pkcs11_pin=1234"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown option \"pkcs11_pin\""));
}

}  // namespace
}  // namespace vitrine::monitor
