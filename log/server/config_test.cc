#include "log/server/config.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::server {
namespace {

using ::vitrine::testing::StatusIs;

TEST(ConfigTest, DefaultsAreLoopbackAndServe) {
  ASSERT_OK_AND_ASSIGN(LogCommand command, ParseLogCommand({}));
  EXPECT_EQ(command.subcommand, "serve");
  EXPECT_EQ(command.config.grpc_listen, "127.0.0.1:7400");
  EXPECT_EQ(command.config.http_listen, "127.0.0.1:7480");
  EXPECT_EQ(command.config.StorePath(), "data/log/store");
  EXPECT_EQ(command.config.KeyPath(), "data/log/log.key");
  EXPECT_EQ(command.config.VendorsPath(), "data/log/vendors");
  EXPECT_FALSE(command.config.init_if_missing);
}

TEST(ConfigTest, FlagsInBothFormsAndBooleans) {
  ASSERT_OK_AND_ASSIGN(
      LogCommand command,
      ParseLogCommand({"serve", "--data=/tmp/x", "--batch_size", "64",
                       "--init_if_missing", "--vendor_rate_per_second=2.5",
                       "--key_file=/k"}));
  EXPECT_EQ(command.config.data, "/tmp/x");
  EXPECT_EQ(command.config.batch_size, 64);
  EXPECT_TRUE(command.config.init_if_missing);
  EXPECT_DOUBLE_EQ(command.config.vendor_rate_per_second, 2.5);
  EXPECT_EQ(command.config.KeyPath(), "/k");
  EXPECT_EQ(command.config.StorePath(), "/tmp/x/store");
}

TEST(ConfigTest, ConfigFileAppliesFirstAndFlagsWin) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/log.conf";
  std::ofstream(path) << "# a comment\n\ndata = /srv/log\nbatch_size = 10\n"
                         "origin = example.com/log\n";
  ASSERT_OK_AND_ASSIGN(LogCommand command,
                       ParseLogCommand({"--batch_size=20", "--config", path}));
  EXPECT_EQ(command.config.data, "/srv/log");
  EXPECT_EQ(command.config.batch_size, 20);
  EXPECT_EQ(command.config.origin, "example.com/log");
}

TEST(ConfigTest, RejectsBadInputWithItsReason) {
  struct Case {
    std::vector<std::string> args;
    absl::StatusCode code;
    std::string message;
  } cases[] = {
      {{"frobnicate"}, absl::StatusCode::kInvalidArgument, "unknown subcommand"},
      {{"--nope=1"}, absl::StatusCode::kInvalidArgument, "unknown option \"nope\""},
      {{"--batch_size=0"}, absl::StatusCode::kInvalidArgument, "batch_size wants a whole number >= 1"},
      {{"--batch_size=ten"}, absl::StatusCode::kInvalidArgument, "got \"ten\""},
      {{"--batch_delay_ms=-1"}, absl::StatusCode::kInvalidArgument, "batch_delay_ms"},
      {{"--min_free_bytes=-2"}, absl::StatusCode::kInvalidArgument,
       "min_free_bytes wants a whole number >= -1"},
      {{"--vendor_rate_per_second=0"}, absl::StatusCode::kInvalidArgument, "> 0"},
      {{"--init_if_missing=maybe"}, absl::StatusCode::kInvalidArgument, "true or false"},
      {{"--data"}, absl::StatusCode::kInvalidArgument, "--data wants a value"},
      {{"serve", "stray"}, absl::StatusCode::kInvalidArgument, "unexpected argument"},
      {{"--config=/nonexistent/vitrine.conf"}, absl::StatusCode::kNotFound,
       "config file /nonexistent/vitrine.conf"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseLogCommand(c.args), StatusIs(c.code, c.message))
        << c.args.front();
  }
}

TEST(ConfigTest, ConfigTextErrorsNameTheLine) {
  LogConfig config;
  EXPECT_THAT(ApplyConfigText("data = /x\nno equals sign\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "config line 2"));
  EXPECT_THAT(ApplyConfigText("\n\nmax_queue = many\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "config line 3: max_queue"));
  EXPECT_THAT(ApplyConfigText("= 4\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "config line 1"));
}

TEST(ConfigTest, HelpListsEveryOptionWithItsDefault) {
  ASSERT_OK_AND_ASSIGN(LogCommand command, ParseLogCommand({"serve", "--help"}));
  EXPECT_EQ(command.subcommand, "help");
  std::string usage = LogUsage();
  EXPECT_NE(usage.find("--grpc_listen  gRPC address host:port (port 0 picks one) [127.0.0.1:7400]"),
            std::string::npos)
      << usage;
  EXPECT_NE(usage.find("--batch_size  most entries per group commit [4096]"),
            std::string::npos);
}

std::string Vkey(absl::string_view name, note::SignatureType type) {
  return note::GenerateKey(name, type).value().verifier_key;
}

TEST(ConfigTest, WitnessesFromTheFileOrReplacedByFlags) {
  const std::string w1 = Vkey("w1.example", note::SignatureType::kCosignatureV1);
  const std::string w2 = Vkey("w2.example", note::SignatureType::kCosignatureV1);
  const std::string w3 = Vkey("w3.example", note::SignatureType::kCosignatureV1);
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/w.conf";
  std::ofstream(path) << "witness = " << w1 << "@w1.example:7600\n"
                      << "witness=" << w2 << "@127.0.0.1:7601\n"
                      << "witness_timeout_ms = 250\n";
  ASSERT_OK_AND_ASSIGN(LogCommand command,
                       ParseLogCommand({"--config", path, "--witness_quorum=1"}));
  ASSERT_EQ(command.config.witnesses.size(), 2u);
  EXPECT_EQ(command.config.witnesses[0], (WitnessAddress{w1, "w1.example:7600"}));
  EXPECT_EQ(command.config.witnesses[1], (WitnessAddress{w2, "127.0.0.1:7601"}));
  EXPECT_EQ(command.config.WitnessQuorum(), 1u);
  EXPECT_EQ(command.config.witness_timeout_ms, 250);

  // Flags win: repeated --witness flags replace the file's list (as a
  // single flag replaces a single value), so a command line says exactly
  // which witnesses a run uses.
  ASSERT_OK_AND_ASSIGN(command,
                       ParseLogCommand({"--config", path, "--witness", w3 + "@[::1]:7602"}));
  ASSERT_EQ(command.config.witnesses.size(), 1u);
  EXPECT_EQ(command.config.witnesses[0], (WitnessAddress{w3, "[::1]:7602"}));
  EXPECT_EQ(command.config.witness_timeout_ms, 250);

  // Unset, the quorum is every witness; by default there are none.
  ASSERT_OK_AND_ASSIGN(command, ParseLogCommand({"--witness=" + w1 + "@h:1",
                                                 "--witness=" + w2 + "@h:2"}));
  EXPECT_EQ(command.config.WitnessQuorum(), 2u);
  ASSERT_OK_AND_ASSIGN(command, ParseLogCommand({}));
  EXPECT_TRUE(command.config.witnesses.empty());
  EXPECT_EQ(command.config.WitnessQuorum(), 0u);
  EXPECT_EQ(command.config.witness_timeout_ms, 5000);
}

TEST(ConfigTest, RejectsBadWitnessesWithTheirReason) {
  const std::string w1 = Vkey("w1.example", note::SignatureType::kCosignatureV1);
  const std::string w1_again =
      Vkey("w1.example", note::SignatureType::kCosignatureV1);
  const std::string log = Vkey("log.example", note::SignatureType::kEd25519);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"--witness=" + w1}, "witness wants <vkey>@<host:port>"},
      {{"--witness=" + log + "@h:1"}, "is not a cosignature/v1 (type 0x04) key"},
      {{"--witness=notakey@h:1"}, "witness key: "},
      {{"--witness=" + w1 + "@h"}, "address wants host:port, got \"h\""},
      {{"--witness=" + w1 + "@h:0"}, "address wants host:port"},
      {{"--witness=" + w1 + "@:7"}, "address wants host:port"},
      {{"--witness=" + w1 + "@h:1", "--witness_quorum=2"},
       "witness_quorum 2 is outside 1..1"},
      {{"--witness=" + w1 + "@h:1", "--witness_quorum=0"},
       "witness_quorum wants a whole number >= 1"},
      {{"--witness_quorum=1"}, "witness_quorum 1 but no witness is configured"},
      {{"--witness=" + w1 + "@h:1", "--witness=" + w1_again + "@h:2"},
       "witness w1.example is configured twice"},
      {{"--witness_timeout_ms=0"}, "witness_timeout_ms wants a whole number >= 1"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseLogCommand(c.args),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.args.front();
  }
  // A config line names its line.
  LogConfig config;
  EXPECT_THAT(ApplyConfigText("data = /x\nwitness = " + log + "@h:1\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "config line 2: witness key log.example"));
  // A config built in code is checked the same way (LogServer::Start does).
  config = LogConfig();
  config.witnesses.push_back({w1, "h:1"});
  config.witness_quorum = 3;
  EXPECT_THAT(ValidateLogConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument, "outside 1..1"));
  config.witness_quorum = 1;
  EXPECT_OK(ValidateLogConfig(config));
}

TEST(ConfigTest, HelpShowsTheWitnessOptions) {
  std::string usage = LogUsage();
  EXPECT_NE(usage.find("--witness  a witness, <type 0x04 vkey>@<host:port>; repeat for each [none]"),
            std::string::npos)
      << usage;
  EXPECT_NE(usage.find("--witness_quorum  witnesses that must cosign a witnessed checkpoint [all]"),
            std::string::npos);
  EXPECT_NE(usage.find("--witness_timeout_ms  deadline of one push to one witness, ms [5000]"),
            std::string::npos);
}

TEST(ConfigTest, WatchStreamCaps) {
  EXPECT_EQ(LogConfig().max_watch_streams, 4096);
  EXPECT_EQ(LogConfig().max_watch_streams_per_connection, 16);
  absl::StatusOr<LogCommand> command = ParseLogCommand(
      {"--max_watch_streams=100", "--max_watch_streams_per_connection=2"});
  ASSERT_OK(command);
  EXPECT_EQ(command->config.max_watch_streams, 100);
  EXPECT_EQ(command->config.max_watch_streams_per_connection, 2);
  EXPECT_THAT(ParseLogCommand({"--max_watch_streams_per_connection=0"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "max_watch_streams_per_connection wants a whole number >= 1"));
  const std::string usage = LogUsage();
  EXPECT_NE(usage.find("--max_watch_streams  WatchCheckpoints streams at once, in total [4096]"),
            std::string::npos)
      << usage;
}

TEST(ConfigTest, BackupRestoreAndRecoveryOptions) {
  ASSERT_OK_AND_ASSIGN(
      LogCommand command,
      ParseLogCommand({"restore", "--from=/backups/log", "--data=/srv/log",
                       "--mirror=m1.example:7700", "--mirror=[::1]:7701",
                       "--accept_fork_risk"}));
  EXPECT_EQ(command.subcommand, "restore");
  EXPECT_EQ(command.config.from, "/backups/log");
  EXPECT_EQ(command.config.mirrors,
            (std::vector<std::string>{"m1.example:7700", "[::1]:7701"}));
  EXPECT_TRUE(command.config.accept_fork_risk);
  EXPECT_EQ(command.config.AdminSocketPath(), "/srv/log/admin.sock");

  ASSERT_OK_AND_ASSIGN(command, ParseLogCommand({"backup", "--to=b", "--admin_socket=off",
                                                 "--backup_rate_mib=40"}));
  EXPECT_EQ(command.subcommand, "backup");
  EXPECT_EQ(command.config.backup_rate_mib, 40);
  EXPECT_EQ(command.config.AdminSocketPath(), "");
  ASSERT_OK_AND_ASSIGN(command, ParseLogCommand({"--admin_socket=/run/vitrine/a.sock"}));
  EXPECT_EQ(command.config.AdminSocketPath(), "/run/vitrine/a.sock");
  EXPECT_FALSE(command.config.accept_fork_risk);
  EXPECT_TRUE(command.config.mirrors.empty());

  absl::StatusOr<LogCommand> bad = ParseLogCommand({"--mirror=no-port"});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("mirror: address wants host:port"));
}

}  // namespace
}  // namespace vitrine::server

namespace vitrine::server {
namespace {

TEST(ConfigTest, Pkcs11OptionsNameTheTokenAndNeverTheKeyFileToo) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/hsm.conf";
  std::ofstream(path) << "pkcs11_module = /usr/lib/softhsm/libsofthsm2.so\n"
                         "pkcs11_token = vitrine\npkcs11_key_label = log\n"
                         "pkcs11_pin_env = VITRINE_PIN\n";
  ASSERT_OK_AND_ASSIGN(LogCommand command,
                       ParseLogCommand({"init", "--config", path, "--pkcs11_key_id=0a1b",
                                        "--data=/srv/log"}));
  EXPECT_EQ(command.config.pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(command.config.pkcs11_token, "vitrine");
  EXPECT_EQ(command.config.pkcs11_key_label, "log");
  EXPECT_EQ(command.config.pkcs11_key_id, "0a1b");
  EXPECT_EQ(command.config.pkcs11_pin_env, "VITRINE_PIN");
  EXPECT_TRUE(command.config.pkcs11_pin_file.empty());
  EXPECT_TRUE(command.config.Pkcs11Given());
  EXPECT_EQ(command.config.Pkcs11RecordPath(), "/srv/log/log.pkcs11");
  ASSERT_OK_AND_ASSIGN(LogCommand plain, ParseLogCommand({"serve"}));
  EXPECT_FALSE(plain.config.Pkcs11Given());

  for (const char* flag : {"--pkcs11_module=/m.so", "--pkcs11_pin_file=/pin"}) {
    EXPECT_THAT(
        ParseLogCommand({"serve", "--key_file=/k", flag}),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 "key_file and the pkcs11_* options both name the log key: use "
                 "one (a key file, or a key in a PKCS#11 token)"))
        << flag;
  }
  // There is no option that takes the PIN itself.
  EXPECT_THAT(ParseLogCommand({"serve", "--pkcs11_pin=1234"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown option \"pkcs11_pin\""));
}

}  // namespace
}  // namespace vitrine::server
