// Issue 16 with real processes: bundles from the mirrors once the log is
// gone. A vendor's release is logged by a vitrine-log that two
// vitrine-monitors follow; the log is killed; `vitrine bundle --sha256` and
// `vitrine bundle --artifact` (both FindByDigest) given all three endpoints
// get their bundles from the mirrors, and `vitrine verify` accepts them
// against the pinned log key. (A mirror that lies is refused in-process:
// client/log_client_failover_test.)
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kOrigin[] = "bundle.test/log";
constexpr char kVerifiedSize[] = "vitrine_monitor_verified_size{origin=\"bundle.test/log\"}";

// The "sha256 <hex>" line of a release statement file.
std::string StatementDigest(const std::string& statement) {
  for (absl::string_view line : absl::StrSplit(statement, '\n')) {
    if (absl::ConsumePrefix(&line, "sha256 ")) return std::string(line);
  }
  return "";
}

TEST(MirrorBundleTest, BundlesComeFromTheMirrorsAndVerifyWhenTheLogDies) {
  const std::string dir = FreshDir("mirror_bundle");
  Outcome keygen = RunVitrine({"keygen", "--kind=vendor", "--name=example.com/acme",
                               "--out=" + dir + "/acme"});
  ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
  const std::string vendor_vkey = ReadFileOrEmpty(dir + "/acme.vkey");
  const LogAndMonitorData data = MakeLogAndMonitorData("bundle", kOrigin, {vendor_vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  const std::string monitor2_data = data.dir + "/monitor2";
  ASSERT_FALSE(InitMonitor(monitor2_data, "m2.test/witness").empty());
  WriteFileOrDie(monitor2_data + "/vendors", vendor_vkey);
  const std::string log_key_file = data.log_data + "/log.vkey";

  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  const std::vector<std::string> follow = {"--log=" + data.log_vkey + "@" + log.grpc_address(),
                                           "--poll_interval_ms=50"};
  ServerProcess mirror1 = StartMonitor(data.monitor_data, follow);
  ASSERT_TRUE(mirror1.running()) << mirror1.startup_output();
  ServerProcess mirror2 = StartMonitor(monitor2_data, follow);
  ASSERT_TRUE(mirror2.running()) << mirror2.startup_output();

  // Two releases, each statement submitted to the log.
  std::vector<std::string> artifacts;
  for (const std::string version : {"1.0.0", "1.1.0"}) {
    const std::string artifact = absl::StrCat(dir, "/acme-tool-", version, ".tar.gz");
    WriteFileOrDie(artifact, absl::StrCat("the released bytes of ", version, "\n"));
    Outcome statement = RunVitrine({"statement", "--key=" + dir + "/acme.key",
                                    "--artifact=" + artifact, "--version=" + version});
    ASSERT_EQ(statement.exit_code, 0) << statement.err;
    Outcome submit = RunVitrine({"submit", "--log=" + log.grpc_address(),
                                 "--log_key=" + log_key_file, artifact + ".statement"});
    ASSERT_EQ(submit.exit_code, 0) << submit.err;
    artifacts.push_back(artifact);
  }
  ASSERT_TRUE(WaitFor([&] {
    return Metric(mirror1, kVerifiedSize) == 2 && Metric(mirror2, kVerifiedSize) == 2;
  }));
  const std::string policy = dir + "/policy";
  WriteFileOrDie(policy, absl::StrCat("log ", data.log_vkey, "\nvendor ", vendor_vkey));

  log.Kill();
  const std::vector<std::string> connect = {
      "--log=" + absl::StrJoin({log.grpc_address(), mirror1.grpc_address(),
                                mirror2.grpc_address()}, ","),
      "--log_key=" + log_key_file, "--timeout_seconds=5"};
  auto vitrine = [&](std::vector<std::string> args) {
    args.insert(args.end(), connect.begin(), connect.end());
    return RunVitrine(args);
  };

  // By digest (FindByDigest), written to a file of our choosing.
  const std::string digest = StatementDigest(ReadFileOrEmpty(artifacts[1] + ".statement"));
  ASSERT_EQ(digest.size(), 64u);
  const std::string by_digest = dir + "/by-digest.vitrine.json";
  Outcome bundle = vitrine({"bundle", "--sha256=" + digest, "--out=" + by_digest});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  EXPECT_EQ(bundle.out, by_digest + ": index 1\n");
  Outcome verify = RunVitrine({"verify", "--policy=" + policy, "--bundle=" + by_digest,
                               artifacts[1]});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out, "OK: acme-tool-1.1.0.tar.gz 1.1.0 by example.com/acme is logged at "
                        "index 1 of bundle.test/log (size 2)\n");

  // By artifact, replacing the bundle `submit` wrote while the log lived;
  // with the first mirror gone too, from the second.
  ASSERT_EQ(unlink((artifacts[0] + ".vitrine.json").c_str()), 0);
  mirror1.Kill();
  Outcome by_artifact = vitrine({"bundle", "--artifact=" + artifacts[0]});
  ASSERT_EQ(by_artifact.exit_code, 0) << by_artifact.err;
  EXPECT_EQ(by_artifact.out, artifacts[0] + ".vitrine.json: index 0\n");
  verify = RunVitrine({"verify", "--policy=" + policy, artifacts[0]});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out, "OK: acme-tool-1.0.0.tar.gz 1.0.0 by example.com/acme is logged at "
                        "index 0 of bundle.test/log (size 2)\n");

  // A bundle of another artifact's digest is refused by verify.
  Outcome wrong = RunVitrine({"verify", "--policy=" + policy, "--bundle=" + by_digest,
                              artifacts[0]});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;

  // A digest no statement names: NOT_FOUND from the mirror is final (a
  // mirror cannot prove absence, nor can the log), not an accepted bundle.
  Outcome unknown = vitrine({"bundle", "--sha256=" + std::string(64, '0')});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
}

}  // namespace
}  // namespace vitrine::tests
