#include "common/options.h"

#include <fstream>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

using ::vitrine::testing::StatusIs;

struct TestConfig {
  std::string data = "data";
  int64_t count = 3;
  bool verbose = false;
  std::vector<std::string> peers;
};

const OptionTable<TestConfig>& Table() {
  static const auto* table = new OptionTable<TestConfig>{
      StringOption(&TestConfig::data, "data", "data folder"),
      IntOption(&TestConfig::count, "count", 1, "how many"),
      BoolOption(&TestConfig::verbose, "verbose", "say more"),
      RepeatedOption(&TestConfig::peers, "peer", "peer address"),
  };
  return *table;
}

TEST(OptionsTest, FlagsInEveryForm) {
  TestConfig config;
  ParsedFlags parsed;
  ASSERT_OK(ApplyFlags(Table(),
                       {"--data=d", "--count", "7", "--verbose", "file.json",
                        "--peer=a:1", "--peer", "b:2", "--", "--not-a-flag"},
                       config, parsed));
  EXPECT_EQ(config.data, "d");
  EXPECT_EQ(config.count, 7);
  EXPECT_TRUE(config.verbose);
  EXPECT_EQ(config.peers, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(parsed.positional, (std::vector<std::string>{"file.json", "--not-a-flag"}));
  EXPECT_FALSE(parsed.help);
}

TEST(OptionsTest, ConfigFileFirstThenFlagsWin) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/test.conf";
  std::ofstream(path) << "# comment\n\ndata = from-file\ncount = 9\npeer = f:1\npeer = f:2\n";
  TestConfig config;
  ParsedFlags parsed;
  ASSERT_OK(ApplyFlags(Table(), {"--count=4", "--config", path}, config, parsed));
  EXPECT_EQ(config.data, "from-file");
  EXPECT_EQ(config.count, 4);
  EXPECT_EQ(config.peers, (std::vector<std::string>{"f:1", "f:2"}));

  // Repeated flags replace the file's values instead of adding to them.
  TestConfig replaced;
  ASSERT_OK(ApplyFlags(Table(), {"--config=" + path, "--peer=x:1"}, replaced, parsed));
  EXPECT_EQ(replaced.peers, (std::vector<std::string>{"x:1"}));
}

TEST(OptionsTest, ErrorsNameTheOptionAndLine) {
  TestConfig config;
  EXPECT_THAT(ApplyConfigText(Table(), "data = x\ncount = 0\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config line 2: count wants a whole number >= 1, got \"0\""));
  EXPECT_THAT(ApplyConfigText(Table(), "no equals sign\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "config line 1"));
  EXPECT_THAT(ApplyConfigText(Table(), "colour = red\n", config),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown option \"colour\""));
  ParsedFlags parsed;
  EXPECT_THAT(ApplyFlags(Table(), {"--verbose=maybe"}, config, parsed),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "verbose wants true or false, got \"maybe\""));
  EXPECT_THAT(ApplyFlags(Table(), {"--count"}, config, parsed),
              StatusIs(absl::StatusCode::kInvalidArgument, "--count wants a value"));
  EXPECT_THAT(ApplyFlags(Table(), {"--config=/nonexistent/x.conf"}, config, parsed),
              StatusIs(absl::StatusCode::kNotFound, "/nonexistent/x.conf"));
}

TEST(OptionsTest, HelpStopsParsingAndUsageShowsDefaults) {
  TestConfig config;
  ParsedFlags parsed;
  ASSERT_OK(ApplyFlags(Table(), {"--help", "--colour=red"}, config, parsed));
  EXPECT_TRUE(parsed.help);
  EXPECT_EQ(OptionsUsage(Table()),
            "  --count  how many [3]\n"
            "  --data  data folder [data]\n"
            "  --peer  peer address []\n"
            "  --verbose  say more [false]\n");
}

TEST(OptionsTest, SubcommandFirstOrTheDefault) {
  constexpr absl::string_view kKnown[] = {"serve", "init", "help"};
  ASSERT_OK_AND_ASSIGN(Subcommand init, SplitSubcommand({"init", "--data=d", "x"}, kKnown));
  EXPECT_EQ(init.name, "init");
  EXPECT_EQ(init.args, (std::vector<std::string>{"--data=d", "x"}));
  ASSERT_OK_AND_ASSIGN(Subcommand serve, SplitSubcommand({"--data=d", "init"}, kKnown));
  EXPECT_EQ(serve.name, "serve");
  EXPECT_EQ(serve.args, (std::vector<std::string>{"--data=d", "init"}));
  ASSERT_OK_AND_ASSIGN(Subcommand none, SplitSubcommand({}, kKnown));
  EXPECT_EQ(none.name, "serve");
  EXPECT_TRUE(none.args.empty());
  EXPECT_THAT(SplitSubcommand({"rebuild", "--data=d"}, kKnown),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "unknown subcommand \"rebuild\" (serve, init, help)"));
}

}  // namespace
}  // namespace vitrine
