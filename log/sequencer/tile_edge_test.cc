#include "log/sequencer/tile_edge.h"

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"
#include "log/merkle/tile_testing.h"

namespace vitrine::sequencer {
namespace {

using merkle::CompactRange;
using merkle::Hash;
using merkle::NodeId;
using merkle::TileId;
using ::vitrine::testing::StatusIs;

std::vector<Hash> LeafHashes(uint64_t n) {
  std::vector<Hash> hashes;
  for (const std::string& e : merkle::testing::TestEntries(n)) {
    hashes.push_back(merkle::HashLeaf(e));
  }
  return hashes;
}

// A store of tiles keyed like the real one: (level, index) -> latest bytes.
using TileMap = std::map<std::pair<uint8_t, uint64_t>, std::string>;

// Appends leaves [range.end(), end) in batches of random sizes, writing what
// each TakeChangedTiles returns into `tiles`; checks that a batch writes
// each tile once, each full tile is written once overall, and its interior
// is exactly the one recomputed from its bytes.
void Grow(CompactRange& range, TileEdge& edge, const std::vector<Hash>& leaves,
          uint64_t end, std::mt19937_64& rng, TileMap& tiles,
          std::set<std::pair<uint8_t, uint64_t>>& full_written) {
  while (range.end() < end) {
    const uint64_t n =
        std::min<uint64_t>(end - range.end(), 1 + rng() % 700);
    absl::Status visited;
    range.AppendBatch(
        absl::MakeConstSpan(leaves).subspan(range.end(), n),
        [&](NodeId id, const Hash& hash) {
          if (visited.ok()) visited = edge.AddNode(id, hash);
        });
    ASSERT_OK(visited);
    ASSERT_EQ(edge.size(), range.end());
    std::set<std::pair<uint8_t, uint64_t>> in_batch;
    for (const ChangedTile& tile : edge.TakeChangedTiles()) {
      const auto key = std::make_pair(tile.id.level, tile.id.index);
      EXPECT_TRUE(in_batch.insert(key).second) << tile.id << " twice";
      if (tile.id.full()) {
        EXPECT_TRUE(full_written.insert(key).second) << tile.id << " rewritten";
      }
      EXPECT_EQ(tile.bytes.size(), size_t{tile.id.width} * merkle::kHashSize);
      if (tile.id.full()) {
        ASSERT_OK_AND_ASSIGN(std::vector<Hash> hashes,
                             merkle::DecodeTile(tile.id, tile.bytes));
        ASSERT_OK_AND_ASSIGN(std::vector<Hash> interior,
                             merkle::TileInterior(hashes));
        EXPECT_EQ(tile.interior, merkle::EncodeTile(interior)) << tile.id;
      } else {
        EXPECT_TRUE(tile.interior.empty()) << tile.id;
      }
      tiles[key] = tile.bytes;
    }
  }
}

// Checks that `tiles` is exactly the tile layout of the first `size` leaves.
void ExpectLayout(const TileMap& tiles, uint64_t size) {
  const merkle::testing::TileLayout layout =
      merkle::testing::BuildTileLayout(merkle::testing::TestEntries(size));
  ASSERT_EQ(tiles.size(), layout.tiles.size());
  for (const auto& [id, bytes] : layout.tiles) {
    auto it = tiles.find({id.level, id.index});
    ASSERT_NE(it, tiles.end()) << id << " never written";
    EXPECT_EQ(it->second, bytes) << id;
  }
}

TEST(TileEdgeTest, EmptyEdgeHasNoTiles) {
  TileEdge edge;
  EXPECT_EQ(edge.size(), 0u);
  EXPECT_TRUE(edge.TakeChangedTiles().empty());
}

TEST(TileEdgeTest, WritesTheTileLayoutBatchByBatch) {
  // 70000 leaves reach tile level 2 (65536 leaves per level-1 tile).
  constexpr uint64_t kSize = 70000;
  const std::vector<Hash> leaves = LeafHashes(kSize);
  std::mt19937_64 rng(1);
  CompactRange range;
  TileEdge edge;
  TileMap tiles;
  std::set<std::pair<uint8_t, uint64_t>> full_written;
  for (uint64_t end : std::vector<uint64_t>{1, 255, 256, 257, 1000, 65536, kSize}) {
    Grow(range, edge, leaves, end, rng, tiles, full_written);
    ExpectLayout(tiles, end);
  }
  EXPECT_EQ(full_written.size(), 273u + 1u);  // 273 at level 0, 1 at level 1
}

TEST(TileEdgeTest, OneTileCompletedExactlyLeavesNoPartialTile) {
  const std::vector<Hash> leaves = LeafHashes(256);
  CompactRange range;
  TileEdge edge;
  range.AppendBatch(leaves, [&](NodeId id, const Hash& hash) {
    ASSERT_OK(edge.AddNode(id, hash));
  });
  const std::vector<ChangedTile> tiles = edge.TakeChangedTiles();
  ASSERT_EQ(tiles.size(), 2u);
  EXPECT_EQ(tiles[0].id, (TileId{0, 0, 256}));
  EXPECT_EQ(tiles[1].id, (TileId{1, 0, 1}));
  // The interior's last hash is the tile's root: the one hash of tile 1/0.
  ASSERT_EQ(tiles[0].interior.size(), merkle::kTileInteriorSize * 32);
  EXPECT_EQ(tiles[0].interior.substr(tiles[0].interior.size() - 32),
            tiles[1].bytes);
  EXPECT_TRUE(edge.TakeChangedTiles().empty());
}

TEST(TileEdgeTest, ResumesFromPartialTiles) {
  constexpr uint64_t kResumeAt = 66000;
  constexpr uint64_t kSize = 70000;
  const std::vector<Hash> leaves = LeafHashes(kSize);
  const merkle::testing::TileLayout layout =
      merkle::testing::BuildTileLayout(merkle::testing::TestEntries(kResumeAt));

  TileMap tiles;
  std::vector<std::vector<Hash>> partial;
  for (const auto& [id, bytes] : layout.tiles) {
    tiles[{id.level, id.index}] = bytes;
    if (id.full()) continue;
    partial.resize(id.level + 1);
    ASSERT_OK_AND_ASSIGN(partial[id.level], merkle::DecodeTile(id, bytes));
  }
  ASSERT_OK_AND_ASSIGN(TileEdge edge,
                       TileEdge::FromPartialTiles(kResumeAt, partial));
  EXPECT_EQ(edge.size(), kResumeAt);
  EXPECT_TRUE(edge.TakeChangedTiles().empty());

  CompactRange prefix;
  prefix.AppendBatch(absl::MakeConstSpan(leaves).subspan(0, kResumeAt));
  ASSERT_OK_AND_ASSIGN(
      CompactRange range,
      CompactRange::FromHashes(0, kResumeAt,
                               std::vector<Hash>(prefix.hashes().begin(),
                                                 prefix.hashes().end())));
  std::mt19937_64 rng(2);
  std::set<std::pair<uint8_t, uint64_t>> full_written;
  Grow(range, edge, leaves, kSize, rng, tiles, full_written);
  ExpectLayout(tiles, kSize);
}

TEST(TileEdgeTest, FromPartialTilesRejectsWrongCounts) {
  // Size 300: level 0 has a 44-hash partial tile, level 1 a 1-hash one.
  const std::vector<Hash> h44(44), h1(1), h2(2);
  EXPECT_OK(TileEdge::FromPartialTiles(300, {h44, h1}));
  EXPECT_THAT(TileEdge::FromPartialTiles(300, {h44, h2}),
              StatusIs(absl::StatusCode::kInvalidArgument, "level 1"));
  EXPECT_THAT(TileEdge::FromPartialTiles(300, {h44}),
              StatusIs(absl::StatusCode::kInvalidArgument, "level 1"));
  EXPECT_THAT(TileEdge::FromPartialTiles(300, {h44, h1, h1}),
              StatusIs(absl::StatusCode::kInvalidArgument, "level 2"));
  EXPECT_THAT(TileEdge::FromPartialTiles(0, {h1}),
              StatusIs(absl::StatusCode::kInvalidArgument, "level 0"));
  // Size 256: level 0 has no partial tile at all.
  EXPECT_OK(TileEdge::FromPartialTiles(256, {{}, h1}));
}

TEST(TileEdgeTest, AddNodeRejectsOutOfOrderNodes) {
  TileEdge edge;
  ASSERT_OK(edge.AddNode(NodeId{0, 0}, Hash()));
  EXPECT_THAT(edge.AddNode(NodeId{0, 2}, Hash()),
              StatusIs(absl::StatusCode::kInternal, "not the next node"));
  EXPECT_THAT(edge.AddNode(NodeId{16, 0}, Hash()),
              StatusIs(absl::StatusCode::kInternal, "skips tile level"));
  // Interior nodes must complete a subtree of the partial tile's hashes.
  EXPECT_THAT(edge.AddNode(NodeId{3, 7}, Hash()),
              StatusIs(absl::StatusCode::kInternal, "not the next node"));
  EXPECT_THAT(edge.AddNode(NodeId{1, 0}, Hash()),
              StatusIs(absl::StatusCode::kInternal, "not the next node"));
  // Node 8/0 would be the root of a level-0 tile that is not full.
  EXPECT_THAT(edge.AddNode(NodeId{8, 0}, Hash()),
              StatusIs(absl::StatusCode::kInternal, "not the root"));
  EXPECT_EQ(edge.size(), 1u);
  const std::vector<ChangedTile> tiles = edge.TakeChangedTiles();
  ASSERT_EQ(tiles.size(), 1u);
  EXPECT_EQ(tiles[0].id, (TileId{0, 0, 1}));
}

}  // namespace
}  // namespace vitrine::sequencer
