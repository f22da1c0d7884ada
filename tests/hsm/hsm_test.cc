// Issue 18 end to end: a real vitrine-log whose key lives in a SoftHSM 2
// token and a real vitrine-monitor whose witness key lives there too. The
// walkthrough's steps (init, serve, a signed release through the `vitrine`
// CLI, `vitrine verify`) with checkpoints that verify against log.vkey and
// a cosignature made in the token; each startup error with its message; and
// a token that fails under a running log (its objects deleted by
// re-initialising it): writes stop UNAVAILABLE with the reason, reads go
// on, and writes resume once the token is restored from its backup; the
// same for a witness, whose witnessed checkpoint stalls and catches up.
//
// Each test initialises its own token in a temp folder (SOFTHSM2_CONF).
#include <stdlib.h>

#include <chrono>
#include <filesystem>
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
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/pkcs11/internal/softhsm_token.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "tests/client/cli_harness.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

using ::testing::HasSubstr;

constexpr const char* kModule = note::pkcs11::internal::kSoftHsmModule;
constexpr char kSoftHsmUtil[] = "/usr/bin/softhsm2-util";
constexpr char kPin[] = "1234";

std::string LogBinary() { return BinaryPath("log/server/vitrine-log"); }
std::string MonitorBinary() { return BinaryPath("monitor/server/vitrine-monitor"); }

// The size on line 2 of a checkpoint note, -1 if none.
int64_t NoteSize(const std::string& note) {
  std::vector<std::string> lines = absl::StrSplit(note, '\n');
  int64_t size = -1;
  if (lines.size() < 2 || !absl::SimpleAtoi(lines[1], &size)) return -1;
  return size;
}

// Adds one statement; the per-statement error as a Status.
absl::Status AddOne(const std::string& address, const std::string& statement) {
  auto stub = vitrine::v1::Log::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  vitrine::v1::AddRequest request;
  request.add_statements(statement);
  vitrine::v1::AddResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status status = stub->Add(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  if (response.results_size() != 1) return absl::InternalError("no result");
  if (response.results(0).has_error()) {
    return absl::Status(static_cast<absl::StatusCode>(response.results(0).error().code()),
                        response.results(0).error().message());
  }
  return absl::OkStatus();
}

// `text` without its trailing newline.
std::string Chomp(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// A set of one verifier key.
std::unique_ptr<note::VerifierSet> KeySet(const std::string& vkey) {
  auto set = std::make_unique<note::VerifierSet>();
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(vkey);
  if (verifier.ok()) set->Add(*std::move(verifier)).IgnoreError();
  return set;
}

// hsm.test/log's vkey for the key of the log initialised in `data`, with
// the log name it would have in this test's main log.
std::string TokenVkey(const std::string& data) {
  absl::StatusOr<note::VerifierKey> key =
      note::ParseVerifierKey(Chomp(ReadFileOrEmpty(data + "/log.vkey")));
  if (!key.ok()) return "";
  absl::StatusOr<std::string> vkey =
      note::FormatVerifierKey("hsm.test/log", key->type, key->public_key);
  return vkey.ok() ? *vkey : "";
}

class HsmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshDir("hsm");
    tokens_ = dir_ + "/tokens";  // ConfigureSoftHsm's token folder
    ASSERT_TRUE(note::pkcs11::internal::ConfigureSoftHsm(dir_).ok());
    setenv("VITRINE_PIN", kPin, 1);
    const absl::Status init = note::pkcs11::internal::InitToken("vitrine", kPin, "5678");
    ASSERT_TRUE(init.ok()) << init;
    log_data_ = dir_ + "/log";
  }

  // The token options of key `label`, PIN from $VITRINE_PIN.
  std::vector<std::string> Token(const std::string& label) {
    return {absl::StrCat("--pkcs11_module=", kModule), "--pkcs11_token=vitrine",
            "--pkcs11_key_label=" + label, "--pkcs11_pin_env=VITRINE_PIN"};
  }

  Outcome InitTokenLog(const std::string& data, const std::string& label) {
    std::vector<std::string> args = {"init", "--data=" + data, "--origin=hsm.test/log"};
    for (const std::string& a : Token(label)) args.push_back(a);
    return tests::Run(LogBinary(), args);
  }

  // Writes, signs and submits one release with the CLI; its path.
  std::string Release(const ServerProcess& log, int n) {
    absl::StatusOr<std::string> artifact =
        SubmitRelease(dir_, log.grpc_address(), log_data_ + "/log.vkey", n);
    EXPECT_TRUE(artifact.ok()) << artifact.status();
    return artifact.value_or("");
  }

  void MakeVendor() {
    Outcome keygen = RunVitrine(
        {"keygen", "--kind=vendor", "--name=example.com/acme", "--out=" + dir_ + "/acme"});
    ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
    vendor_vkey_ = Chomp(ReadFileOrEmpty(dir_ + "/acme.vkey"));
  }

  std::string dir_, tokens_, log_data_, vendor_vkey_;
};

TEST_F(HsmTest, ALogAndAWitnessSignInTheToken) {
  // init: the key pair is made in the token; only its vkey is written.
  Outcome init = InitTokenLog(log_data_, "log");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  const std::string log_vkey = Chomp(ReadFileOrEmpty(log_data_ + "/log.vkey"));
  EXPECT_EQ(init.out, absl::StrCat("created log hsm.test/log in ", log_data_,
                                   "\nverifier key: ", log_vkey, "\nvendor registry: ",
                                   log_data_, "/vendors\n"));
  EXPECT_FALSE(std::filesystem::exists(log_data_ + "/log.key"));
  EXPECT_EQ(ReadFileOrEmpty(log_data_ + "/log.pkcs11"),
            absl::StrCat("# The key is in a PKCS#11 token (vitrine init): serve opens it with\n"
                         "# these settings. The PIN is never written here.\n"
                         "pkcs11_key_label = log\npkcs11_module = ",
                         kModule, "\npkcs11_pin_env = VITRINE_PIN\npkcs11_token = vitrine\n"));
  // A second init finds the same key in the token.
  Outcome again = InitTokenLog(log_data_, "log");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("found existing log hsm.test/log"));
  EXPECT_EQ(ReadFileOrEmpty(log_data_ + "/log.vkey"), log_vkey + "\n");
  // So does init of a new data folder (a key made at a key ceremony, a
  // restored backup): the token's key, not a new one.
  Outcome elsewhere = InitTokenLog(dir_ + "/log-again", "log");
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  EXPECT_THAT(elsewhere.out, HasSubstr("found existing log hsm.test/log in " + dir_ +
                                       "/log-again\nverifier key: " + log_vkey + "\n"));

  // The witness key in the same token under its own label.
  const std::string monitor_data = dir_ + "/monitor";
  std::vector<std::string> monitor_init = {"init", "--data=" + monitor_data,
                                           "--name=w.test/witness"};
  for (const std::string& a : Token("witness")) monitor_init.push_back(a);
  Outcome witness_init = tests::Run(MonitorBinary(), monitor_init);
  ASSERT_EQ(witness_init.exit_code, 0) << witness_init.err;
  const std::string witness_vkey = Chomp(ReadFileOrEmpty(monitor_data + "/witness.vkey"));
  EXPECT_THAT(witness_init.out, HasSubstr("verifier key: " + witness_vkey));
  EXPECT_FALSE(std::filesystem::exists(monitor_data + "/witness.key"));
  EXPECT_TRUE(std::filesystem::exists(monitor_data + "/witness.pkcs11"));

  MakeVendor();
  WriteFileOrDie(log_data_ + "/vendors", vendor_vkey_);
  WriteFileOrDie(monitor_data + "/vendors", vendor_vkey_);
  const int log_port = ReservePort(), witness_port = ReservePort();
  ServerProcess monitor = StartMonitor(
      monitor_data, {absl::StrCat("--log=", log_vkey, "@127.0.0.1:", log_port),
                     absl::StrCat("--grpc_listen=127.0.0.1:", witness_port),
                     "--poll_interval_ms=100"});
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  EXPECT_THAT(monitor.startup_output(), HasSubstr("witness key:  " + witness_vkey));
  // serve finds the token through <data>/log.pkcs11: no pkcs11 flag here.
  ServerProcess log = StartLog(
      log_data_, {absl::StrCat("--grpc_listen=127.0.0.1:", log_port),
                  absl::StrCat("--witness=", witness_vkey, "@127.0.0.1:", witness_port),
                  "--witness_timeout_ms=1000"});
  ASSERT_TRUE(log.running()) << log.startup_output();
  EXPECT_THAT(log.startup_output(), HasSubstr("verifier key: " + log_vkey));

  // The walkthrough: a release logged, its bundle verified offline.
  const std::string artifact = Release(log, 0);
  const std::string policy = dir_ + "/policy";
  WriteFileOrDie(policy, absl::StrCat("log ", log_vkey, "\nvendor ", vendor_vkey_, "\n"));
  Outcome verify = RunVitrine({"verify", "--policy=" + policy, artifact});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out, "OK: tool-0.tar.gz 1.0.0 by example.com/acme is logged at index 0 "
                        "of hsm.test/log (size 1)\n");
  Release(log, 1);

  // The checkpoints verify against log.vkey; the witnessed one carries the
  // witness's cosignature, made in the token, and verifies under a policy
  // that demands it.
  ASSERT_TRUE(WaitFor([&] {
    return NoteSize(HttpGet(log.http_address(), "/checkpoint")) == 2;
  })) << HttpGet(log.http_address(), "/checkpoint");
  const std::string witnessed = HttpGet(log.http_address(), "/checkpoint");
  EXPECT_THAT(witnessed, HasSubstr("\n\u2014 w.test/witness "));
  EXPECT_TRUE(note::OpenCheckpoint(witnessed, "hsm.test/log", *KeySet(log_vkey)).ok());
  EXPECT_TRUE(note::OpenNote(witnessed, *KeySet(witness_vkey)).ok()) << witnessed;
  Outcome checkpoint =
      RunVitrine({"checkpoint", "--log=" + log.grpc_address(),
                  "--log_key=" + log_data_ + "/log.vkey", "--json"});
  EXPECT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  EXPECT_THAT(checkpoint.out, HasSubstr("\"origin\":\"hsm.test/log\",\"size\":2"));
  WriteFileOrDie(policy, absl::StrCat("log ", log_vkey, "\nwitness ", witness_vkey,
                                      "\nwitness-quorum 1\nvendor ", vendor_vkey_, "\n"));
  Outcome bundle = RunVitrine({"bundle", "--log=" + log.grpc_address(),
                               "--log_key=" + log_data_ + "/log.vkey", "--witnessed",
                               "--policy=" + policy, "--artifact=" + artifact});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.err;
  verify = RunVitrine({"verify", "--policy=" + policy, artifact});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("OK: tool-0.tar.gz 1.0.0 by example.com/acme"));

  // A restart opens the token again and goes on with the same key.
  EXPECT_EQ(log.Stop(), 0);
  log = StartLog(log_data_, {absl::StrCat("--grpc_listen=127.0.0.1:", log_port),
                             absl::StrCat("--witness=", witness_vkey, "@127.0.0.1:",
                                          witness_port)});
  ASSERT_TRUE(log.running()) << log.startup_output();
  Release(log, 2);
  EXPECT_EQ(log.Stop(), 0);
  EXPECT_EQ(monitor.Stop(), 0);
}

// Every startup error: a clear line on stderr and exit 1 (2 for usage), no
// crash, nothing served.
TEST_F(HsmTest, StartupErrorsAreClear) {
  ASSERT_EQ(InitTokenLog(log_data_, "log").exit_code, 0);
  ASSERT_EQ(InitTokenLog(dir_ + "/other", "other").exit_code, 0);
  // A P-256 key in the token under label "p256": not an Ed25519 key.
  Outcome genkey = tests::Run("/usr/bin/openssl", {"genpkey", "-algorithm", "EC", "-pkeyopt",
                                            "ec_paramgen_curve:P-256", "-out",
                                            dir_ + "/p256.pem"});
  ASSERT_EQ(genkey.exit_code, 0) << genkey.err;
  Outcome import = tests::Run(kSoftHsmUtil, {"--import", dir_ + "/p256.pem", "--token", "vitrine",
                                      "--label", "p256", "--id", "99", "--pin", kPin});
  ASSERT_EQ(import.exit_code, 0) << import.out << import.err;
  const std::string serve_data = "--data=" + log_data_;
  const std::string token_desc =
      absl::StrCat("PKCS#11 token \"vitrine\" (", kModule, "), key ");
  struct Case {
    std::string what;
    std::vector<std::string> args;
    std::string pin;  // $VITRINE_PIN; "-" unset
    int exit_code;
    std::string err;
  } cases[] = {
      {"wrong PIN", {serve_data}, "4321", 1, "vitrine-log: UNAUTHENTICATED: wrong PIN for token 'vitrine' (C_Login: "
       "CKR_PIN_INCORRECT (0xa0))\n"},
      {"no PIN", {serve_data}, "-", 1, "vitrine-log: NOT_FOUND: environment variable VITRINE_PIN (the token's PIN) is "
       "not set\n"},
      {"missing token", {serve_data, "--pkcs11_token=nosuch"}, kPin, 1, absl::StrCat("vitrine-log: NOT_FOUND: no token labelled 'nosuch' in PKCS#11 "
                    "module ", kModule, " (tokens present: 'vitrine', '')\n")},
      {"missing key", {serve_data, "--pkcs11_key_label=nosuch"}, kPin, 1, "vitrine-log: NOT_FOUND: key 'nosuch' in token 'vitrine' not found: the token "
       "holds no such private key\n"},
      {"wrong key type", {serve_data, "--pkcs11_key_label=p256"}, kPin, 1, "vitrine-log: FAILED_PRECONDITION: key 'p256' in token 'vitrine' is a CKK_EC "
       "key, not Ed25519 (CKK_EC_EDWARDS)\n"},
      {"missing module", {serve_data, "--pkcs11_module=/nonexistent/module.so"}, kPin, 1,
       "vitrine-log: NOT_FOUND: no PKCS#11 module at /nonexistent/module.so (no such "
       "file)\n"},
      {"another key than log.vkey", {serve_data, "--pkcs11_key_label=other"}, kPin, 1,
       absl::StrCat("vitrine-log: FAILED_PRECONDITION: ", token_desc,
                    "\"other\" is not the key of ", Chomp(ReadFileOrEmpty(log_data_ + "/log.vkey")),
                    ": the token's key is ", TokenVkey(dir_ + "/other"),
                    " (another key under that label, or a re-initialised token)\n")},
      {"key file and token", {serve_data, "--key_file=" + dir_ + "/log.key"}, kPin, 1,
       absl::StrCat("vitrine-log: FAILED_PRECONDITION: the log key is named twice: key file ",
                    dir_, "/log.key is set and ", log_data_,
                    "/log.pkcs11 puts it in a PKCS#11 token: keep one (a key file, or a key "
                    "in a token)\n")},
      {"both PIN sources", {serve_data, "--pkcs11_pin_file=" + dir_ + "/pin",
                            "--pkcs11_pin_env=VITRINE_PIN"}, kPin, 1,
       "vitrine-log: INVALID_ARGUMENT: the token's PIN needs exactly one of "
       "pkcs11_pin_file (a file holding it) and pkcs11_pin_env (an environment "
       "variable holding it); never a flag\n"},
  };
  for (const Case& c : cases) {
    if (c.pin == "-") {
      unsetenv("VITRINE_PIN");
    } else {
      setenv("VITRINE_PIN", c.pin.c_str(), 1);
    }
    std::vector<std::string> args = {"serve", "--grpc_listen=127.0.0.1:0",
                                     "--http_listen=127.0.0.1:0"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Outcome serve = tests::Run(LogBinary(), args);
    EXPECT_EQ(serve.exit_code, c.exit_code) << c.what << ": " << serve.out << serve.err;
    EXPECT_EQ(serve.err, c.err) << c.what;
    EXPECT_EQ(serve.out, "") << c.what;
  }
  setenv("VITRINE_PIN", kPin, 1);

  // init on a log whose key is a file; init for a witness with a wrong PIN.
  ASSERT_FALSE(InitLog(dir_ + "/filelog", "file.test/log").empty());
  Outcome mixed = InitTokenLog(dir_ + "/filelog", "log");
  EXPECT_EQ(mixed.exit_code, 1);
  EXPECT_EQ(mixed.err, absl::StrCat("vitrine-log init: FAILED_PRECONDITION: the log key is "
                                    "named twice: key file ", dir_,
                                    "/filelog/log.key exists and pkcs11_* options are given: "
                                    "keep one (a key file, or a key in a token)\n"));
  setenv("VITRINE_PIN", "4321", 1);
  std::vector<std::string> monitor_init = {"init", "--data=" + dir_ + "/monitor",
                                           "--name=w.test/witness"};
  for (const std::string& a : Token("witness")) monitor_init.push_back(a);
  Outcome witness = tests::Run(MonitorBinary(), monitor_init);
  EXPECT_EQ(witness.exit_code, 1);
  EXPECT_EQ(witness.err, "vitrine-monitor init: UNAUTHENTICATED: wrong PIN for token 'vitrine' "
            "(C_Login: CKR_PIN_INCORRECT (0xa0))\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/monitor/witness.vkey"));
  setenv("VITRINE_PIN", kPin, 1);
}

// The token fails under a running log: SoftHSM's token re-initialised (its
// key objects gone). Writes stop UNAVAILABLE with the reason, nothing new is
// published, reads go on; the token restored from its backup (the key
// ceremony's "back up the token, not the key"), writes resume by themselves.
TEST_F(HsmTest, ATokenThatFailsStopsWritesUntilItIsBack) {
  ASSERT_EQ(InitTokenLog(log_data_, "log").exit_code, 0);
  MakeVendor();
  WriteFileOrDie(log_data_ + "/vendors", vendor_vkey_);
  std::filesystem::copy(tokens_, dir_ + "/token-backup",
                        std::filesystem::copy_options::recursive);
  ServerProcess log = StartLog(log_data_);
  ASSERT_TRUE(log.running()) << log.startup_output();
  const VendorKey vendor{vendor_vkey_, Chomp(ReadFileOrEmpty(dir_ + "/acme.key"))};
  std::vector<std::string> statements = MakeStatements(vendor, 0, 4, "hsm");
  ASSERT_TRUE(AddOne(log.grpc_address(), statements[0]).ok());
  const std::string before = HttpGet(log.http_address(), "/checkpoint");
  ASSERT_EQ(NoteSize(before), 1);

  Outcome reinit = tests::Run(kSoftHsmUtil, {"--init-token", "--token", "vitrine", "--label",
                                      "vitrine", "--so-pin", "5678", "--pin", kPin});
  ASSERT_EQ(reinit.exit_code, 0) << reinit.out << reinit.err;
  const absl::Status refused = AddOne(log.grpc_address(), statements[1]);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_EQ(refused.message(), "the log key cannot sign tree size 2; nothing committed: signing with "
            "key 'log' in token 'vitrine' failed: C_SignInit: CKR_OBJECT_HANDLE_INVALID "
            "(0x82); the next signature opens a new session");
  EXPECT_EQ(HttpGet(log.http_address(), "/checkpoint"), before);
  EXPECT_THAT(HttpGet(log.http_address(), "/healthz"), HasSubstr(std::string(refused.message())));

  std::filesystem::remove_all(tokens_);
  std::filesystem::copy(dir_ + "/token-backup", tokens_,
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(WaitFor([&] { return AddOne(log.grpc_address(), statements[1]).ok(); },
                      absl::Seconds(20)));
  EXPECT_EQ(NoteSize(HttpGet(log.http_address(), "/checkpoint")), 2);
  EXPECT_TRUE(AddOne(log.grpc_address(), statements[2]).ok());
  EXPECT_EQ(log.Stop(), 0);
}

// The same for a witness whose key is in the token: while the token is
// gone it refuses the log's pushes (the log's witnessed checkpoint stays
// put while appends go on); restored, it cosigns again and the witnessed
// checkpoint catches up.
TEST_F(HsmTest, AWitnessWhoseTokenFailsCosignsAgainWhenItIsBack) {
  const std::string log_vkey = InitLog(log_data_, "hsm.test/log");
  ASSERT_FALSE(log_vkey.empty());
  const std::string monitor_data = dir_ + "/monitor";
  std::vector<std::string> monitor_init = {"init", "--data=" + monitor_data,
                                           "--name=w.test/witness"};
  for (const std::string& a : Token("witness")) monitor_init.push_back(a);
  ASSERT_EQ(tests::Run(MonitorBinary(), monitor_init).exit_code, 0);
  const std::string witness_vkey = Chomp(ReadFileOrEmpty(monitor_data + "/witness.vkey"));
  MakeVendor();
  WriteFileOrDie(log_data_ + "/vendors", vendor_vkey_);
  WriteFileOrDie(monitor_data + "/vendors", vendor_vkey_);
  std::filesystem::copy(tokens_, dir_ + "/token-backup",
                        std::filesystem::copy_options::recursive);
  const int log_port = ReservePort(), witness_port = ReservePort();
  ServerProcess monitor = StartMonitor(
      monitor_data, {absl::StrCat("--log=", log_vkey, "@127.0.0.1:", log_port),
                     absl::StrCat("--grpc_listen=127.0.0.1:", witness_port),
                     "--poll_interval_ms=100"});
  ASSERT_TRUE(monitor.running()) << monitor.startup_output();
  ServerProcess log = StartLog(
      log_data_, {absl::StrCat("--grpc_listen=127.0.0.1:", log_port),
                  absl::StrCat("--witness=", witness_vkey, "@127.0.0.1:", witness_port),
                  "--witness_timeout_ms=1000"});
  ASSERT_TRUE(log.running()) << log.startup_output();
  const VendorKey vendor{vendor_vkey_, Chomp(ReadFileOrEmpty(dir_ + "/acme.key"))};
  std::vector<std::string> statements = MakeStatements(vendor, 0, 3, "witness");
  const auto witnessed = [&] { return HttpGet(log.http_address(), "/checkpoint"); };
  ASSERT_TRUE(AddOne(log.grpc_address(), statements[0]).ok());
  ASSERT_TRUE(WaitFor([&] { return NoteSize(witnessed()) == 1; })) << witnessed();

  Outcome reinit = tests::Run(kSoftHsmUtil, {"--init-token", "--token", "vitrine", "--label",
                                             "vitrine", "--so-pin", "5678", "--pin", kPin});
  ASSERT_EQ(reinit.exit_code, 0) << reinit.out << reinit.err;
  // Appends go on (the log's key is a file); the witness cosigns nothing.
  ASSERT_TRUE(AddOne(log.grpc_address(), statements[1]).ok());
  absl::SleepFor(absl::Seconds(3));  // several push rounds
  EXPECT_EQ(NoteSize(witnessed()), 1) << witnessed();
  EXPECT_EQ(Metric(monitor, "vitrine_monitor_witness_size{origin=\"hsm.test/log\"}"), 1);

  std::filesystem::remove_all(tokens_);
  std::filesystem::copy(dir_ + "/token-backup", tokens_,
                        std::filesystem::copy_options::recursive);
  ASSERT_TRUE(WaitFor([&] { return NoteSize(witnessed()) == 2; })) << witnessed();
  EXPECT_THAT(witnessed(), HasSubstr("\n\u2014 w.test/witness "));
  EXPECT_TRUE(note::OpenNote(witnessed(), *KeySet(witness_vkey)).ok()) << witnessed();
  EXPECT_EQ(log.Stop(), 0);
  EXPECT_EQ(monitor.Stop(), 0);
}

}  // namespace
}  // namespace vitrine::tests
