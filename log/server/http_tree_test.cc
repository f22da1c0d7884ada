// A client's view of the whole log over HTTP: every tile and entry bundle
// fetched from the server authenticates against /checkpoint, read the way a
// monitor would, through merkle::TileHashReader over an HTTP TileReader.
#include <httplib.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/entry_bundle.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_hash_reader.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/sequencer/sequencer_testing.h"
#include "log/server/internal/http_test_fixture.h"

namespace vitrine::server {
namespace {

using ::vitrine::sequencer::testing::kOrigin;

// Reads tiles with GET <path>: what a monitor does. Not thread-safe (one
// httplib::Client).
class HttpTileReader : public merkle::TileReader {
 public:
  explicit HttpTileReader(httplib::Client* client) : client_(client) {}

  absl::StatusOr<std::vector<std::string>> ReadTiles(
      absl::Span<const merkle::TileId> tiles) override {
    std::vector<std::string> out;
    for (const merkle::TileId& tile : tiles) {
      VITRINE_ASSIGN_OR_RETURN(std::string body,
                               Fetch("/" + merkle::TilePath(tile)));
      out.push_back(std::move(body));
    }
    return out;
  }

  absl::StatusOr<std::string> Fetch(const std::string& path) {
    ++fetches_;
    httplib::Result r = client_->Get(path.c_str());
    if (!r)
      return absl::UnavailableError(absl::StrCat("GET ", path, " failed"));
    if (r->status == 404) return absl::NotFoundError(path);
    if (r->status != 200) {
      return absl::UnknownError(absl::StrCat("GET ", path, ": ", r->status));
    }
    return r->body;
  }

  int fetches() const { return fetches_; }

 private:
  httplib::Client* client_;
  int fetches_ = 0;
};

class HttpTreeTest : public testing::HttpServerFixture {
 protected:
  // Builds a log of `size` leaves and checks it the way a monitor would.
  void CheckTreeOverHttp(uint64_t size);
};

void HttpTreeTest::CheckTreeOverHttp(uint64_t size) {
  AddLeaves(0, size);
  StartHttp();

  HttpTileReader http(client_.get());
  ASSERT_OK_AND_ASSIGN(std::string note, http.Fetch("/checkpoint"));
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint verified,
                       note::OpenCheckpoint(note, kOrigin, log_keys_));
  const note::Checkpoint& checkpoint = verified.checkpoint;
  ASSERT_EQ(checkpoint.size, size);
  merkle::TileHashReader reader(checkpoint.size, checkpoint.root, &http);

  // Every tile the tree serves, read through the verifying reader (which
  // fails with DataLoss unless the tile hashes up to the root), and equal
  // to the bytes served at its path.
  std::map<uint64_t, std::vector<merkle::Hash>> leaf_tiles;
  for (const merkle::TileId& tile : merkle::TilesForSize(size)) {
    SCOPED_TRACE(merkle::TilePath(tile));
    ASSERT_OK_AND_ASSIGN(std::vector<merkle::NodeId> nodes,
                         merkle::TileNodes(tile));
    ASSERT_OK_AND_ASSIGN(std::vector<merkle::Hash> hashes,
                         reader.ReadHashes(nodes));
    ASSERT_OK_AND_ASSIGN(std::string bytes,
                         http.Fetch("/" + merkle::TilePath(tile)));
    EXPECT_EQ(bytes, merkle::EncodeTile(hashes));
    if (tile.level == 0) leaf_tiles[tile.index] = std::move(hashes);
  }

  // Every entry bundle: its entries hash to the level-0 tile's hashes.
  uint64_t next = 0;
  for (const merkle::TileId& tile : merkle::EntryBundlesForSize(size)) {
    SCOPED_TRACE(merkle::EntryBundlePath(tile));
    ASSERT_OK_AND_ASSIGN(std::string bundle,
                         http.Fetch("/" + merkle::EntryBundlePath(tile)));
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> entries,
                         merkle::DecodeEntryBundle(bundle, tile.width));
    const std::vector<merkle::Hash>& hashes = leaf_tiles[tile.index];
    ASSERT_EQ(hashes.size(), entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      ASSERT_EQ(merkle::HashLeaf(entries[i]), hashes[i]) << "entry " << next;
      ASSERT_EQ(entries[i], testing::Leaf(next));
      ++next;
    }
  }
  EXPECT_EQ(next, size);

  // Proofs computed from the served tiles verify against the checkpoint.
  for (uint64_t index : {uint64_t{0}, size / 2, size - 1}) {
    ASSERT_OK_AND_ASSIGN(std::vector<merkle::Hash> proof,
                         merkle::InclusionProof(index, size, reader));
    EXPECT_OK(merkle::VerifyInclusion(index, size,
                                      merkle::HashLeaf(testing::Leaf(index)),
                                      proof, checkpoint.root));
  }
}

// Not TEST_P: the fixture names its store folder after the test, and a
// parameterised test's name holds a slash.
TEST_F(HttpTreeTest, OneLeaf) { CheckTreeOverHttp(1); }
TEST_F(HttpTreeTest, OneFullTile) { CheckTreeOverHttp(256); }
// 19 full leaf tiles and a partial one, under a partial level-1 tile.
TEST_F(HttpTreeTest, FewThousandLeaves) { CheckTreeOverHttp(5000); }
// The tlog-tiles example: 273 full leaf tiles and a partial one of 112, a
// full and a partial level-1 tile, a partial level-2 tile.
TEST_F(HttpTreeTest, SpecExampleSize) { CheckTreeOverHttp(70000); }

}  // namespace
}  // namespace vitrine::server
