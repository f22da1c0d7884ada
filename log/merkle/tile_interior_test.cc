#include "log/merkle/tile_interior.h"

#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_testing.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::testing::StatusIs;

TEST(TileInteriorTest, OffsetsFollowTheLevels) {
  EXPECT_EQ(TileInteriorOffset(1), 0u);
  EXPECT_EQ(TileInteriorOffset(2), 128u);
  EXPECT_EQ(TileInteriorOffset(3), 192u);
  EXPECT_EQ(TileInteriorOffset(7), 252u);
  EXPECT_EQ(TileInteriorOffset(8), 254u);
  EXPECT_EQ(TileInteriorOffset(8) + 1, kTileInteriorSize);
}

// Compares every interior node of level-0 tile 2 of a 1000-leaf tree with
// the same node read from the in-memory reference tree, and with
// HashNodeInTile.
TEST(TileInteriorTest, EqualsTheTreesNodes) {
  MemoryHashStore tree;
  std::vector<Hash> leaves;
  for (const std::string& entry : testing::TestEntries(1000)) {
    leaves.push_back(HashLeaf(entry));
    tree.Append(leaves.back());
  }
  const TileId tile{0, 2, kTileWidth};
  absl::Span<const Hash> hashes = absl::MakeConstSpan(leaves).subspan(512, 256);
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> interior, TileInterior(hashes));
  ASSERT_EQ(interior.size(), kTileInteriorSize);
  std::vector<NodeId> nodes;
  std::vector<Hash> expected;
  for (int k = 1; k <= kTileHeight; ++k) {
    const uint64_t per_tile = kTileWidth >> k;
    for (uint64_t j = 0; j < per_tile; ++j) {
      const NodeId node{static_cast<uint8_t>(k), 2 * per_tile + j};
      nodes.push_back(node);
      ASSERT_OK_AND_ASSIGN(Hash in_tile, HashNodeInTile(tile, hashes, node));
      expected.push_back(in_tile);
      EXPECT_EQ(interior[TileInteriorOffset(k) + j], in_tile) << node;
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> from_tree, tree.ReadHashes(nodes));
  EXPECT_EQ(from_tree, expected);
  EXPECT_EQ(interior, from_tree);
}

TEST(TileInteriorTest, NeedsAFullTile) {
  std::vector<Hash> partial(255, HashLeaf("x"));
  EXPECT_THAT(TileInterior(partial), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TileInterior({}), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vitrine::merkle
