#include "common/file.h"

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

using ::vitrine::testing::StatusIs;

std::string TempDir() { return std::getenv("TEST_TMPDIR"); }

TEST(FileTest, WriteAtomicallyThenRead) {
  const std::string path = TempDir() + "/atomic";
  ASSERT_OK(WriteFileAtomically(path, "first", 0600));
  ASSERT_OK(WriteFileAtomically(path, "second", 0600));
  ASSERT_OK_AND_ASSIGN(std::string text, ReadSmallFile(path, 100));
  EXPECT_EQ(text, "second");
  EXPECT_THAT(ReadSmallFile(path, 3), StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(ReadSmallFile(TempDir() + "/missing", 100),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(FileTest, MakeDirsCreatesParentsAndKeepsExisting) {
  const std::string dir = TempDir() + "/a/b/c";
  EXPECT_FALSE(PathExists(dir));
  ASSERT_OK(MakeDirs(dir, 0700));
  EXPECT_TRUE(PathExists(dir));
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_OK(MakeDirs(dir, 0700));  // again: nothing to do
  ASSERT_OK(WriteFileAtomically(dir + "/file", "x", 0600));
  EXPECT_THAT(MakeDirs(dir + "/file/sub", 0700), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(MakeDirs(dir + "/file", 0700), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vitrine
