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
#include "log/merkle/tile.h"
#include "log/sequencer/sequencer.h"
#include "log/sequencer/sequencer_testing.h"

namespace vitrine::sequencer {
namespace {

using ::vitrine::sequencer::testing::AddAndWait;
using ::vitrine::sequencer::testing::OverwriteStoredTile;
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
