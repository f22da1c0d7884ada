#include "log/signing/token_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::signing {
namespace {

using ::vitrine::testing::StatusIs;

struct FakeConfig {
  std::string pkcs11_module = "/m.so", pkcs11_token = "t", pkcs11_key_label = "log",
              pkcs11_key_id, pkcs11_pin_file, pkcs11_pin_env = "PIN";
};

class TokenFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }
  std::string dir_;
};

TEST_F(TokenFilesTest, NoRecordAndNoOptionsIsAKeyFile) {
  ASSERT_OK_AND_ASSIGN(TokenOptions token,
                       ResolveToken({}, dir_ + "/log.pkcs11", dir_ + "/log.key", false, "log"));
  EXPECT_TRUE(token.empty());
}

TEST_F(TokenFilesTest, TheRecordWithTheGivenOptionsOverIt) {
  TokenOptions recorded = TokenOptionsOf(FakeConfig{});
  ASSERT_OK(WriteTokenRecord(dir_ + "/log.pkcs11", recorded));
  ASSERT_OK_AND_ASSIGN(TokenOptions token,
                       ResolveToken({}, dir_ + "/log.pkcs11", dir_ + "/log.key", false, "log"));
  EXPECT_EQ(token, recorded);
  TokenOptions given;
  given.pin_file = "/etc/pin";
  ASSERT_OK_AND_ASSIGN(token, ResolveToken(given, dir_ + "/log.pkcs11", dir_ + "/log.key",
                                           false, "log"));
  EXPECT_EQ(token.pin_file, "/etc/pin");
  EXPECT_EQ(token.pin_env, "");
  EXPECT_EQ(token.module, "/m.so");
  // Options that leave the token incomplete are refused, naming the gap.
  TokenOptions partial;
  partial.token = "t";
  EXPECT_THAT(ResolveToken(partial, dir_ + "/none.pkcs11", dir_ + "/log.key", false, "log"),
              StatusIs(absl::StatusCode::kInvalidArgument, "pkcs11_module is missing"));
}

TEST_F(TokenFilesTest, AKeyFileAndATokenAreRefused) {
  const TokenOptions given = TokenOptionsOf(FakeConfig{});
  EXPECT_THAT(ResolveToken(given, dir_ + "/w.pkcs11", "/etc/w.key", true, "witness"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "the witness key is named twice: key file /etc/w.key is set and "
                       "pkcs11_* options are given: keep one (a key file, or a key in a "
                       "token)"));
  std::ofstream(dir_ + "/log.key") << "PRIVATE+KEY+...\n";
  ASSERT_OK(WriteTokenRecord(dir_ + "/log.pkcs11", given));
  EXPECT_THAT(ResolveToken({}, dir_ + "/log.pkcs11", dir_ + "/log.key", false, "log"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "the log key is named twice: key file " + dir_ + "/log.key exists and " +
                           dir_ + "/log.pkcs11 puts it in a PKCS#11 token: keep one"));
}

TEST_F(TokenFilesTest, ABadRecordIsRefusedWithItsLine) {
  std::ofstream(dir_ + "/log.pkcs11") << "pkcs11_token = t\npkcs11_pin = 1234\n";
  EXPECT_THAT(ResolveToken({}, dir_ + "/log.pkcs11", dir_ + "/log.key", false, "log"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       dir_ + "/log.pkcs11: config line 2: unknown option \"pkcs11_pin\""));
}

}  // namespace
}  // namespace vitrine::signing
