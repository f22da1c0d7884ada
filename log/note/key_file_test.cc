#include "log/note/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::StatusIs;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    ASSERT_NE(tmp, nullptr) << "run through bazel test";
    dir_ = absl::StrCat(tmp, "/key_file_test_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_EQ(mkdir(dir_.c_str(), 0700), 0);
    ASSERT_OK_AND_ASSIGN(key_, GenerateKey("example.com/log", SignatureType::kEd25519));
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  static mode_t ModeOf(const std::string& path) {
    struct stat info;
    EXPECT_EQ(stat(path.c_str(), &info), 0);
    return info.st_mode & 07777;
  }

  static void WriteRaw(const std::string& path, const std::string& content,
                       mode_t mode) {
    std::ofstream(path) << content;
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }

  std::string dir_;
  GeneratedKey key_;
};

TEST_F(KeyFileTest, WritesSignerKeyWithMode0600AndReadsItBack) {
  // A permissive umask must not widen the file's mode.
  const mode_t old_umask = umask(0);
  const std::string path = Path("log.key");
  absl::Status written = WriteSignerKeyFile(path, key_.signer_key);
  umask(old_umask);
  ASSERT_OK(written);
  EXPECT_EQ(ModeOf(path), 0600u);
  ASSERT_OK_AND_ASSIGN(std::string read, ReadSignerKeyFile(path));
  EXPECT_EQ(read, key_.signer_key);
  EXPECT_OK(NewSigner(read));
}

TEST_F(KeyFileTest, NeverOverwritesAKey) {
  const std::string path = Path("log.key");
  ASSERT_OK(WriteSignerKeyFile(path, key_.signer_key));
  ASSERT_OK_AND_ASSIGN(GeneratedKey other,
                       GenerateKey("example.com/log", SignatureType::kEd25519));
  EXPECT_THAT(WriteSignerKeyFile(path, other.signer_key),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(std::string read, ReadSignerKeyFile(path));
  EXPECT_EQ(read, key_.signer_key);
}

TEST_F(KeyFileTest, RefusesSignerKeyFilesOthersCanAccess) {
  for (mode_t mode : {0640, 0604, 0660, 0644, 0602, 0610, 0601}) {
    const std::string path = Path(absl::StrCat("key-", mode));
    WriteRaw(path, key_.signer_key + "\n", mode);
    EXPECT_THAT(ReadSignerKeyFile(path),
                StatusIs(absl::StatusCode::kFailedPrecondition, "chmod 600"))
        << std::oct << mode;
    // Verifier keys are public: any mode is fine.
    EXPECT_OK(ReadVerifierKeyFile(path));
  }
  for (mode_t mode : {0600, 0400}) {
    const std::string path = Path(absl::StrCat("ok-", mode));
    WriteRaw(path, key_.signer_key + "\n", mode);
    EXPECT_OK(ReadSignerKeyFile(path)) << std::oct << mode;
  }
}

TEST_F(KeyFileTest, ReportsMissingAndMalformedFiles) {
  EXPECT_THAT(ReadSignerKeyFile(Path("missing")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ReadSignerKeyFile(dir_),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a regular file"));
  WriteRaw(Path("empty"), "", 0600);
  EXPECT_THAT(ReadSignerKeyFile(Path("empty")),
              StatusIs(absl::StatusCode::kInvalidArgument, "one key line"));
  WriteRaw(Path("two"), key_.signer_key + "\n" + key_.signer_key + "\n", 0600);
  EXPECT_THAT(ReadSignerKeyFile(Path("two")),
              StatusIs(absl::StatusCode::kInvalidArgument, "one key line"));
  WriteRaw(Path("big"), std::string(5000, 'A'), 0600);
  EXPECT_THAT(ReadSignerKeyFile(Path("big")),
              StatusIs(absl::StatusCode::kInvalidArgument, "too large"));
  EXPECT_THAT(WriteSignerKeyFile(Path("nl"), "a\nb"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WriteSignerKeyFile(Path("no/such/dir"), key_.signer_key),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(KeyFileTest, WritesVerifierKeyWithMode0644) {
  const mode_t old_umask = umask(077);
  const std::string path = Path("log.pub");
  absl::Status written = WriteVerifierKeyFile(path, key_.verifier_key);
  umask(old_umask);
  ASSERT_OK(written);
  EXPECT_EQ(ModeOf(path), 0644u);
  ASSERT_OK_AND_ASSIGN(std::string read, ReadVerifierKeyFile(path));
  EXPECT_EQ(read, key_.verifier_key);
}

}  // namespace
}  // namespace vitrine::note
