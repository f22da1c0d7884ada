#include "log/sequencer/tile_check.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_testing.h"

namespace vitrine::sequencer {
namespace {

using merkle::Hash;
using merkle::TileId;
using ::vitrine::testing::StatusIs;

std::vector<Hash> LeafHashes(uint64_t n) {
  std::vector<Hash> hashes;
  for (const std::string& e : merkle::testing::TestEntries(n)) {
    hashes.push_back(merkle::HashLeaf(e));
  }
  return hashes;
}

// Serves the tiles of `tiles` by exact id, as a store would by (level, index)
// once the width matches.
TileFetcher FetchFrom(const std::map<TileId, std::string>& tiles) {
  return [&tiles](const TileId& t) -> absl::StatusOr<std::string> {
    auto it = tiles.find(t);
    if (it == tiles.end()) return absl::NotFoundError("no such tile");
    return it->second;
  };
}

TEST(TileCheckTest, RootFromTilesMatchesTheReferenceRoot) {
  const std::vector<Hash> leaves = LeafHashes(70000);
  for (uint64_t size : std::vector<uint64_t>{0, 1, 2, 3, 255, 256, 257, 511,
                        512, 513, 65535, 65536, 65537, 70000}) {
    const merkle::testing::TileLayout layout =
        merkle::testing::BuildTileLayout(merkle::testing::TestEntries(size));
    ASSERT_OK_AND_ASSIGN(Hash root, RootFromTiles(size, FetchFrom(layout.tiles)));
    EXPECT_EQ(root, merkle::testing::ReferenceRoot(
                        absl::MakeConstSpan(leaves).subspan(0, size)))
        << size;
    EXPECT_OK(CheckFullTiles(size, FetchFrom(layout.tiles))) << size;
  }
}

TEST(TileCheckTest, AFlippedBitInAnEdgeTileChangesTheRoot) {
  // Size 300: the root reads level-1 tile 0 (width 1) and level-0 tile 1.
  merkle::testing::TileLayout layout =
      merkle::testing::BuildTileLayout(merkle::testing::TestEntries(300));
  ASSERT_OK_AND_ASSIGN(Hash good, RootFromTiles(300, FetchFrom(layout.tiles)));
  for (const TileId id : {TileId{1, 0, 1}, TileId{0, 1, 44}}) {
    std::map<TileId, std::string> tiles = layout.tiles;
    tiles.at(id)[7] ^= 0x10;
    ASSERT_OK_AND_ASSIGN(Hash bad, RootFromTiles(300, FetchFrom(tiles)));
    EXPECT_NE(bad, good) << id;
  }
}

TEST(TileCheckTest, CheckFullTilesCatchesAFlippedBitInAnyStoredHash) {
  // Size 70000: full tiles at levels 0 and 1, partial ones at levels 0-2.
  const merkle::testing::TileLayout layout =
      merkle::testing::BuildTileLayout(merkle::testing::TestEntries(70000));
  for (const TileId id : {TileId{0, 0, 256}, TileId{0, 272, 256},
                          TileId{1, 0, 256}, TileId{1, 1, 17}}) {
    std::map<TileId, std::string> tiles = layout.tiles;
    tiles.at(id)[31] ^= 0x01;
    for (int threads : {1, 3}) {
      EXPECT_THAT(CheckFullTiles(70000, FetchFrom(tiles), threads),
                  StatusIs(absl::StatusCode::kDataLoss, "holds"))
          << id << " with " << threads << " threads";
    }
  }
  EXPECT_OK(CheckFullTiles(70000, FetchFrom(layout.tiles), 3));
}

TEST(TileCheckTest, MissingAndMisshapenTilesAreDataLoss) {
  const merkle::testing::TileLayout layout =
      merkle::testing::BuildTileLayout(merkle::testing::TestEntries(300));

  std::map<TileId, std::string> missing = layout.tiles;
  missing.erase(TileId{1, 0, 1});
  EXPECT_THAT(RootFromTiles(300, FetchFrom(missing)),
              StatusIs(absl::StatusCode::kDataLoss, "tile/1/000.p/1 is missing"));
  EXPECT_THAT(CheckFullTiles(300, FetchFrom(missing)),
              StatusIs(absl::StatusCode::kDataLoss, "tile/1/000.p/1 is missing"));

  std::map<TileId, std::string> longer = layout.tiles;
  longer.at(TileId{0, 1, 44}) += std::string(32, 'x');
  EXPECT_THAT(RootFromTiles(300, FetchFrom(longer)),
              StatusIs(absl::StatusCode::kDataLoss, "holds 1440 bytes, not 1408"));
}

TEST(TileCheckTest, OtherFetchErrorsPassThrough) {
  const TileFetcher unavailable = [](const TileId&) -> absl::StatusOr<std::string> {
    return absl::UnavailableError("disk went away");
  };
  EXPECT_THAT(RootFromTiles(300, unavailable),
              StatusIs(absl::StatusCode::kUnavailable, "disk went away"));
  EXPECT_THAT(CheckFullTiles(300, unavailable),
              StatusIs(absl::StatusCode::kUnavailable, "disk went away"));
  // The empty tree reads nothing.
  ASSERT_OK_AND_ASSIGN(Hash empty, RootFromTiles(0, unavailable));
  EXPECT_EQ(empty, merkle::EmptyRoot());
  EXPECT_OK(CheckFullTiles(0, unavailable));
}

}  // namespace
}  // namespace vitrine::sequencer
