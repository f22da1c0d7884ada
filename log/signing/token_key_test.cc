#include "log/signing/token_key.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::signing {
namespace {

using ::vitrine::testing::StatusIs;

TokenOptions Complete() {
  TokenOptions token;
  token.module = "/usr/lib/softhsm/libsofthsm2.so";
  token.token = "vitrine";
  token.key_label = "log";
  token.pin_env = "VITRINE_PIN";
  return token;
}

TEST(TokenKeyTest, ValidateNamesWhatIsMissing) {
  EXPECT_OK(ValidateTokenOptions(Complete()));
  TokenOptions by_id = Complete();
  by_id.key_label = "";
  by_id.key_id = "0a1b";
  EXPECT_OK(ValidateTokenOptions(by_id));
  struct Case {
    void (*change)(TokenOptions&);
    std::string message;
  } cases[] = {
      {[](TokenOptions& t) { t.module = ""; },
       "pkcs11_module is missing: the path of the PKCS#11 module (e.g. "
       "/usr/lib/softhsm/libsofthsm2.so)"},
      {[](TokenOptions& t) { t.token = ""; }, "pkcs11_token is missing: the token's label"},
      {[](TokenOptions& t) { t.key_label = ""; },
       "the key in the token needs pkcs11_key_label or pkcs11_key_id"},
      {[](TokenOptions& t) { t.key_id = "0A"; },
       "pkcs11_key_id wants lowercase hex bytes, got \"0A\""},
      {[](TokenOptions& t) { t.key_id = "abc"; },
       "pkcs11_key_id wants lowercase hex bytes, got \"abc\""},
      {[](TokenOptions& t) { t.pin_env = ""; },
       "the token's PIN needs exactly one of pkcs11_pin_file (a file holding it) "
       "and pkcs11_pin_env (an environment variable holding it); never a flag"},
      {[](TokenOptions& t) { t.pin_file = "/etc/pin"; },
       "the token's PIN needs exactly one of pkcs11_pin_file"},
  };
  for (const Case& c : cases) {
    TokenOptions token = Complete();
    c.change(token);
    EXPECT_THAT(ValidateTokenOptions(token),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
}

TEST(TokenKeyTest, GivenOptionsOverrideTheRecordFieldByField) {
  const TokenOptions recorded = Complete();
  EXPECT_EQ(MergeTokenOptions(recorded, TokenOptions{}), recorded);
  TokenOptions given;
  given.pin_file = "/etc/vitrine/pin";  // replaces the recorded pin_env
  given.key_id = "01";                  // replaces the recorded label
  given.module = "/opt/hsm/lib.so";
  TokenOptions merged = MergeTokenOptions(recorded, given);
  EXPECT_EQ(merged.module, "/opt/hsm/lib.so");
  EXPECT_EQ(merged.token, "vitrine");
  EXPECT_EQ(merged.key_label, "");
  EXPECT_EQ(merged.key_id, "01");
  EXPECT_EQ(merged.pin_file, "/etc/vitrine/pin");
  EXPECT_EQ(merged.pin_env, "");
  EXPECT_OK(ValidateTokenOptions(merged));
  EXPECT_TRUE(TokenOptions{}.empty());
  EXPECT_FALSE(given.empty());
}

TEST(TokenKeyTest, TheRecordRoundTripsAndHoldsNoPin) {
  TokenOptions token = Complete();
  token.key_id = "0a";
  const std::string text = FormatTokenRecord(token);
  EXPECT_EQ(text,
            "# The key is in a PKCS#11 token (vitrine init): serve opens it with\n"
            "# these settings. The PIN is never written here.\n"
            "pkcs11_key_id = 0a\n"
            "pkcs11_key_label = log\n"
            "pkcs11_module = /usr/lib/softhsm/libsofthsm2.so\n"
            "pkcs11_pin_env = VITRINE_PIN\n"
            "pkcs11_token = vitrine\n");
  ASSERT_OK_AND_ASSIGN(TokenOptions parsed, ParseTokenRecord(text));
  EXPECT_EQ(parsed, token);
  EXPECT_THAT(ParseTokenRecord("pkcs11_token = t\npkcs11_pin = 1234\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "config line 2: unknown option \"pkcs11_pin\""));
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/log.pkcs11";
  EXPECT_THAT(ReadTokenRecord(path), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(WriteTokenRecord(path, token));
  ASSERT_OK_AND_ASSIGN(TokenOptions read, ReadTokenRecord(path));
  EXPECT_EQ(read, token);
  // Relative paths are recorded absolute; a module's bare name stays.
  token.pin_env = "";
  token.pin_file = "secrets/pin";
  token.module = "libsofthsm2.so";
  ASSERT_OK(WriteTokenRecord(path, token));
  ASSERT_OK_AND_ASSIGN(read, ReadTokenRecord(path));
  EXPECT_EQ(read.pin_file, std::filesystem::current_path().string() + "/secrets/pin");
  EXPECT_EQ(read.module, "libsofthsm2.so");
  token.module = "./lib/module.so";
  ASSERT_OK(WriteTokenRecord(path, token));
  ASSERT_OK_AND_ASSIGN(read, ReadTokenRecord(path));
  EXPECT_EQ(read.module, std::filesystem::current_path().string() + "/lib/module.so");
}

}  // namespace
}  // namespace vitrine::signing
