#include "log/storage/tile_cache.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"

namespace vitrine::storage {
namespace {

using merkle::Hash;
using merkle::NodeId;
using merkle::TileId;
using ::vitrine::testing::StatusIs;

std::vector<Hash> Hashes(uint64_t first, size_t count) {
  std::vector<Hash> hashes;
  for (size_t i = 0; i < count; ++i) {
    hashes.push_back(merkle::HashLeaf(absl::StrCat("h-", first + i)));
  }
  return hashes;
}

std::shared_ptr<const CachedTile> MakeTile(uint8_t level, uint64_t index,
                                           uint16_t width) {
  absl::StatusOr<std::shared_ptr<const CachedTile>> tile = CachedTile::Decode(
      level, index, merkle::EncodeTile(Hashes(index * 256, width)));
  EXPECT_OK(tile);
  return tile.ok() ? *tile : nullptr;
}

TEST(CachedTileTest, NodeHashEqualsHashNodeInTileForEveryNode) {
  for (uint16_t width : {1, 2, 3, 5, 8, 100, 255, 256}) {
    SCOPED_TRACE(width);
    std::vector<Hash> hashes = Hashes(0, width);
    TileId id{1, 3, width};
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CachedTile> tile,
                         CachedTile::Decode(1, 3, merkle::EncodeTile(hashes)));
    EXPECT_EQ(tile->id(), id);
    for (int k = 0; k <= 8; ++k) {
      uint64_t per_tile = 256 >> k;
      for (uint64_t j = 0; j < per_tile; ++j) {
        NodeId node{static_cast<uint8_t>(8 + k), 3 * per_tile + j};
        absl::StatusOr<Hash> want = merkle::HashNodeInTile(id, hashes, node);
        std::optional<Hash> got = tile->NodeHash(node);
        ASSERT_EQ(got.has_value(), want.ok()) << node;
        if (got.has_value()) {
          EXPECT_EQ(*got, *want) << node;
        }
      }
    }
    // Nodes of other tiles or levels are not in it.
    EXPECT_FALSE(tile->NodeHash(NodeId{8, 2 * 256}).has_value());
    EXPECT_FALSE(tile->NodeHash(NodeId{0, 3 * 256}).has_value());
    EXPECT_FALSE(tile->NodeHash(NodeId{17, 0}).has_value());
  }
}

TEST(CachedTileTest, DecodeFullTakesTheStoredInteriorAsIs) {
  std::vector<Hash> hashes = Hashes(0, 256);
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> interior, merkle::TileInterior(hashes));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const CachedTile> hashed,
                       CachedTile::Decode(2, 9, merkle::EncodeTile(hashes)));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const CachedTile> loaded,
      CachedTile::DecodeFull(2, 9, merkle::EncodeTile(hashes),
                             merkle::EncodeTile(interior)));
  EXPECT_EQ(loaded->id(), (TileId{2, 9, 256}));
  for (int k = 0; k <= 8; ++k) {
    for (uint64_t j = 0; j < (256u >> k); ++j) {
      NodeId node{static_cast<uint8_t>(16 + k), 9 * (256u >> k) + j};
      EXPECT_EQ(loaded->NodeHash(node), hashed->NodeHash(node)) << node;
    }
  }
  // Not rehashed: a changed interior hash is what the tile then serves.
  interior[3] = merkle::HashLeaf("not the node");
  ASSERT_OK_AND_ASSIGN(
      loaded, CachedTile::DecodeFull(2, 9, merkle::EncodeTile(hashes),
                                     merkle::EncodeTile(interior)));
  EXPECT_EQ(loaded->NodeHash(NodeId{17, 9 * 128 + 3}), interior[3]);

  EXPECT_THAT(CachedTile::DecodeFull(2, 9, merkle::EncodeTile(hashes), ""),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CachedTile::DecodeFull(2, 9, std::string(255 * 32, 'x'),
                                     std::string(255 * 32, 'x')),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CachedTile::DecodeFull(64, 0, std::string(256 * 32, 'x'),
                                     std::string(255 * 32, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CachedTileTest, DecodeRejectsBadLengthsAsDataLoss) {
  EXPECT_THAT(CachedTile::Decode(0, 0, ""), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CachedTile::Decode(0, 0, std::string(33, 'x')),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CachedTile::Decode(0, 0, std::string(257 * 32, 'x')),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CachedTile::Decode(64, 0, std::string(32, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TileCacheTest, LookupMissesWhenTheCachedTileIsNarrower) {
  TileCache cache(4);
  cache.Insert(MakeTile(0, 5, 10));
  ASSERT_NE(cache.Lookup(0, 5, 10), nullptr);
  EXPECT_EQ(cache.Lookup(0, 5, 1)->width(), 10);
  EXPECT_EQ(cache.Lookup(0, 5, 11), nullptr);
  EXPECT_EQ(cache.Lookup(0, 6, 1), nullptr);
  EXPECT_EQ(cache.Lookup(1, 5, 1), nullptr);
}

TEST(TileCacheTest, InsertNeverReplacesAWiderTile) {
  TileCache cache(4);
  cache.Insert(MakeTile(0, 5, 10));
  cache.Insert(MakeTile(0, 5, 20));
  EXPECT_EQ(cache.Lookup(0, 5, 1)->width(), 20);
  // A reader's stale read of the narrower version must not undo it.
  cache.Insert(MakeTile(0, 5, 10));
  EXPECT_EQ(cache.Lookup(0, 5, 1)->width(), 20);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TileCacheTest, EvictsTheOldestTileNotUsedSinceTheSweepPassed) {
  TileCache cache(3);
  cache.Insert(MakeTile(0, 0, 256));
  cache.Insert(MakeTile(0, 1, 256));
  cache.Insert(MakeTile(0, 2, 256));
  std::shared_ptr<const CachedTile> held = cache.Lookup(0, 1, 1);
  ASSERT_NE(cache.Lookup(0, 0, 256), nullptr);
  // Oldest first: 0 and 1 were used, so they get a second chance (moved
  // ahead of 3, their marks cleared); 2 was not, and goes.
  cache.Insert(MakeTile(0, 3, 256));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Contains(0, 0));
  EXPECT_TRUE(cache.Contains(0, 1));
  EXPECT_FALSE(cache.Contains(0, 2));
  EXPECT_TRUE(cache.Contains(0, 3));
  // Now 3 is the oldest and unused; then 0 and 1, whose chance is spent.
  cache.Insert(MakeTile(0, 4, 256));
  EXPECT_FALSE(cache.Contains(0, 3));
  cache.Insert(MakeTile(0, 5, 256));
  EXPECT_FALSE(cache.Contains(0, 0));
  ASSERT_NE(cache.Lookup(0, 4, 1), nullptr);
  cache.Insert(MakeTile(0, 6, 256));
  EXPECT_FALSE(cache.Contains(0, 1));
  EXPECT_TRUE(cache.Contains(0, 4));
  EXPECT_TRUE(cache.Contains(0, 5));
  EXPECT_TRUE(cache.Contains(0, 6));
  // An evicted tile a reader still holds stays valid.
  EXPECT_EQ(held->width(), 256);
}

TEST(TileCacheTest, ZeroCapacityCachesNothing) {
  TileCache cache(0);
  cache.Insert(MakeTile(0, 0, 256));
  EXPECT_EQ(cache.Lookup(0, 0, 1), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TileCacheTest, StaysWithinItsByteBudget) {
  const size_t full = MakeTile(0, 0, 256)->MemoryBytes();
  EXPECT_GE(full, 511 * 32u);
  TileCache cache(100, 3 * full);
  for (uint64_t i = 0; i < 10; ++i) cache.Insert(MakeTile(0, i, 256));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_LE(cache.MemoryBytes(), 3 * full);
  EXPECT_TRUE(cache.Contains(0, 9));
  // Small tiles: the count bound applies first.
  TileCache small(4, 1 << 30);
  for (uint64_t i = 0; i < 10; ++i) small.Insert(MakeTile(0, i, 1));
  EXPECT_EQ(small.size(), 4u);
  TileCache none(100, 0);
  none.Insert(MakeTile(0, 0, 1));
  EXPECT_EQ(none.size(), 0u);
}

TEST(TileCacheTest, ShardedCacheStaysBounded) {
  TileCache cache(1024);
  for (uint64_t i = 0; i < 3000; ++i) cache.Insert(MakeTile(0, i, 1));
  EXPECT_LE(cache.size(), 1024u);
  EXPECT_GE(cache.size(), 900u);
}

}  // namespace
}  // namespace vitrine::storage
