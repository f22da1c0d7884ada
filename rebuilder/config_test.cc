#include "rebuilder/config.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"

namespace vitrine::rebuilder {
namespace {

using ::vitrine::testing::StatusIs;

std::string LogKey() {
  static const std::string* vkey = [] {
    absl::StatusOr<note::GeneratedKey> key =
        note::GenerateKey("example.com/log", note::SignatureType::kEd25519);
    return new std::string(key.ok() ? key->verifier_key : "");
  }();
  return *vkey;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir == nullptr ? "/tmp" : dir) + "/" + name;
}

TEST(RebuilderConfigTest, DefaultsAndPaths) {
  ASSERT_OK_AND_ASSIGN(RebuilderCommand command, ParseRebuilderCommand({}));
  EXPECT_EQ(command.subcommand, "serve");
  const RebuilderConfig& c = command.config;
  EXPECT_EQ(c.http_listen, "127.0.0.1:7680");
  EXPECT_EQ(c.sandbox, SandboxMode::kAuto);
  EXPECT_TRUE(c.sandbox_network);
  EXPECT_EQ(c.KeyPath(), "data/rebuilder/rebuilder.key");
  EXPECT_EQ(c.VerifierKeyPath(), "data/rebuilder/rebuilder.vkey");
  EXPECT_EQ(c.VendorsPath(), "data/rebuilder/vendors");
  EXPECT_EQ(c.RebuildersPath(), "data/rebuilder/rebuilders");
  EXPECT_EQ(c.CopyPath(), "data/rebuilder/copy");
  EXPECT_EQ(c.StatePath(), "data/rebuilder/state");
  EXPECT_EQ(c.WorkDir(), "data/rebuilder/work");
  EXPECT_EQ(c.BuildLogDir(), "data/rebuilder/logs");
  EXPECT_EQ(c.MismatchPath(), "data/rebuilder/mismatches.jsonl");
  EXPECT_EQ(c.FailuresPath(), "data/rebuilder/failures.jsonl");
}

TEST(RebuilderConfigTest, FlagsOverTheConfigFile) {
  const std::string path = TempPath("rebuilder.conf");
  {
    std::ofstream out(path);
    out << "# a rebuilder\n"
        << "data = /var/lib/r\n"
        << "log = log.example.com:7400\n"
        << "log_key = " << LogKey() << "\n"
        << "vendor = example.com/acme\n"
        << "vendor = example.org/tools\n"
        << "recipe = make dist OUT=\"$VITRINE_OUTPUT\"\n"
        << "sandbox = off\n"
        << "batch_size = 10\n";
  }
  ASSERT_OK_AND_ASSIGN(
      RebuilderCommand command,
      ParseRebuilderCommand({"serve", "--config=" + path, "--vendor=example.net/os",
                             "--recipe_timeout_seconds", "60", "--sandbox_network=false",
                             "--sandbox_read_only=/srv/git", "--rebuild_from=1200",
                             "--keep_work"}));
  const RebuilderConfig& c = command.config;
  EXPECT_EQ(c.data, "/var/lib/r");
  EXPECT_EQ(c.log, "log.example.com:7400");
  EXPECT_EQ(c.recipe, "make dist OUT=\"$VITRINE_OUTPUT\"");
  // A repeated option given as a flag replaces the file's values.
  EXPECT_EQ(c.vendors, std::vector<std::string>{"example.net/os"});
  EXPECT_EQ(c.recipe_timeout_seconds, 60);
  EXPECT_EQ(c.sandbox, SandboxMode::kOff);
  EXPECT_FALSE(c.sandbox_network);
  EXPECT_EQ(c.sandbox_read_only, std::vector<std::string>{"/srv/git"});
  EXPECT_TRUE(c.keep_work);
  EXPECT_EQ(c.batch_size, 10);
  EXPECT_EQ(c.rebuild_from, 1200);
  EXPECT_OK(ValidateForServe(c));
  ASSERT_OK_AND_ASSIGN(std::string vkey, ResolveLogKey(c));
  EXPECT_EQ(vkey, LogKey());
}

TEST(RebuilderConfigTest, BadValuesAreRefusedByName) {
  EXPECT_THAT(ParseRebuilderCommand({"--sandbox=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "sandbox wants auto, on or off"));
  EXPECT_THAT(ParseRebuilderCommand({"--batch_size=0"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "batch_size"));
  EXPECT_THAT(ParseRebuilderCommand({"--nope=1"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown option \"nope\""));
  EXPECT_THAT(ParseRebuilderCommand({"rebuild"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unknown subcommand \"rebuild\""));
  EXPECT_THAT(ParseRebuilderCommand({"serve", "stray"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "unexpected argument \"stray\""));
  ASSERT_OK_AND_ASSIGN(RebuilderCommand help, ParseRebuilderCommand({"init", "--help"}));
  EXPECT_EQ(help.subcommand, "help");
}

TEST(RebuilderConfigTest, ServeNeedsLogVendorRecipeAndABatchTheLogTakes) {
  RebuilderConfig c;
  EXPECT_THAT(ValidateForServe(c), StatusIs(absl::StatusCode::kInvalidArgument, "log"));
  c.log = "127.0.0.1:7400";
  EXPECT_THAT(ValidateForServe(c), StatusIs(absl::StatusCode::kInvalidArgument, "vendor"));
  c.vendors = {"example.com/acme"};
  EXPECT_THAT(ValidateForServe(c), StatusIs(absl::StatusCode::kInvalidArgument, "recipe"));
  c.recipe = "true";
  EXPECT_OK(ValidateForServe(c));
  c.batch_size = 1001;
  EXPECT_THAT(ValidateForServe(c), StatusIs(absl::StatusCode::kInvalidArgument, "at most 1000"));
}

TEST(RebuilderConfigTest, LogKeyInlineOrFromAFileButNotBoth) {
  RebuilderConfig c;
  EXPECT_THAT(ResolveLogKey(c), StatusIs(absl::StatusCode::kInvalidArgument, "log_key"));
  const std::string path = TempPath("log.vkey");
  std::remove(path.c_str());
  ASSERT_OK(note::WriteVerifierKeyFile(path, LogKey()));
  c.log_key_file = path;
  ASSERT_OK_AND_ASSIGN(std::string vkey, ResolveLogKey(c));
  EXPECT_EQ(vkey, LogKey());
  c.log_key = LogKey();
  EXPECT_THAT(ResolveLogKey(c), StatusIs(absl::StatusCode::kInvalidArgument));
  c.log_key_file.clear();
  c.log_key = "example.com/log+00000000+AAAA";
  EXPECT_THAT(ResolveLogKey(c), StatusIs(absl::StatusCode::kInvalidArgument, "log key"));
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey witness,
                       note::GenerateKey("w.example", note::SignatureType::kCosignatureV1));
  c.log_key = witness.verifier_key;
  EXPECT_THAT(ResolveLogKey(c), StatusIs(absl::StatusCode::kInvalidArgument, "type 0x01"));
}

TEST(RebuilderConfigTest, UsageListsEveryOption) {
  const std::string usage = RebuilderUsage();
  for (const char* name :
       {"--data", "--log", "--log_key", "--log_key_file", "--vendor", "--recipe",
        "--recipe_timeout_seconds", "--sandbox", "--sandbox_network", "--batch_size",
        "--batch_delay_ms", "--mismatch_file", "--http_listen", "init"}) {
    EXPECT_NE(usage.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace vitrine::rebuilder
