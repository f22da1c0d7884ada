#include "log/merkle/tile_hash_reader.h"

#include <map>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile_testing.h"
#include "log/merkle/verify.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::testing::ListVectorFiles;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

// Serves tiles from memory and records what it was asked for.
class MemoryTileReader : public TileReader {
 public:
  explicit MemoryTileReader(std::map<TileId, std::string> tiles)
      : tiles_(std::move(tiles)) {}

  absl::StatusOr<std::vector<std::string>> ReadTiles(
      absl::Span<const TileId> tiles) override {
    calls_.emplace_back(tiles.begin(), tiles.end());
    std::vector<std::string> out;
    for (const TileId& t : tiles) {
      auto it = tiles_.find(t);
      if (it == tiles_.end()) {
        return absl::NotFoundError(absl::StrCat("no ", TilePath(t)));
      }
      out.push_back(it->second);
    }
    return out;
  }

  std::map<TileId, std::string>& tiles() { return tiles_; }
  const std::vector<std::vector<TileId>>& calls() const { return calls_; }

 private:
  std::map<TileId, std::string> tiles_;
  std::vector<std::vector<TileId>> calls_;
};

// A tree served as tiles: its tiles, the reference hash of every complete
// subtree, and the root a verified checkpoint gives.
struct TiledTree {
  uint64_t size;
  Hash root;
  testing::TileLayout layout;
  std::vector<std::vector<Hash>> nodes;
};

TiledTree BuildTree(absl::string_view entry_prefix, uint64_t size) {
  std::vector<std::string> entries = testing::TestEntries(entry_prefix, size);
  std::vector<Hash> leaves;
  for (const std::string& e : entries) leaves.push_back(HashLeaf(e));
  return TiledTree{size, testing::ReferenceRoot(leaves),
                   testing::BuildTileLayout(entries),
                   testing::ReferenceNodes(leaves)};
}

// The tree of a tiles/size-N.json vector, rebuilt from its entry prefix and
// size, with the root the vector states (from the independent implementation)
// as the trusted root.
TiledTree LoadVectorTree(const std::string& file) {
  nlohmann::json v = ReadVectorJson(file);
  TiledTree tree = BuildTree(v["entry_prefix"].get<std::string>(),
                             v["size"].get<uint64_t>());
  tree.root = *Hash::FromHex(v["root"].get<std::string>());
  return tree;
}

// A tree of this test's own, for cases that need a particular shape.
TiledTree SyntheticTree(uint64_t size) { return BuildTree("entry-", size); }

// Returns a spread of node ids at every level: all of the small levels, the
// ends and a stride through the large ones.
std::vector<NodeId> SampleNodes(const TiledTree& tree) {
  std::vector<NodeId> sample;
  for (uint8_t level = 0; level < tree.nodes.size(); ++level) {
    uint64_t count = tree.nodes[level].size();
    uint64_t stride = count <= 64 ? 1 : count / 37;
    for (uint64_t i = 0; i < count; i += stride) sample.push_back({level, i});
    if (count > 0 && (count - 1) % stride != 0) {
      sample.push_back({level, count - 1});
    }
  }
  return sample;
}

TEST(TileHashReaderTest, ReadsNodesAtAllLevels) {
  for (const std::string& file : ListVectorFiles("tiles")) {
    SCOPED_TRACE(file);
    TiledTree tree = LoadVectorTree(file);
    MemoryTileReader tiles(tree.layout.tiles);
    TileHashReader reader(tree.size, tree.root, &tiles);
    std::vector<NodeId> sample = SampleNodes(tree);
    // One node per call, then everything in one call.
    for (const NodeId& node : sample) {
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> got, reader.ReadHashes({node}));
      ASSERT_EQ(got.size(), 1u);
      EXPECT_EQ(got[0], tree.nodes[node.level][node.index]) << node;
    }
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> all, reader.ReadHashes(sample));
    ASSERT_EQ(all.size(), sample.size());
    for (size_t i = 0; i < sample.size(); ++i) {
      EXPECT_EQ(all[i], tree.nodes[sample[i].level][sample[i].index])
          << sample[i];
    }
  }
}

TEST(TileHashReaderTest, ReadsEachTileOncePerCallAndTheEdgeOnce) {
  TiledTree tree = SyntheticTree(70000);
  MemoryTileReader tiles(tree.layout.tiles);
  TileHashReader reader(70000, tree.root, &tiles);
  const NodeId first[] = {{0, 0}, {0, 1}, {3, 7}, {0, 255}};
  ASSERT_OK(reader.ReadHashes(first));
  ASSERT_EQ(tiles.calls().size(), 1u);
  // The leaf tile, its parent chain, and the right edge; each once.
  EXPECT_EQ(tiles.calls()[0],
            (std::vector<TileId>{{0, 0, 256}, {0, 273, 112}, {1, 0, 256},
                                 {1, 1, 17}, {2, 0, 1}}));
  const NodeId second[] = {{0, 300}, {8, 256}, {0, 69999}};
  ASSERT_OK(reader.ReadHashes(second));
  ASSERT_EQ(tiles.calls().size(), 2u);
  // The edge is kept; tile/1/000 is read again to authenticate tile/0/001.
  EXPECT_EQ(tiles.calls()[1],
            (std::vector<TileId>{{0, 1, 256}, {1, 0, 256}}));
  ASSERT_OK(reader.ReadHashes(std::vector<NodeId>{{0, 69999}, {16, 0}}));
  EXPECT_EQ(tiles.calls().size(), 2u);  // all from the authenticated edge
}

TEST(TileHashReaderTest, NodesOutsideTheTreeAreNotFound) {
  TiledTree tree = SyntheticTree(1000);
  MemoryTileReader tiles(tree.layout.tiles);
  TileHashReader reader(1000, tree.root, &tiles);
  EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{0, 1000}}),
              StatusIs(absl::StatusCode::kNotFound, "size 1000"));
  EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{0, 1}, {10, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{3, 125}}),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> none, reader.ReadHashes({}));
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(tiles.calls().empty());

  MemoryTileReader no_tiles({});
  TileHashReader empty(0, EmptyRoot(), &no_tiles);
  EXPECT_THAT(empty.ReadHashes(std::vector<NodeId>{{0, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(TileHashReaderTest, PassesTileReaderErrorsThrough) {
  TiledTree tree = SyntheticTree(1000);
  std::map<TileId, std::string> tiles_map = tree.layout.tiles;
  tiles_map.erase(TileId{0, 1, 256});
  MemoryTileReader tiles(tiles_map);
  TileHashReader reader(1000, tree.root, &tiles);
  EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{0, 300}}),
              StatusIs(absl::StatusCode::kNotFound, "no tile/0/001"));
  EXPECT_OK(reader.ReadHashes(std::vector<NodeId>{{0, 600}}));
}

TEST(TileHashReaderTest, WrongRootFailsEveryRead) {
  TiledTree tree = SyntheticTree(257);
  MemoryTileReader tiles(tree.layout.tiles);
  TileHashReader reader(257, HashLeaf("not the root"), &tiles);
  EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{0, 0}}),
              StatusIs(absl::StatusCode::kDataLoss,
                       "do not hash to the trusted root"));
  // A tree size that does not match the tiles is caught the same way.
  MemoryTileReader more_tiles(SyntheticTree(1000).layout.tiles);
  TileHashReader wrong_size(1000, tree.root, &more_tiles);
  EXPECT_THAT(wrong_size.ReadHashes(std::vector<NodeId>{{0, 0}}),
              StatusIs(absl::StatusCode::kDataLoss));
}

// Flips one byte of every tile in turn; reading any node that lives in that
// tile must fail as DataLoss, through a fresh reader each time (a reader
// keeps the right edge it has authenticated).
TEST(TileHashReaderTest, AnyFlippedByteInAnyTileIsDataLoss) {
  for (const std::string& file : ListVectorFiles("tiles")) {
    SCOPED_TRACE(file);
    TiledTree tree = LoadVectorTree(file);
    const uint64_t size = tree.size;
    size_t flipped = 0;
    for (const auto& [tile, bytes] : tree.layout.tiles) {
      MemoryTileReader tiles(tree.layout.tiles);
      std::string& corrupt = tiles.tiles()[tile];
      size_t pos = (tile.index * 7919 + tile.level * 31 + 5) % corrupt.size();
      corrupt[pos] = static_cast<char>(corrupt[pos] ^ 0x01);
      TileHashReader reader(size, tree.root, &tiles);
      ASSERT_OK_AND_ASSIGN(std::vector<NodeId> held, TileNodes(tile));
      EXPECT_THAT(reader.ReadHashes({held.front()}),
                  StatusIs(absl::StatusCode::kDataLoss))
          << TilePath(tile) << " byte " << pos;
      EXPECT_THAT(reader.ReadHashes({held.back()}),
                  StatusIs(absl::StatusCode::kDataLoss))
          << TilePath(tile) << " byte " << pos;
      ++flipped;
    }
    EXPECT_EQ(flipped, TilesForSize(size).size());
  }
}

TEST(TileHashReaderTest, CorruptLeafTileDoesNotSpoilOthers) {
  TiledTree tree = SyntheticTree(70000);
  MemoryTileReader tiles(tree.layout.tiles);
  tiles.tiles()[TileId{0, 5, 256}][100] ^= 0x80;
  TileHashReader reader(70000, tree.root, &tiles);
  EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{0, 5 * 256 + 3}}),
              StatusIs(absl::StatusCode::kDataLoss,
                       "tile tile/0/005 does not hash to its hash in tile "
                       "tile/1/000"));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> ok,
                       reader.ReadHashes(std::vector<NodeId>{{0, 6 * 256}}));
  EXPECT_EQ(ok[0], tree.nodes[0][6 * 256]);
}

TEST(TileHashReaderTest, WrongLengthTileIsDataLoss) {
  TiledTree tree = SyntheticTree(1000);
  for (const TileId tile : {TileId{0, 1, 256}, TileId{0, 3, 232}}) {
    MemoryTileReader tiles(tree.layout.tiles);
    tiles.tiles()[tile].push_back('\0');
    TileHashReader reader(1000, tree.root, &tiles);
    EXPECT_THAT(reader.ReadHashes(std::vector<NodeId>{{0, tile.index * 256}}),
                StatusIs(absl::StatusCode::kDataLoss, "got"))
        << TilePath(tile);
  }
}

TEST(TileHashReaderTest, ProofsThroughTilesVerify) {
  for (const std::string& file : ListVectorFiles("tiles")) {
    SCOPED_TRACE(file);
    TiledTree tree = LoadVectorTree(file);
    const uint64_t size = tree.size;
    MemoryTileReader tiles(tree.layout.tiles);
    TileHashReader reader(size, tree.root, &tiles);
    ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(size, reader));
    EXPECT_EQ(root, tree.root);
    for (uint64_t index = 0; index < size; index += 1 + size / 23) {
      for (uint64_t in_size : {index + 1, (index + size + 1) / 2, size}) {
        ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                             InclusionProof(index, in_size, reader));
        Hash in_root = testing::ReferenceRoot(
            absl::MakeConstSpan(tree.nodes[0]).subspan(0, in_size));
        EXPECT_OK(VerifyInclusion(index, in_size, tree.nodes[0][index], proof,
                                  in_root))
            << index << " in " << in_size;
        ASSERT_OK_AND_ASSIGN(std::vector<Hash> consistency,
                             ConsistencyProof(in_size, size, reader));
        EXPECT_OK(VerifyConsistency(in_size, size, in_root, tree.root,
                                    consistency))
            << in_size << " to " << size;
      }
    }
  }
}

// Every inclusion vector, read through the tiles of a log of its tree size
// with the vector's root as the trusted root.
TEST(TileHashReaderTest, ProofsMatchTheVectors) {
  nlohmann::json v = ReadVectorJson("inclusion_proofs.json");
  const std::string prefix =
      ReadVectorJson("hashes.json")["entry_prefix"].get<std::string>();
  std::map<uint64_t, std::map<TileId, std::string>> tiles_by_size;
  size_t checked = 0;
  for (const auto& item : v["valid"]) {
    uint64_t size = item["size"].get<uint64_t>();
    if (!tiles_by_size.count(size)) {
      tiles_by_size.emplace(
          size,
          testing::BuildTileLayout(testing::TestEntries(prefix, size)).tiles);
    }
    MemoryTileReader tiles(tiles_by_size.at(size));
    ASSERT_OK_AND_ASSIGN(Hash root,
                         Hash::FromHex(item["root"].get<std::string>()));
    TileHashReader reader(size, root, &tiles);
    ASSERT_OK_AND_ASSIGN(
        std::vector<Hash> proof,
        InclusionProof(item["index"].get<uint64_t>(), size, reader));
    std::vector<std::string> hex;
    for (const Hash& h : proof) hex.push_back(h.ToHex());
    EXPECT_EQ(hex, item["proof"].get<std::vector<std::string>>());
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  EXPECT_EQ(checked, v["valid"].size());
}

}  // namespace
}  // namespace vitrine::merkle
