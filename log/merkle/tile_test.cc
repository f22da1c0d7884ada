#include "log/merkle/tile.h"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/tile_testing.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::testing::StatusIs;

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(TilePathTest, FormatsIndexInGroupsOfThree) {
  EXPECT_EQ(TilePath(TileId{0, 0, 256}), "tile/0/000");
  EXPECT_EQ(TilePath(TileId{0, 1234067, 256}), "tile/0/x001/x234/067");
  EXPECT_EQ(TilePath(TileId{1, 0, 17}), "tile/1/000.p/17");
  EXPECT_EQ(TilePath(TileId{2, 1000, 1}), "tile/2/x001/000.p/1");
  EXPECT_EQ(TilePath(TileId{63, kMax, 255}),
            "tile/63/x018/x446/x744/x073/x709/x551/615.p/255");
  EXPECT_EQ(EntryBundlePath(TileId{0, 273, 112}), "tile/entries/273.p/112");
  EXPECT_EQ(EntryBundlePath(TileId{0, 1234067, 256}),
            "tile/entries/x001/x234/067");
}

TEST(TilePathTest, GoodPathsRoundTrip) {
  const TileId ids[] = {
      {0, 0, 256},     {0, 0, 1},         {0, 0, 255},    {1, 999, 256},
      {1, 1000, 256},  {7, 1234067, 3},   {63, 0, 256},   {63, kMax, 256},
      {10, kMax, 1},   {0, 999999, 128},  {5, 1000000, 256},
  };
  for (const TileId& id : ids) {
    ASSERT_OK_AND_ASSIGN(TileId parsed, ParseTilePath(TilePath(id)));
    EXPECT_EQ(parsed, id) << TilePath(id);
    TileId bundle{0, id.index, id.width};
    ASSERT_OK_AND_ASSIGN(TileId parsed_bundle,
                         ParseEntryBundlePath(EntryBundlePath(bundle)));
    EXPECT_EQ(parsed_bundle, bundle) << EntryBundlePath(bundle);
  }
}

struct BadPath {
  const char* path;
  const char* error;
};

TEST(TilePathTest, RejectsBadTilePaths) {
  const BadPath cases[] = {
      {"", "does not start with \"tile/\""},
      {"/tile/0/000", "does not start with \"tile/\""},
      {"tiles/0/000", "does not start with \"tile/\""},
      {"tile/entries/000", "is an entry bundle, not a hash tile"},
      {"tile/0", "missing tile index"},
      {"tile/0/", "missing tile index"},
      {"tile//000", "empty level"},
      {"tile/00/000", "level \"00\" has a leading zero"},
      {"tile/01/000", "level \"01\" has a leading zero"},
      {"tile/64/000", "level \"64\" is not in 0..63"},
      {"tile/99999999999999999999999/000", "is not in 0..63"},
      {"tile/-1/000", "level \"-1\" is not a decimal number"},
      {"tile/+1/000", "level \"+1\" is not a decimal number"},
      {"tile/a/000", "level \"a\" is not a decimal number"},
      {"tile/0/0", "index element \"0\" is not 3 decimal digits"},
      {"tile/0/00", "index element \"00\" is not 3 decimal digits"},
      {"tile/0/0000", "index element \"0000\" is not 3 decimal digits"},
      {"tile/0/1234", "index element \"1234\" is not 3 decimal digits"},
      {"tile/0/0a0", "index element \"0a0\" is not 3 decimal digits"},
      {"tile/0/-01", "index element \"-01\" is not 3 decimal digits"},
      {"tile/0/ 01", "index element \" 01\" is not 3 decimal digits"},
      {"tile/0/x001", "last index element \"x001\" must not start with 'x'"},
      {"tile/0/001/234", "index element \"001\" must start with 'x'"},
      {"tile/0/x001/234/067", "index element \"234\" must start with 'x'"},
      {"tile/0/x1/234", "index element \"x1\" is not 3 decimal digits"},
      {"tile/0/x0001/234", "index element \"x0001\" is not 3 decimal digits"},
      {"tile/0/x001//234", "index element \"\" must start with 'x'"},
      {"tile/0/x001/x/234", "index element \"x\" is not 3 decimal digits"},
      {"tile/0/x000/234", "index has a leading all-zero element"},
      {"tile/0/x000/x000/000", "index has a leading all-zero element"},
      {"tile/0/000/", "index element \"000\" must start with 'x'"},
      {"tile/0/x018/x446/x744/x073/x709/x551/616", "index overflows 64 bits"},
      {"tile/0/x001/x000/x000/x000/x000/x000/x000/000",
       "index overflows 64 bits"},
      {"tile/0/000.p/0", "partial width \"0\" is not in 1..255"},
      {"tile/0/000.p/256", "partial width \"256\" is not in 1..255"},
      {"tile/0/000.p/1000", "partial width \"1000\" is not in 1..255"},
      {"tile/0/000.p/01", "partial width \"01\" has a leading zero"},
      {"tile/0/000.p/", "empty partial width"},
      {"tile/0/000.p", "index element \"000.p\" is not 3 decimal digits"},
      {"tile/0/000.P/1", "index element \"000.P\" must start with 'x'"},
      {"tile/0/000.p/1/", "partial width \"1/\" is not a decimal number"},
      {"tile/0/000.p/1.p/1", "partial width \"1.p/1\" is not a decimal number"},
      {"tile/0/000.p/+1", "partial width \"+1\" is not a decimal number"},
      {"tile/0/000x", "index element \"000x\" is not 3 decimal digits"},
      {"tile/0/000 ", "index element \"000 \" is not 3 decimal digits"},
      {"tile/0/000?x=1", "index element \"000?x=1\" is not 3 decimal digits"},
      {"tile/0/.p/1", "missing tile index"},
  };
  for (const BadPath& c : cases) {
    EXPECT_THAT(ParseTilePath(c.path),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << "path \"" << c.path << "\"";
  }
}

TEST(TilePathTest, RejectsBadEntryBundlePaths) {
  const BadPath cases[] = {
      {"tile/0/000", "does not start with \"tile/entries/\""},
      {"tile/entries", "does not start with \"tile/entries/\""},
      {"tile/entries/", "missing tile index"},
      {"tile/entries/0/000", "index element \"0\" must start with 'x'"},
      {"tile/entries/01", "index element \"01\" is not 3 decimal digits"},
      {"tile/entries/x000/001", "index has a leading all-zero element"},
      {"tile/entries/000.p/256", "partial width \"256\" is not in 1..255"},
      {"tile/entries/000.p/007", "partial width \"007\" has a leading zero"},
      {"tile/entries/000/", "index element \"000\" must start with 'x'"},
  };
  for (const BadPath& c : cases) {
    EXPECT_THAT(ParseEntryBundlePath(c.path),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << "path \"" << c.path << "\"";
  }
}

TEST(TileIdTest, ValidatesLevelAndWidth) {
  EXPECT_OK(ValidateTileId(TileId{63, kMax, 1}));
  EXPECT_THAT(ValidateTileId(TileId{64, 0, 256}),
              StatusIs(absl::StatusCode::kInvalidArgument, "level 64"));
  EXPECT_THAT(ValidateTileId(TileId{0, 0, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, "width 0"));
  EXPECT_THAT(ValidateTileId(TileId{0, 0, 257}),
              StatusIs(absl::StatusCode::kInvalidArgument, "width 257"));
}

std::vector<TileLevel> Levels(std::vector<TileLevel> levels) { return levels; }

TEST(TileLevelsTest, EdgeSizes) {
  EXPECT_TRUE(TileLevelsForSize(0).empty());
  EXPECT_TRUE(TilesForSize(0).empty());
  EXPECT_EQ(TileLevelsForSize(1), Levels({{0, 0, 1}}));
  EXPECT_EQ(TileLevelsForSize(255), Levels({{0, 0, 255}}));
  EXPECT_EQ(TileLevelsForSize(256), Levels({{0, 1, 0}, {1, 0, 1}}));
  EXPECT_EQ(TileLevelsForSize(257), Levels({{0, 1, 1}, {1, 0, 1}}));
  EXPECT_EQ(TileLevelsForSize(65535), Levels({{0, 255, 255}, {1, 0, 255}}));
  EXPECT_EQ(TileLevelsForSize(65536),
            Levels({{0, 256, 0}, {1, 1, 0}, {2, 0, 1}}));
  EXPECT_EQ(TileLevelsForSize(65537),
            Levels({{0, 256, 1}, {1, 1, 0}, {2, 0, 1}}));
  // The spec's example.
  EXPECT_EQ(TileLevelsForSize(70000),
            Levels({{0, 273, 112}, {1, 1, 17}, {2, 0, 1}}));
  std::vector<TileLevel> largest = TileLevelsForSize(kMax);
  ASSERT_EQ(largest.size(), 8u);
  for (uint8_t l = 0; l < 8; ++l) {
    EXPECT_EQ(largest[l],
              (TileLevel{l, (kMax >> (8 * l)) / 256, 255}));
  }
  EXPECT_EQ(largest[7].full_tiles, 0u);
}

TEST(TileLevelsTest, TilesForSizeListsFullThenPartialPerLevel) {
  const std::vector<TileId> expected_257 = {
      {0, 0, 256}, {0, 1, 1}, {1, 0, 1}};
  EXPECT_EQ(TilesForSize(257), expected_257);
  const std::vector<TileId> expected_256 = {{0, 0, 256}, {1, 0, 1}};
  EXPECT_EQ(TilesForSize(256), expected_256);
  EXPECT_EQ(EntryBundlesForSize(257),
            (std::vector<TileId>{{0, 0, 256}, {0, 1, 1}}));
  std::vector<TileId> tiles = TilesForSize(65537);
  EXPECT_EQ(tiles.size(), 256u + 1 + 1 + 1);
  EXPECT_EQ(tiles[256], (TileId{0, 256, 1}));
  EXPECT_EQ(tiles[257], (TileId{1, 0, 256}));
  EXPECT_EQ(tiles[258], (TileId{2, 0, 1}));
}

TEST(TileForNodeTest, FindsTheTileOfTheTree) {
  // Leaf 300 of a tree of 1000: second level-0 tile, full.
  ASSERT_OK_AND_ASSIGN(TileId t, TileForNode(NodeId{0, 300}, 1000));
  EXPECT_EQ(t, (TileId{0, 1, 256}));
  // Leaf 999: the partial level-0 tile of width 1000 - 768.
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{0, 999}, 1000));
  EXPECT_EQ(t, (TileId{0, 3, 232}));
  // Level 3 node 115 covers leaves [920, 928): same partial tile.
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{3, 115}, 1000));
  EXPECT_EQ(t, (TileId{0, 3, 232}));
  // Level 7 node 1 covers leaves [128, 256): tile 0.
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{7, 1}, 1000));
  EXPECT_EQ(t, (TileId{0, 0, 256}));
  // Level 8 node 2 is a hash of the level-1 tile, partial (width 3).
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{8, 2}, 1000));
  EXPECT_EQ(t, (TileId{1, 0, 3}));
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{16, 0}, 65536));
  EXPECT_EQ(t, (TileId{2, 0, 1}));
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{63, 0}, kMax));
  EXPECT_EQ(t, (TileId{7, 0, 255}));
  ASSERT_OK_AND_ASSIGN(t, TileForNode(NodeId{0, kMax - 1}, kMax));
  EXPECT_EQ(t, (TileId{0, kMax / 256, 255}));
}

TEST(TileForNodeTest, RejectsNodesOutsideTheTree) {
  EXPECT_THAT(TileForNode(NodeId{0, 0}, 0),
              StatusIs(absl::StatusCode::kOutOfRange, "tree of size 0"));
  EXPECT_THAT(TileForNode(NodeId{0, 1000}, 1000),
              StatusIs(absl::StatusCode::kOutOfRange));
  // Covers [992, 1000) only in a bigger tree: not complete at size 1000.
  EXPECT_THAT(TileForNode(NodeId{4, 62}, 1000),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(TileForNode(NodeId{10, 0}, 1000),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(TileForNode(NodeId{64, 0}, kMax),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(TileForNode(NodeId{200, 0}, kMax),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(TileForNodeTest, TilesForNodesDedupesAndSorts) {
  const NodeId plan[] = {{0, 999}, {0, 5}, {3, 1}, {8, 2}, {9, 0}, {0, 998}};
  ASSERT_OK_AND_ASSIGN(std::vector<TileId> tiles, TilesForNodes(plan, 1000));
  EXPECT_EQ(tiles, (std::vector<TileId>{{0, 0, 256}, {0, 3, 232}, {1, 0, 3}}));
  const NodeId beyond[] = {{0, 5}, {0, 1000}};
  EXPECT_THAT(TilesForNodes(beyond, 1000),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(ParentTileTest, FullTilesHashIntoTheLevelAbove) {
  ASSERT_OK_AND_ASSIGN(TileId p, ParentTile(TileId{0, 2, 256}, 1000));
  EXPECT_EQ(p, (TileId{1, 0, 3}));
  ASSERT_OK_AND_ASSIGN(p, ParentTile(TileId{0, 255, 256}, 70000));
  EXPECT_EQ(p, (TileId{1, 0, 256}));
  ASSERT_OK_AND_ASSIGN(p, ParentTile(TileId{1, 0, 256}, 70000));
  EXPECT_EQ(p, (TileId{2, 0, 1}));
  EXPECT_THAT(ParentTile(TileId{0, 3, 232}, 1000),
              StatusIs(absl::StatusCode::kInvalidArgument, "partial tile"));
  EXPECT_THAT(ParentTile(TileId{0, 4, 256}, 1000),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ParentTile(TileId{7, 0, 256}, kMax),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(TileNodesTest, ListsTheHashesOfTheTile) {
  ASSERT_OK_AND_ASSIGN(std::vector<NodeId> nodes, TileNodes(TileId{1, 2, 3}));
  EXPECT_EQ(nodes, (std::vector<NodeId>{{8, 512}, {8, 513}, {8, 514}}));
  ASSERT_OK_AND_ASSIGN(nodes, TileNodes(TileId{0, 0, 256}));
  ASSERT_EQ(nodes.size(), 256u);
  EXPECT_EQ(nodes.back(), (NodeId{0, 255}));
  ASSERT_OK_AND_ASSIGN(nodes, TileNodes(TileId{7, 0, 255}));
  EXPECT_EQ(nodes.back(), (NodeId{56, 254}));
  EXPECT_THAT(TileNodes(TileId{7, 0, 256}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(TileNodes(TileId{8, 0, 1}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(TileNodes(TileId{0, kMax / 256, 256}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_OK(TileNodes(TileId{0, kMax / 256, 255}));
  EXPECT_THAT(TileNodes(TileId{0, 0, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TileEncodingTest, RoundTripsAndRejectsWrongLengths) {
  std::vector<Hash> hashes;
  for (int i = 0; i < 5; ++i) hashes.push_back(HashLeaf(std::to_string(i)));
  std::string bytes = EncodeTile(hashes);
  EXPECT_EQ(bytes.size(), 5 * 32u);
  EXPECT_EQ(bytes.substr(32, 32), std::string(hashes[1].AsStringView()));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> back,
                       DecodeTile(TileId{0, 0, 5}, bytes));
  EXPECT_EQ(back, hashes);
  EXPECT_THAT(DecodeTile(TileId{0, 0, 4}, bytes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "must be 128 bytes (4 hashes), got 160"));
  EXPECT_THAT(DecodeTile(TileId{0, 0, 5}, bytes.substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "got 159"));
  EXPECT_THAT(DecodeTile(TileId{0, 0, 5}, bytes + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "got 161"));
  EXPECT_THAT(DecodeTile(TileId{0, 0, 256}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "must be 8192 bytes (256 hashes), got 0"));
  EXPECT_THAT(DecodeTile(TileId{0, 0, 0}, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, "width 0"));
}

// Folds the right-edge subtrees of every partial tile, top level first, the
// way RFC 9162 MTH folds the right edge of a tree.
Hash RootFromPartialTiles(const testing::TileLayout& layout) {
  std::vector<Hash> edge;
  std::vector<TileId> tiles = TilesForSize(layout.size);
  for (auto it = tiles.rbegin(); it != tiles.rend(); ++it) {
    if (it->full()) continue;
    absl::StatusOr<std::vector<Hash>> hashes =
        DecodeTile(*it, layout.tiles.at(*it));
    absl::StatusOr<std::vector<TileSubtree>> subtrees =
        TileSubtrees(*it, *hashes);
    for (const TileSubtree& s : *subtrees) edge.push_back(s.hash);
  }
  Hash root = edge.back();
  for (size_t i = edge.size() - 1; i-- > 0;) root = HashChildren(edge[i], root);
  return root;
}

TEST(TileSubtreesTest, MatchReferenceNodesAndRoots) {
  for (uint64_t size : {1, 2, 255, 256, 257, 1000, 65537}) {
    std::vector<std::string> entries = testing::TestEntries(size);
    std::vector<Hash> leaves;
    for (const std::string& e : entries) leaves.push_back(HashLeaf(e));
    std::vector<std::vector<Hash>> ref = testing::ReferenceNodes(leaves);
    testing::TileLayout layout = testing::BuildTileLayout(entries);
    std::vector<NodeId> edge_nodes;
    for (const auto& [tile, bytes] : layout.tiles) {
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> hashes, DecodeTile(tile, bytes));
      ASSERT_OK_AND_ASSIGN(std::vector<TileSubtree> subtrees,
                           TileSubtrees(tile, hashes));
      if (tile.full()) {
        ASSERT_EQ(subtrees.size(), 1u);
      }
      for (const TileSubtree& s : subtrees) {
        EXPECT_EQ(s.hash, ref.at(s.node.level).at(s.node.index))
            << "size " << size << " tile " << tile << " node " << s.node;
        if (!tile.full()) edge_nodes.push_back(s.node);
      }
    }
    // Partial tiles hold exactly the right edge: one node per set bit.
    std::vector<NodeId> expected_edge;
    for (int b = 0; b < 64; ++b) {
      if (size & (uint64_t{1} << b)) {
        expected_edge.push_back(NodeId{static_cast<uint8_t>(b),
                                       (size >> b) - 1});
      }
    }
    std::sort(edge_nodes.begin(), edge_nodes.end());
    EXPECT_EQ(edge_nodes, expected_edge) << "size " << size;
    EXPECT_EQ(RootFromPartialTiles(layout), testing::ReferenceRoot(leaves))
        << "size " << size;
  }
}

TEST(TileSubtreesTest, RejectsWrongHashCount) {
  std::vector<Hash> hashes(3, HashLeaf("a"));
  EXPECT_THAT(TileSubtrees(TileId{0, 0, 4}, hashes),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "holds 4 hashes, got 3"));
}

TEST(HashNodeInTileTest, ComputesEveryNodeOfEveryTile) {
  const uint64_t size = 1000;
  std::vector<std::string> entries = testing::TestEntries(size);
  std::vector<Hash> leaves;
  for (const std::string& e : entries) leaves.push_back(HashLeaf(e));
  std::vector<std::vector<Hash>> ref = testing::ReferenceNodes(leaves);
  testing::TileLayout layout = testing::BuildTileLayout(entries);
  size_t checked = 0;
  for (uint8_t level = 0; level < ref.size(); ++level) {
    for (uint64_t index = 0; index < ref[level].size(); ++index) {
      NodeId node{level, index};
      ASSERT_OK_AND_ASSIGN(TileId tile, TileForNode(node, size));
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> hashes,
                           DecodeTile(tile, layout.tiles.at(tile)));
      ASSERT_OK_AND_ASSIGN(Hash hash, HashNodeInTile(tile, hashes, node));
      EXPECT_EQ(hash, ref[level][index]) << node;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 1000u + 500 + 250 + 125 + 62 + 31 + 15 + 7 + 3 + 1);
}

TEST(HashNodeInTileTest, RejectsNodesOutsideTheTile) {
  std::vector<Hash> hashes(232, HashLeaf("a"));
  TileId tile{0, 3, 232};
  EXPECT_OK(HashNodeInTile(tile, hashes, NodeId{0, 768}));
  EXPECT_OK(HashNodeInTile(tile, hashes, NodeId{3, 96 + 28}));
  EXPECT_THAT(HashNodeInTile(tile, hashes, NodeId{0, 767}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not computable from tile tile/0/003.p/232"));
  EXPECT_THAT(HashNodeInTile(tile, hashes, NodeId{0, 1000}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Leaves [992, 1000) are in the tile but [992, 1008) is not.
  EXPECT_THAT(HashNodeInTile(tile, hashes, NodeId{4, 62}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HashNodeInTile(tile, hashes, NodeId{8, 3}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HashNodeInTile(tile, hashes, NodeId{9, 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HashNodeInTile(TileId{1, 0, 3}, hashes, NodeId{8, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, "holds 3 hashes"));
  EXPECT_THAT(HashNodeInTile(TileId{1, 0, 232}, hashes, NodeId{7, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vitrine::merkle
