// End to end (issue 6): the real vitrine-log on loopback and the real
// `vitrine` binary, as a vendor and an endpoint would run them: keygen,
// register the vendor, statement, submit, verify OK; then, with the log
// stopped, verify still OK offline.
#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

TEST(ReleaseFlowTest, KeygenRegisterStatementSubmitVerifyThenOffline) {
  const std::string dir = FreshDir("flow");
  const std::string data = dir + "/log";
  const std::string log_vkey = InitLog(data, "flow.test/log");
  ASSERT_FALSE(log_vkey.empty());

  // The vendor's key pair; the secret half is private to its owner.
  Outcome keygen = RunVitrine({"keygen", "--kind=vendor", "--name=example.com/acme",
                               "--out=" + dir + "/acme"});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
  const std::string vendor_vkey = ReadFileOrEmpty(dir + "/acme.vkey");
  EXPECT_THAT(vendor_vkey, HasSubstr("example.com/acme+"));
  EXPECT_EQ(keygen.out, vendor_vkey);
  struct stat key_stat;
  ASSERT_EQ(stat((dir + "/acme.key").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  // A second keygen never overwrites a key.
  EXPECT_EQ(RunVitrine({"keygen", "--kind=vendor", "--name=example.com/acme",
                        "--out=" + dir + "/acme"})
                .exit_code,
            2);

  // Register the vendor while the log runs: append, SIGHUP.
  LogProcess log = StartLog(data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  WriteFileOrDie(data + "/vendors", vendor_vkey);
  log.Reload();

  const std::string artifact = dir + "/acme-tool_linux_amd64.tar.gz";
  WriteFileOrDie(artifact, "the released bytes\n");
  Outcome statement = RunVitrine({"statement", "--key=" + dir + "/acme.key",
                                  "--artifact=" + artifact, "--version=1.4.2",
                                  "--source=https://git.example.com/acme/tool@v1.4.2"});
  ASSERT_EQ(statement.exit_code, 0) << statement.err;
  EXPECT_EQ(statement.out, artifact + ".statement\n");
  EXPECT_THAT(ReadFileOrEmpty(artifact + ".statement"),
              HasSubstr("vitrine/release/v1\nvendor example.com/acme\n"
                        "artifact acme-tool_linux_amd64.tar.gz\nversion 1.4.2\n"));

  // SIGHUP is asynchronous: retry the first submit briefly until the
  // registry has been reloaded.
  Outcome submit;
  for (int attempt = 0; attempt < 50; ++attempt) {
    submit = RunVitrine({"submit", "--log=" + log.grpc_address(),
                         "--log_key=" + data + "/log.vkey", artifact + ".statement"});
    if (submit.exit_code == 0) break;
    usleep(100 * 1000);
  }
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  EXPECT_EQ(submit.out, artifact + ".vitrine.json: logged at index 0\n");

  const std::string policy = dir + "/policy";
  WriteFileOrDie(policy, absl::StrCat("# trust the flow log and acme\nlog ", log_vkey,
                                      "\nvendor ", vendor_vkey));
  const std::string ok =
      "OK: acme-tool_linux_amd64.tar.gz 1.4.2 by example.com/acme is logged at "
      "index 0 of flow.test/log (size 1)\n";
  Outcome verify = RunVitrine({"verify", "--policy=" + policy, artifact});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out, ok);

  EXPECT_EQ(log.Stop(), 0);
  Outcome offline = RunVitrine({"verify", "--policy=" + policy, artifact});
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(offline.out, ok);

  // With the log gone, online commands fail as errors (2), not refusals.
  Outcome down = RunVitrine({"checkpoint", "--log=" + log.grpc_address(),
                             "--log_key=" + data + "/log.vkey", "--timeout_seconds=2"});
  EXPECT_EQ(down.exit_code, 2) << down.err;
}

TEST(ReleaseFlowTest, HelpAndUsage) {
  Outcome help = RunVitrine({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* command : {"keygen", "statement", "submit", "bundle", "verify",
                              "checkpoint", "proof", "entries", "apt-hook",
                              "apt-install-hook"}) {
    EXPECT_THAT(help.out, HasSubstr(command));
    Outcome one = RunVitrine({command, "--help"});
    EXPECT_EQ(one.exit_code, 0) << command;
    EXPECT_THAT(one.out, HasSubstr(absl::StrCat("usage: vitrine ", command)));
  }
  EXPECT_EQ(RunVitrine({}).exit_code, 2);
  EXPECT_EQ(RunVitrine({"frobnicate"}).exit_code, 2);
  Outcome typo = RunVitrine({"verify", "--polcy=x", "a"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("unknown flag --polcy"));
  Outcome missing = RunVitrine({"verify", "--policy=/nonexistent/policy", "a"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/policy"));
}

}  // namespace
}  // namespace vitrine::tests
