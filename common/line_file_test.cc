#include "common/line_file.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using ::vitrine::testing::StatusIs;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir == nullptr ? "/tmp" : dir, "/", name);
}

std::vector<std::string> Lines(const LineFile& file) {
  std::vector<std::string> lines;
  EXPECT_OK(file.ReadLines([&](absl::string_view line) { lines.emplace_back(line); }));
  return lines;
}

TEST(LineFileTest, AppendsWholeLinesAndEndsATornOne) {
  const std::string path = TempPath("torn.jsonl");
  ASSERT_OK(WriteFileAtomically(path, "{\"torn\":", 0644));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<LineFile> file, LineFile::Open(path));
    EXPECT_EQ(file->path(), path);
    ASSERT_OK(file->Append("{\"a\":1}\n"));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LineFile> file, LineFile::Open(path));
  ASSERT_OK(file->Append("{\"b\":2}\n{\"c\":3}\n"));
  EXPECT_EQ(ReadSmallFile(path, 1 << 10).value_or(""),
            "{\"torn\":\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
  EXPECT_THAT(Lines(*file), ElementsAre("{\"torn\":", "{\"a\":1}", "{\"b\":2}", "{\"c\":3}"));
}

TEST(LineFileTest, ReadsLinesAcrossChunksAndSkipsAnUnfinishedOne) {
  const std::string path = TempPath("long.jsonl");
  const std::string long_line(100000, 'x');  // crosses the 64 KiB chunks
  ASSERT_OK(WriteFileAtomically(path, absl::StrCat("a\n", long_line, "\n\nb\n"), 0644));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LineFile> file, LineFile::Open(path));
  EXPECT_THAT(Lines(*file), ElementsAre("a", long_line, "", "b"));

  ASSERT_OK(file->Append("c"));  // a line still being written
  EXPECT_THAT(Lines(*file), ElementsAre("a", long_line, "", "b"));
}

TEST(LineFileTest, OpenReportsTheOsAnswer) {
  EXPECT_THAT(LineFile::Open(TempPath("missing/folder/x.jsonl")),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vitrine
