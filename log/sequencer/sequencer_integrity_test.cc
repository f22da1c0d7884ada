// The sequencer's integrity checks against stored tiles changed behind its
// back: at startup (a flipped bit on disk with valid RocksDB checksums) and
// while running (the check before signing).
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"
#include "log/sequencer/sequencer.h"
#include "log/sequencer/sequencer_testing.h"

namespace vitrine::sequencer {
namespace {

using ::vitrine::sequencer::testing::AddAndWait;
using ::vitrine::sequencer::testing::OverwriteStoredTile;
using ::vitrine::sequencer::testing::OverwriteStoredTileInterior;
using ::vitrine::testing::StatusIs;

class SequencerIntegrityTest : public testing::SequencerFixture {
 protected:
  // Appends 300 entries: level 0 holds full tile 0 and partial tile 1 (44
  // hashes), level 1 the partial tile 0 (1 hash).
  void Append300() {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
    for (int i = 0; i < 300; ++i) {
      sequencer->Add(AddRequest{Leaf(i), std::nullopt},
                     [](absl::StatusOr<AddResult> r) { EXPECT_OK(r); });
    }
    sequencer->Stop();
    ASSERT_EQ(sequencer->Published()->checkpoint.size, 300u);
  }

  // Returns the stored tile with bit 0 of byte `byte` flipped.
  std::string FlippedTile(uint8_t level, uint64_t index, size_t byte) {
    absl::StatusOr<std::string> tile = store_->ReadTile(level, index);
    EXPECT_OK(tile);
    std::string bytes = tile.ok() ? *tile : std::string();
    if (byte < bytes.size()) bytes[byte] ^= 0x01;
    return bytes;
  }

  static std::string Leaf(int i) { return absl::StrCat("statement ", i, "\n"); }
};

TEST_F(SequencerIntegrityTest, StartRefusesAFlippedBitInAFullTile) {
  Append300();
  // Leaf hash 17 of full tile 0: not on the right edge, so only the check
  // of full tiles against their parents can see it.
  const std::string bad = FlippedTile(0, 0, 17 * 32 + 5);
  CloseStore();
  ASSERT_OK(OverwriteStoredTile(path_, 0, 0, bad));
  ReopenStore();
  EXPECT_THAT(StartSequencer(),
              StatusIs(absl::StatusCode::kDataLoss, "tile/0/000 hashes to"));
}

TEST_F(SequencerIntegrityTest, TheSequencerStoresEachFullTilesInterior) {
  Append300();
  ASSERT_OK_AND_ASSIGN(std::string tile, store_->ReadTile(0, 0, 256));
  ASSERT_OK_AND_ASSIGN(std::vector<merkle::Hash> hashes,
                       merkle::DecodeTile(merkle::TileId{0, 0, 256}, tile));
  ASSERT_OK_AND_ASSIGN(std::vector<merkle::Hash> want,
                       merkle::TileInterior(hashes));
  ASSERT_OK_AND_ASSIGN(std::string interior, store_->ReadTileInterior(0, 0));
  EXPECT_EQ(interior, merkle::EncodeTile(want));
  // Partial tiles have none.
  EXPECT_THAT(store_->ReadTileInterior(0, 1),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SequencerIntegrityTest, StartRefusesAWrongStoredInterior) {
  Append300();
  // Node 3/5 of tile 0/0 (interior position 192 + 5), its root untouched:
  // only recomputing the interior from the tile can see it.
  ASSERT_OK_AND_ASSIGN(std::string interior, store_->ReadTileInterior(0, 0));
  interior[(merkle::TileInteriorOffset(3) + 5) * 32 + 9] ^= 0x01;
  CloseStore();
  ASSERT_OK(OverwriteStoredTileInterior(path_, 0, 0, interior));
  ReopenStore();
  EXPECT_THAT(StartSequencer(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the stored interior of tile/0/000 holds a wrong hash "
                       "for node 3/5"));
  // Without the full check it is trusted, as store.h "Integrity" says: a
  // proof through it is wrong, and would fail a client's verification.
  SequencerOptions unchecked;
  unchecked.verify_full_tiles_on_start = false;
  EXPECT_OK(StartSequencer(unchecked));
}

TEST_F(SequencerIntegrityTest, AnInteriorOfAnotherTileIsCaughtOnLoad) {
  Append300();
  ASSERT_OK_AND_ASSIGN(std::string interior, store_->ReadTileInterior(0, 0));
  interior[interior.size() - 1] ^= 0x01;  // its root
  CloseStore();
  ASSERT_OK(OverwriteStoredTileInterior(path_, 0, 0, interior));
  ReopenStore();
  // With the parent tile 1/0 cached (as upper tiles nearly always are), a
  // proof that loads tile 0/0 compares the interior's root with it.
  ASSERT_OK(store_->hash_reader().ReadHashes({merkle::NodeId{8, 0}}));
  EXPECT_THAT(merkle::InclusionProof(5, 300, store_->hash_reader()),
              StatusIs(absl::StatusCode::kDataLoss,
                       "the stored interior of tile 0/0 ends in"));
  EXPECT_THAT(StartSequencer(), StatusIs(absl::StatusCode::kDataLoss,
                                         "stored interior of tile/0/000"));
}

TEST_F(SequencerIntegrityTest, StartRefusesAFlippedBitOnTheRightEdge) {
  Append300();
  const std::string bad = FlippedTile(1, 0, 3);
  CloseStore();
  ASSERT_OK(OverwriteStoredTile(path_, 1, 0, bad));
  ReopenStore();
  EXPECT_THAT(StartSequencer(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "root recomputed from the stored tiles"));
}

TEST_F(SequencerIntegrityTest, StartRefusesATileBeyondTheCheckpoint) {
  Append300();
  // The store lets a partial tile grow; one that grew without a checkpoint
  // covering it was not written by the sequencer.
  std::string wider = FlippedTile(1, 0, 0) + std::string(32, '\x42');
  CloseStore();
  ASSERT_OK(OverwriteStoredTile(path_, 1, 0, wider));
  ReopenStore();
  EXPECT_THAT(StartSequencer(),
              StatusIs(absl::StatusCode::kDataLoss, "tile/1/000.p/1 holds 64 bytes"));
}

TEST_F(SequencerIntegrityTest, TheCheckBeforeSigningStopsTheLog) {
  Append300();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Sequencer> sequencer, StartSequencer());
  const std::shared_ptr<const PublishedState> before = sequencer->Published();

  // The next batch (size 301) rewrites level-0 tile 1 from memory and reads
  // the level-1 edge tile (1 hash) back from the store. The store's Commit
  // only ever lets a stored tile grow, so the change behind the sequencer's
  // back is a second hash in it, beyond the signed tree.
  ASSERT_OK_AND_ASSIGN(std::string edge, store_->ReadTile(1, 0));
  storage::WriteBatch tamper;
  tamper.PutTile(merkle::TileId{1, 0, 2}, edge + std::string(32, '\x42'));
  ASSERT_OK(store_->Commit(tamper));

  EXPECT_THAT(AddAndWait(*sequencer, Leaf(300)),
              StatusIs(absl::StatusCode::kDataLoss, "refusing to sign tree size 301"));
  // Nothing signed, nothing committed, nothing published.
  ASSERT_OK_AND_ASSIGN(auto stored, store_->LatestCheckpoint());
  EXPECT_EQ(stored->size, 300u);
  EXPECT_EQ(stored->signed_note, before->signed_note);
  EXPECT_EQ(store_->EntryCount(), 300u);
  EXPECT_EQ(sequencer->Published(), before);
  EXPECT_THAT(sequencer->health(), StatusIs(absl::StatusCode::kDataLoss));
  // Every later Add fails the same way, even a duplicate.
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(301)),
              StatusIs(absl::StatusCode::kDataLoss, "refusing to sign"));
  EXPECT_THAT(AddAndWait(*sequencer, Leaf(0)),
              StatusIs(absl::StatusCode::kDataLoss, "refusing to sign"));
}

}  // namespace
}  // namespace vitrine::sequencer
