// ReadPin (pkcs11_key.h): the token's PIN from a private file or the
// environment, never from a flag.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note::pkcs11 {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

std::string StatusText(const absl::Status& status) { return status.ToString(); }

std::string Got(const absl::StatusOr<std::string>& result) {
  return result.ok() ? *result
                     : absl::StrCat("error: ", result.status().ToString());
}

TEST(ReadPinTest, ReadsAPrivateFileOrTheEnvironment) {
  const std::string path = absl::StrCat(TempDir(), "/pin");
  auto write = [&path](const std::string& text, mode_t mode) {
    std::remove(path.c_str());
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
  };
  write("1234\nsecond line\n", 0600);
  EXPECT_EQ(Got(ReadPin(path, "")), std::string("1234"));
  write("12 34\r\n", 0400);
  EXPECT_EQ(Got(ReadPin(path, "")), std::string("12 34"));
  write("5678", 0600);
  EXPECT_EQ(Got(ReadPin(path, "")), std::string("5678"));
  write("1234\n", 0640);
  EXPECT_EQ(StatusText(ReadPin(path, "").status()),
            absl::StrCat("INVALID_ARGUMENT: PIN file ", path,
                         " is accessible by group or others (mode 0640): "
                         "chmod 600 it"));
  write("1234\n", 0604);
  EXPECT_EQ(ReadPin(path, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  write("\n1234\n", 0600);
  EXPECT_EQ(StatusText(ReadPin(path, "").status()),
            absl::StrCat("INVALID_ARGUMENT: PIN file ", path,
                         " holds an empty first line"));
  write(std::string(5000, '1'), 0600);
  EXPECT_EQ(StatusText(ReadPin(path, "").status()),
            absl::StrCat("INVALID_ARGUMENT: PIN file ", path,
                         " is over 4096 bytes"));
  EXPECT_EQ(ReadPin(absl::StrCat(path, ".missing"), "").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(StatusText(ReadPin(TempDir(), "").status()),
            absl::StrCat("INVALID_ARGUMENT: PIN file ", TempDir(),
                         " is not a regular file"));

  setenv("VITRINE_TEST_PIN", "4321", 1);
  EXPECT_EQ(Got(ReadPin("", "VITRINE_TEST_PIN")), std::string("4321"));
  setenv("VITRINE_TEST_PIN", "", 1);
  EXPECT_EQ(StatusText(ReadPin("", "VITRINE_TEST_PIN").status()),
            "INVALID_ARGUMENT: environment variable VITRINE_TEST_PIN (the "
            "token's PIN) is empty");
  unsetenv("VITRINE_TEST_PIN");
  EXPECT_EQ(StatusText(ReadPin("", "VITRINE_TEST_PIN").status()),
            "NOT_FOUND: environment variable VITRINE_TEST_PIN (the token's "
            "PIN) is not set");
  const std::string both =
      "INVALID_ARGUMENT: give the token's PIN by exactly one of a PIN file "
      "and an environment variable";
  EXPECT_EQ(StatusText(ReadPin(path, "VITRINE_TEST_PIN").status()), both);
  EXPECT_EQ(StatusText(ReadPin("", "").status()), both);
}

}  // namespace
}  // namespace vitrine::note::pkcs11
