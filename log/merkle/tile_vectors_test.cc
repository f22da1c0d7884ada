// Checks the tile layout against every tiles/size-*.json of the vectors
// (../shared/vectors, written by an independent implementation): the tile
// levels, the exact set of paths, and every file's bytes (or SHA-256 where the
// vector lists only a manifest). Sizes and entries come from each file.
//
// The vectors also list each log's `checkpoint` file. Its bytes are a signed
// note, which log/note builds and checks against the same vectors; this test
// covers the tiles and entry bundles beside it and skips that one file.
#include <openssl/sha.h>

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_testing.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::testing::Base64ToBytes;
using ::vitrine::testing::ListVectorFiles;
using ::vitrine::testing::ReadVectorJson;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), sizeof(digest)));
}

TEST(TileVectorsTest, LevelsAndPathsMatch) {
  for (const std::string& file : ListVectorFiles("tiles")) {
    SCOPED_TRACE(file);
    nlohmann::json v = ReadVectorJson(file);
    uint64_t size = v["size"].get<uint64_t>();
    EXPECT_EQ(file, absl::StrCat("tiles/size-", size, ".json"));  // README
    ASSERT_EQ(v["tile_height"].get<int>(), kTileHeight);

    std::vector<TileLevel> expected_levels;
    for (const auto& l : v["levels"]) {
      expected_levels.push_back(TileLevel{l["level"].get<uint8_t>(),
                                          l["full_tiles"].get<uint64_t>(),
                                          l["partial_width"].get<uint16_t>()});
    }
    EXPECT_EQ(TileLevelsForSize(size), expected_levels);

    std::set<std::string> vector_paths;
    for (const auto& f : v["files"]) {
      std::string kind = f["kind"].get<std::string>();
      std::string path = f["path"].get<std::string>();
      if (kind == "checkpoint") continue;  // log/note's business, see above
      vector_paths.insert(path);
      // The vector's own coordinates agree with what the path parses to.
      if (kind == "tile") {
        ASSERT_OK_AND_ASSIGN(TileId t, ParseTilePath(path));
        EXPECT_EQ(t, (TileId{f["level"].get<uint8_t>(), f["index"].get<uint64_t>(),
                             f["width"].get<uint16_t>()}));
      } else {
        ASSERT_EQ(kind, "entries") << path;
        ASSERT_OK_AND_ASSIGN(TileId t, ParseEntryBundlePath(path));
        EXPECT_EQ(t, (TileId{0, f["index"].get<uint64_t>(),
                             f["width"].get<uint16_t>()}));
      }
    }
    std::set<std::string> our_paths;
    for (const TileId& t : TilesForSize(size)) our_paths.insert(TilePath(t));
    for (const TileId& t : EntryBundlesForSize(size)) {
      our_paths.insert(EntryBundlePath(t));
    }
    EXPECT_EQ(our_paths, vector_paths);
  }
}

TEST(TileVectorsTest, EveryFileMatchesByteForByte) {
  for (const std::string& file : ListVectorFiles("tiles")) {
    SCOPED_TRACE(file);
    nlohmann::json v = ReadVectorJson(file);
    uint64_t size = v["size"].get<uint64_t>();
    bool manifest_only = v["manifest_only"].get<bool>();
    testing::TileLayout layout = testing::BuildTileLayout(
        testing::TestEntries(v["entry_prefix"].get<std::string>(), size));

    std::set<std::string> compared;
    for (const auto& f : v["files"]) {
      if (f["kind"] == "checkpoint") continue;  // log/note's business
      std::string path = f["path"].get<std::string>();
      auto ours = layout.files.find(path);
      ASSERT_NE(ours, layout.files.end()) << path;
      EXPECT_EQ(ours->second.size(), f["length"].get<size_t>()) << path;
      EXPECT_EQ(Sha256Hex(ours->second), f["sha256"].get<std::string>())
          << path;
      if (!manifest_only) {
        EXPECT_EQ(ours->second,
                  Base64ToBytes(f["content_b64"].get<std::string>()))
            << path;
      }
      compared.insert(path);
    }
    EXPECT_EQ(compared.size(), layout.files.size());
  }
}

}  // namespace
}  // namespace vitrine::merkle
