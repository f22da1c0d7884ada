#include "log/server/config.h"

#include <fstream>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

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
      {{"--vendor_rate_per_second=0"}, absl::StatusCode::kInvalidArgument, "> 0"},
      {{"--init_if_missing=maybe"}, absl::StatusCode::kInvalidArgument, "true or false"},
      {{"--data"}, absl::StatusCode::kInvalidArgument, "--data wants a value"},
      {{"serve", "stray"}, absl::StatusCode::kInvalidArgument, "unexpected argument"},
      {{"--config=/nonexistent/vitrine.conf"}, absl::StatusCode::kNotFound, "cannot read"},
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

}  // namespace
}  // namespace vitrine::server
