// vitrine verify --online and --json (issue 17), with the real binaries: a
// real vitrine-log holding two releases by acme (a1, then a1 again as
// version 2.0.0 under another name: the same digest, so the log holds two
// release statements for it) and one by another vendor (a3); a file the
// log never saw (unlogged). Each artifact is copied into a folder with no
// bundle beside it, so only the log can vouch for it.
#include <string>

#include "absl/strings/str_cat.h"
#include "client/file_digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

class OnlineVerifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(FreshDir("online"));
    data_ = new std::string(*dir_ + "/log");
    log_vkey_ = new std::string(InitLog(*data_, "online.test/log"));
    for (const char* vendor : {"acme", "other"}) {
      Outcome keygen = RunVitrine({"keygen", "--kind=vendor",
                                   absl::StrCat("--name=example.com/", vendor),
                                   "--out=" + Path(vendor)});
      EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
    }
    WriteFileOrDie(*data_ + "/vendors", ReadFileOrEmpty(Path("acme.vkey")) +
                                            ReadFileOrEmpty(Path("other.vkey")));
    log_ = new LogProcess(StartLog(*data_));
    if (!log_->running()) return;
    mkdir((*dir_ + "/shipped").c_str(), 0755);
    mkdir((*dir_ + "/bare").c_str(), 0755);
    // a1 is shipped twice, the second time renamed: two release statements
    // name its digest.
    WriteFileOrDie(Shipped("a1"), "artifact a1\n");
    WriteFileOrDie(Shipped("a1-renamed"), "artifact a1\n");
    WriteFileOrDie(Shipped("a3"), "artifact a3\n");
    Release("acme", "a1", "1.0.0");
    Release("acme", "a1-renamed", "2.0.0");
    Release("other", "a3", "1.0.0");
    WriteFileOrDie(Bare("a1"), "artifact a1\n");
    WriteFileOrDie(Bare("a3"), "artifact a3\n");
    WriteFileOrDie(Bare("unlogged"), "never logged\n");
    WriteFileOrDie(Path("policy"), absl::StrCat("log ", *log_vkey_, "\nvendor ",
                                                ReadFileOrEmpty(Path("acme.vkey"))));
  }

  static void TearDownTestSuite() {
    delete log_;  // SIGTERM and wait.
    log_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(log_->running()) << log_->startup_output(); }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }
  static std::string Shipped(const std::string& name) { return Path("shipped/" + name); }
  static std::string Bare(const std::string& name) { return Path("bare/" + name); }

  static void Release(const std::string& key, const std::string& artifact,
                      const std::string& version) {
    Outcome statement = RunVitrine({"statement", "--key=" + Path(key + ".key"),
                                    "--artifact=" + Shipped(artifact),
                                    "--version=" + version});
    EXPECT_EQ(statement.exit_code, 0) << statement.err;
    Outcome submit = RunVitrine({"submit", "--log=" + log_->grpc_address(),
                                 "--log_key=" + *data_ + "/log.vkey",
                                 Shipped(artifact) + ".statement"});
    EXPECT_EQ(submit.exit_code, 0) << submit.err;
  }

  static std::string Sha256Hex(const std::string& file) {
    absl::StatusOr<merkle::Hash> digest = client::HashFile(file);
    EXPECT_TRUE(digest.ok()) << digest.status();
    return digest.ok() ? digest->ToHex() : "";
  }

  // `vitrine verify --online` against the log, with `args` before the file.
  static Outcome VerifyOnline(std::vector<std::string> args, const std::string& file) {
    std::vector<std::string> all = {"verify", "--online", "--log=" + log_->grpc_address(),
                                    "--policy=" + Path("policy")};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back(file);
    return RunVitrine(all);
  }

  static std::string* dir_;
  static std::string* data_;
  static std::string* log_vkey_;
  static LogProcess* log_;
};

std::string* OnlineVerifyTest::dir_ = nullptr;
std::string* OnlineVerifyTest::data_ = nullptr;
std::string* OnlineVerifyTest::log_vkey_ = nullptr;
LogProcess* OnlineVerifyTest::log_ = nullptr;

// Both releases of a1's digest verify; the newest (index 1) is the answer.
TEST_F(OnlineVerifyTest, LoggedFileIsAccepted) {
  Outcome verify = VerifyOnline({}, Bare("a1"));
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out,
            "OK: a1-renamed 2.0.0 by example.com/acme is logged at index 1 of "
            "online.test/log (size 3)\n");
  EXPECT_EQ(verify.err, "");
  EXPECT_EQ(ReadFileOrEmpty(Bare("a1") + ".vitrine.json"), "");  // no --save
}

TEST_F(OnlineVerifyTest, UnloggedFileIsRefused) {
  Outcome verify = VerifyOnline({}, Bare("unlogged"));
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_EQ(verify.out, "");
  EXPECT_EQ(verify.err, absl::StrCat("refused: not-logged: online.test/log holds no "
                                     "release statement for sha256 ",
                                     Sha256Hex(Bare("unlogged")), "\n"));
}

// Logged, by a vendor the policy does not accept: the offline reason.
TEST_F(OnlineVerifyTest, VendorOutsideThePolicyIsRefusedAsOffline) {
  Outcome online = VerifyOnline({}, Bare("a3"));
  EXPECT_EQ(online.exit_code, 1);
  EXPECT_THAT(online.err, HasSubstr("refused: vendor-not-accepted: "));
  Outcome offline = RunVitrine({"verify", "--policy=" + Path("policy"), Shipped("a3")});
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_EQ(online.err, offline.err);
}

TEST_F(OnlineVerifyTest, SaveThenVerifyOffline) {
  const std::string file = Path("bare/saved");
  WriteFileOrDie(file, "artifact a1\n");
  Outcome save = VerifyOnline({"--save"}, file);
  EXPECT_EQ(save.exit_code, 0) << save.err;
  const std::string ok =
      "OK: a1-renamed 2.0.0 by example.com/acme is logged at index 1 of "
      "online.test/log (size 3)\n";
  EXPECT_EQ(save.out, absl::StrCat(ok, "saved the bundle to ", file, ".vitrine.json\n"));
  Outcome offline = RunVitrine({"verify", "--policy=" + Path("policy"), file});
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(offline.out, ok);
  // A refused file gets no bundle.
  Outcome refused = VerifyOnline({"--save"}, Bare("unlogged"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(ReadFileOrEmpty(Bare("unlogged") + ".vitrine.json"), "");
}

// A dead endpoint first: the lookup moves on to the log.
TEST_F(OnlineVerifyTest, FailsOverToTheNextEndpoint) {
  Outcome verify = RunVitrine(
      {"verify", "--online", "--log=127.0.0.1:1," + log_->grpc_address(),
       "--policy=" + Path("policy"), "--timeout_seconds=5", Bare("a1")});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("is logged at index 1 of online.test/log"));
}

TEST_F(OnlineVerifyTest, UsageErrors) {
  Outcome save = RunVitrine({"verify", "--save", "--policy=" + Path("policy"), Bare("a1")});
  EXPECT_EQ(save.exit_code, 2);
  EXPECT_EQ(save.err, "vitrine verify: --save needs --online\n");
  Outcome log = RunVitrine({"verify", "--log=127.0.0.1:1", "--policy=" + Path("policy"),
                            Bare("a1")});
  EXPECT_EQ(log.exit_code, 2);
  EXPECT_EQ(log.err, "vitrine verify: --log needs --online\n");
  // Nothing listens: an error, not a refusal.
  Outcome down = RunVitrine({"verify", "--online", "--log=127.0.0.1:1",
                             "--timeout_seconds=2", "--policy=" + Path("policy"),
                             Bare("a1")});
  EXPECT_EQ(down.exit_code, 2) << down.err;
  EXPECT_THAT(down.err, HasSubstr("vitrine verify: "));
}

TEST_F(OnlineVerifyTest, JsonOutput) {
  const std::string a1 = Sha256Hex(Bare("a1"));
  Outcome online = VerifyOnline({"--json"}, Bare("a1"));
  EXPECT_EQ(online.exit_code, 0) << online.err;
  EXPECT_EQ(online.out,
            absl::StrCat("{\"file\":\"", Bare("a1"),
                         "\",\"decision\":\"accepted\",\"exit_code\":0,"
                         "\"bundle\":\"online\",\"sha256\":\"", a1,
                         "\",\"vendor\":\"example.com/acme\",\"artifact\":"
                         "\"a1-renamed\",\"version\":\"2.0.0\",\"index\":1,"
                         "\"log\":\"online.test/log\",\"checkpoint_size\":3,"
                         "\"witnesses\":[],\"supervisors\":[],\"rebuilders\":[],"
                         "\"rebuild_quorum\":0}\n"));

  // Offline, from the bundle submit wrote (at size 1).
  Outcome offline = RunVitrine({"verify", "--json", "--policy=" + Path("policy"),
                                Shipped("a1")});
  EXPECT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(offline.out,
            absl::StrCat("{\"file\":\"", Shipped("a1"),
                         "\",\"decision\":\"accepted\",\"exit_code\":0,"
                         "\"bundle\":\"", Shipped("a1"), ".vitrine.json\","
                         "\"sha256\":\"", a1,
                         "\",\"vendor\":\"example.com/acme\",\"artifact\":\"a1\","
                         "\"version\":\"1.0.0\",\"index\":0,"
                         "\"log\":\"online.test/log\",\"checkpoint_size\":1,"
                         "\"witnesses\":[],\"supervisors\":[],\"rebuilders\":[],"
                         "\"rebuild_quorum\":0}\n"));

  Outcome refused = VerifyOnline({"--json"}, Bare("unlogged"));
  EXPECT_EQ(refused.exit_code, 1);
  const std::string unlogged = Sha256Hex(Bare("unlogged"));
  EXPECT_EQ(refused.out,
            absl::StrCat("{\"file\":\"", Bare("unlogged"),
                         "\",\"decision\":\"refused\",\"exit_code\":1,"
                         "\"bundle\":\"online\",\"sha256\":\"", unlogged,
                         "\",\"reason\":\"not-logged\",\"reason_code\":17,"
                         "\"message\":\"online.test/log holds no release statement "
                         "for sha256 ", unlogged, "\"}\n"));

  // Offline with no bundle beside the file: nothing was decided.
  Outcome error = RunVitrine({"verify", "--json", "--policy=" + Path("policy"),
                              Bare("a3")});
  EXPECT_EQ(error.exit_code, 2);
  EXPECT_THAT(error.out,
              HasSubstr(absl::StrCat("{\"file\":\"", Bare("a3"),
                                     "\",\"decision\":\"error\",\"exit_code\":2,"
                                     "\"bundle\":\"", Bare("a3"),
                                     ".vitrine.json\",\"message\":\"")));
  EXPECT_EQ(error.err, "");  // --json: the object says it all
}

}  // namespace
}  // namespace vitrine::tests
