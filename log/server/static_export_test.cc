// The static export against the HTTP port on the same store: every file
// holds exactly the bytes the port answers for its path, the folder holds
// exactly the tree's files, and a second export keeps what cannot change.
#include "log/server/static_export.h"

#include <filesystem>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/tile.h"
#include "log/server/internal/http_test_fixture.h"

namespace vitrine::server {
namespace {

using sequencer::testing::kOrigin;

class StaticExportTest : public testing::HttpServerFixture {
 protected:
  // The files a static copy of a tree of `size` leaves holds.
  static std::set<std::string> TreeFiles(uint64_t size) {
    std::set<std::string> files = {"checkpoint"};
    for (const merkle::TileId& t : merkle::TilesForSize(size)) {
      files.insert(merkle::TilePath(t));
    }
    for (const merkle::TileId& t : merkle::EntryBundlesForSize(size)) {
      files.insert(merkle::EntryBundlePath(t));
    }
    return files;
  }

  // The files under `dir`, relative to it.
  static std::set<std::string> FilesUnder(const std::string& dir) {
    std::set<std::string> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) {
        files.insert(std::filesystem::relative(entry.path(), dir).string());
      }
    }
    return files;
  }

  // Each of `files` under `dir` equals the HTTP port's answer for it.
  void ExpectServedBytes(const std::string& dir,
                         const std::set<std::string>& files) {
    for (const std::string& file : files) {
      httplib::Result served = Get("/" + file);
      ASSERT_TRUE(served) << file;
      ASSERT_EQ(served->status, 200) << file;
      ASSERT_OK_AND_ASSIGN(std::string exported,
                           ReadSmallFile(dir + "/" + file, 16 << 20));
      EXPECT_EQ(exported, served->body) << file;
    }
  }
};

TEST_F(StaticExportTest, FilesAreTheHttpPortsBytesAndAgainIsIncremental) {
  AddLeaves(0, 1000);
  StartHttp();
  const std::string dir = absl::StrCat(::testing::TempDir(), "/export");

  ASSERT_OK_AND_ASSIGN(ExportStats first,
                       ExportStaticTiles(*store_, log_keys_, kOrigin, dir));
  const std::set<std::string> files_1000 = TreeFiles(1000);
  EXPECT_EQ(first.tree_size, 1000u);
  EXPECT_EQ(first.files_written, files_1000.size());
  EXPECT_EQ(first.files_kept, 0u);
  EXPECT_EQ(FilesUnder(dir), files_1000);
  ExpectServedBytes(dir, files_1000);

  // The tree grows: the 3 full tiles and 3 full bundles of 1000 are kept.
  AddLeaves(1000, 300);
  ASSERT_OK_AND_ASSIGN(ExportStats second,
                       ExportStaticTiles(*store_, log_keys_, kOrigin, dir));
  const std::set<std::string> files_1300 = TreeFiles(1300);
  EXPECT_EQ(second.tree_size, 1300u);
  EXPECT_EQ(second.files_kept, 6u);
  EXPECT_EQ(second.files_written, files_1300.size() - 6);
  ExpectServedBytes(dir, files_1300);
  // Only the partial files of the first export are left over.
  std::set<std::string> left_over;
  for (const std::string& file : FilesUnder(dir)) {
    if (files_1300.count(file) == 0) left_over.insert(file);
  }
  EXPECT_EQ(left_over, (std::set<std::string>{"tile/0/003.p/232",
                                              "tile/1/000.p/3",
                                              "tile/entries/003.p/232"}));
}

TEST_F(StaticExportTest, RefusesAStoreOfAnotherLog) {
  AddLeaves(0, 10);
  EXPECT_THAT(ExportStaticTiles(*store_, log_keys_, "example.com/other",
                                absl::StrCat(::testing::TempDir(), "/other"))
                  .status(),
              ::vitrine::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace vitrine::server
