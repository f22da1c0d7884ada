// Store with a real RocksDB in TEST_TMPDIR: entries, indexes, checkpoints,
// Commit's checks, reopening and the folder lock. Proofs: store_proof_test.cc.
#include "log/storage/store.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile.h"
#include "log/merkle/tile_interior.h"
#include "log/merkle/tile_testing.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::storage {
namespace {

using merkle::Hash;
using merkle::HashLeaf;
using merkle::TileId;
using merkle::testing::TestEntries;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using storage::testing::FreshTestDir;
using storage::testing::TestCheckpointNote;
using storage::testing::TestLog;
using ::vitrine::testing::StatusIs;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
    ASSERT_OK(store);
    store_ = *std::move(store);
  }

  StoreOptions Options() const {
    StoreOptions options;
    options.path = dir_;
    options.block_cache_bytes = 1 << 20;
    options.tile_cache_tiles = 64;
    return options;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, NewStoreIsEmpty) {
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> latest,
                       store_->LatestCheckpoint());
  EXPECT_FALSE(latest.has_value());
  EXPECT_EQ(store_->EntryCount(), 0u);
  EXPECT_THAT(store_->GetEntry(0), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> none, store_->GetEntries(0, 0));
  EXPECT_THAT(none, IsEmpty());
  EXPECT_THAT(store_->CheckpointAt(0), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, CheckpointAtMostFindsTheLargestSignedSizeBelow) {
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> none, store_->CheckpointAtMost(10));
  EXPECT_FALSE(none.has_value());
  TestLog log(store_.get());
  const std::vector<std::string> entries = TestEntries(15);
  for (size_t begin : {0, 5, 10}) {
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(begin, 5)));
  }
  // Checkpoints at 5, 10 and 15.
  for (const auto& [at_most, expected] :
       std::vector<std::pair<uint64_t, uint64_t>>{{5, 5}, {9, 5}, {10, 10}, {14, 10}, {99, 15}}) {
    ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> found,
                         store_->CheckpointAtMost(at_most));
    ASSERT_TRUE(found.has_value()) << at_most;
    EXPECT_EQ(found->size, expected) << at_most;
    ASSERT_OK_AND_ASSIGN(std::string exact, store_->CheckpointAt(expected));
    EXPECT_EQ(found->signed_note, exact);
  }
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> below, store_->CheckpointAtMost(4));
  EXPECT_FALSE(below.has_value());
}

TEST_F(StoreTest, EntriesReadBackOneByOneAndInRanges) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(600);
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 250)));
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(250)));
  EXPECT_EQ(store_->EntryCount(), 600u);
  for (uint64_t i : {0, 1, 255, 256, 599}) {
    ASSERT_OK_AND_ASSIGN(std::string entry, store_->GetEntry(i));
    EXPECT_EQ(entry, entries[i]);
  }
  EXPECT_THAT(store_->GetEntry(600), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> range,
                       store_->GetEntries(240, 520));
  EXPECT_EQ(range, std::vector<std::string>(entries.begin() + 240,
                                            entries.begin() + 520));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> all, store_->GetEntries(0, 600));
  EXPECT_EQ(all, entries);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> empty,
                       store_->GetEntries(600, 600));
  EXPECT_THAT(empty, IsEmpty());
  EXPECT_THAT(store_->GetEntries(599, 601),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(store_->GetEntries(10, 9),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, FindLeafFindsEveryEntryByItsLeafHash) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(300);
  ASSERT_OK(log.Append(entries));
  for (uint64_t i = 0; i < entries.size(); i += 7) {
    ASSERT_OK_AND_ASSIGN(uint64_t index, store_->FindLeaf(HashLeaf(entries[i])));
    EXPECT_EQ(index, i);
  }
  EXPECT_THAT(store_->FindLeaf(HashLeaf("entry-300")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, FindLeavesLooksUpABatchInOneCall) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(300);
  ASSERT_OK(log.Append(entries));
  // Present and absent hashes, unsorted, one repeated.
  std::vector<Hash> wanted = {HashLeaf(entries[299]), HashLeaf("entry-300"),
                              HashLeaf(entries[0]), HashLeaf(entries[137]),
                              HashLeaf("never"), HashLeaf(entries[0])};
  ASSERT_OK_AND_ASSIGN(std::vector<std::optional<uint64_t>> found,
                       store_->FindLeaves(wanted));
  std::vector<std::optional<uint64_t>> expected = {299, std::nullopt, 0, 137,
                                                   std::nullopt, 0};
  EXPECT_EQ(found, expected);
  ASSERT_OK_AND_ASSIGN(found, store_->FindLeaves({}));
  EXPECT_TRUE(found.empty());
}

TEST_F(StoreTest, CommitsWithStatementIdsKeepTheIndexCovered) {
  TestLog log(store_.get());
  log.set_statement_ids(true);
  const std::vector<std::string> entries = TestEntries(300);
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 200)));
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(200)));
  EXPECT_EQ(store_->StatementIndexCoverage(), 300u);
  std::vector<Hash> wanted = {merkle::Sha256(entries[250]),
                              merkle::Sha256("never"),
                              merkle::Sha256(entries[0])};
  ASSERT_OK_AND_ASSIGN(std::vector<std::optional<uint64_t>> found,
                       store_->FindStatements(wanted));
  EXPECT_EQ(found, (std::vector<std::optional<uint64_t>>{250, std::nullopt, 0}));
  Reopen();
  EXPECT_EQ(store_->StatementIndexCoverage(), 300u);
}

TEST_F(StoreTest, IndexStatementsCatchesUpAnOlderStore) {
  // Entries written without identities (a store from before the index).
  TestLog log(store_.get());
  const std::vector<std::string> entries = TestEntries(10);
  ASSERT_OK(log.Append(entries));
  EXPECT_EQ(store_->StatementIndexCoverage(), 0u);
  // Later commits with identities do not move a coverage that has a gap.
  log.set_statement_ids(true);
  ASSERT_OK(log.Append({"entry-x"}));
  EXPECT_EQ(store_->StatementIndexCoverage(), 0u);

  EXPECT_THAT(store_->IndexStatements(1, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  std::vector<std::optional<Hash>> ids;
  for (const std::string& e : entries) ids.push_back(merkle::Sha256(e));
  ids[3] = std::nullopt;                    // not a statement
  ids[7] = merkle::Sha256(entries[2]);      // the same text twice
  ASSERT_OK(store_->IndexStatements(0, ids));
  EXPECT_EQ(store_->StatementIndexCoverage(), 10u);
  ASSERT_OK(store_->IndexStatements(10, {merkle::Sha256("entry-x")}));
  EXPECT_EQ(store_->StatementIndexCoverage(), 11u);
  EXPECT_THAT(store_->IndexStatements(11, {merkle::Sha256("beyond")}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::optional<uint64_t>> found,
      store_->FindStatements({merkle::Sha256(entries[2]),
                              merkle::Sha256(entries[3]),
                              merkle::Sha256(entries[9]),
                              merkle::Sha256("entry-x")}));
  EXPECT_EQ(found, (std::vector<std::optional<uint64_t>>{2, std::nullopt, 9, 10}));
  // Covered now, the next commit with identities moves it on.
  ASSERT_OK(log.Append({"entry-y"}));
  EXPECT_EQ(store_->StatementIndexCoverage(), 12u);
  Reopen();
  EXPECT_EQ(store_->StatementIndexCoverage(), 12u);
}

TEST_F(StoreTest, FindByDigestListsEveryIndexInOrderUpToTheLimit) {
  TestLog log(store_.get());
  Hash a = HashLeaf("artifact-a");
  Hash b = HashLeaf("artifact-b");
  Hash never = HashLeaf("artifact-never");
  std::vector<std::string> entries = TestEntries(10);
  // a at 0, 3, 6, 9; b at 1, 4, 7; none at 2, 5, 8.
  std::vector<std::optional<Hash>> digests;
  for (int i = 0; i < 10; ++i) {
    digests.push_back(i % 3 == 0 ? std::optional<Hash>(a)
                      : i % 3 == 1 ? std::optional<Hash>(b)
                                   : std::nullopt);
  }
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 5),
                       absl::MakeConstSpan(digests).subspan(0, 5)));
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(5),
                       absl::MakeConstSpan(digests).subspan(5)));
  ASSERT_OK(store_->Flush());  // some in SST files, more in the memtable
  ASSERT_OK(log.Append({"entry-10"}, {a}));
  EXPECT_THAT(*store_->FindByDigest(a), ElementsAre(0, 3, 6, 9, 10));
  EXPECT_THAT(*store_->FindByDigest(b), ElementsAre(1, 4, 7));
  EXPECT_THAT(*store_->FindByDigest(a, 2), ElementsAre(0, 3));
  EXPECT_THAT(*store_->FindByDigest(a, 0), IsEmpty());
  EXPECT_THAT(*store_->FindByDigest(never), IsEmpty());
}

TEST_F(StoreTest, CheckpointHistoryKeepsOnePerSize) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(20);
  std::vector<std::string> notes;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(5 * i, 5)));
    notes.push_back(TestCheckpointNote(log.size(), log.root()));
  }
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string note, store_->CheckpointAt(5 * (i + 1)));
    EXPECT_EQ(note, notes[i]);
  }
  EXPECT_THAT(store_->CheckpointAt(7), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> latest,
                       store_->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->size, 20u);
  EXPECT_EQ(latest->signed_note, notes[3]);
}

TEST_F(StoreTest, CommitRefusesASecondCheckpointForOneSizeAndChangesNothing) {
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(5)));
  uint64_t disk_entries = store_->EntryCount();

  WriteBatch again;
  again.PutCheckpoint(5, "another head for size 5");
  EXPECT_THAT(store_->Commit(again),
              StatusIs(absl::StatusCode::kFailedPrecondition, "size 5"));

  // Even together with valid entries and tiles: nothing of it is applied.
  WriteBatch mixed = log.MakeBatch({"entry-5"});
  mixed.PutCheckpoint(5, "another head for size 5");
  EXPECT_THAT(store_->Commit(mixed),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(store_->EntryCount(), disk_entries);
  EXPECT_THAT(store_->GetEntry(5), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->FindLeaf(HashLeaf("entry-5")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->CheckpointAt(6), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::string note, store_->CheckpointAt(5));
  EXPECT_EQ(note, TestCheckpointNote(5, log.root()));
  ASSERT_OK_AND_ASSIGN(std::string tile, store_->ReadTile(0, 0));
  EXPECT_EQ(tile.size(), 5 * 32u);

  // Two checkpoints for one size in one batch are malformed.
  WriteBatch twice;
  twice.PutCheckpoint(9, "a");
  twice.PutCheckpoint(9, "b");
  EXPECT_THAT(store_->Commit(twice),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->CheckpointAt(9), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(StoreTest, CommitRefusesEntriesThatDoNotExtendTheLog) {
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(3)));
  Hash h = HashLeaf("x");
  WriteBatch gap;
  gap.AddEntry(4, "x", h, std::nullopt);
  EXPECT_THAT(store_->Commit(gap),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteBatch overwrite;
  overwrite.AddEntry(2, "x", h, std::nullopt);
  EXPECT_THAT(store_->Commit(overwrite),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteBatch twice;
  twice.AddEntry(3, "x", h, std::nullopt);
  twice.AddEntry(3, "x", h, std::nullopt);
  EXPECT_THAT(store_->Commit(twice),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::string entry, store_->GetEntry(2));
  EXPECT_EQ(entry, "entry-2");
  EXPECT_EQ(store_->EntryCount(), 3u);
  // In any order, as long as they are contiguous.
  WriteBatch reversed;
  reversed.AddEntry(4, "y", HashLeaf("y"), std::nullopt);
  reversed.AddEntry(3, "x", h, std::nullopt);
  ASSERT_OK(store_->Commit(reversed));
  EXPECT_EQ(store_->EntryCount(), 5u);
}

TEST_F(StoreTest, CommitRefusesTilesThatChangeStoredHashes) {
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(10)));
  ASSERT_OK_AND_ASSIGN(std::string stored, store_->ReadTile(0, 0));

  std::string changed = stored;
  changed[40] ^= 1;
  WriteBatch rewrite;
  rewrite.PutTile(TileId{0, 0, 10}, changed);
  EXPECT_THAT(store_->Commit(rewrite),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteBatch narrower;
  narrower.PutTile(TileId{0, 0, 9}, stored.substr(0, 9 * 32));
  EXPECT_THAT(store_->Commit(narrower),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  WriteBatch bad_length;
  bad_length.PutTile(TileId{0, 1, 2}, std::string(63, 'x'));
  EXPECT_THAT(store_->Commit(bad_length),
              StatusIs(absl::StatusCode::kInvalidArgument));
  WriteBatch bad_id;
  bad_id.PutTile(TileId{64, 0, 1}, std::string(32, 'x'));
  EXPECT_THAT(store_->Commit(bad_id),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::string after, store_->ReadTile(0, 0));
  EXPECT_EQ(after, stored);
  // Rewriting it identically is allowed (idempotent).
  WriteBatch same;
  same.PutTile(TileId{0, 0, 10}, stored);
  EXPECT_OK(store_->Commit(same));
}

TEST_F(StoreTest, TileInteriorsAreWrittenOnceWithTheirFullTile) {
  TestLog log(store_.get());
  // Full level-0 tiles 0 and 1, partial tile 2 (88 hashes), level 1: 2.
  ASSERT_OK(log.Append(TestEntries(600)));
  ASSERT_OK_AND_ASSIGN(std::string tile, store_->ReadTile(0, 1, 256));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> hashes,
                       merkle::DecodeTile(TileId{0, 1, 256}, tile));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> want, merkle::TileInterior(hashes));
  ASSERT_OK_AND_ASSIGN(std::string interior, store_->ReadTileInterior(0, 1));
  EXPECT_EQ(interior, merkle::EncodeTile(want));
  EXPECT_THAT(store_->ReadTileInterior(0, 2),
              StatusIs(absl::StatusCode::kNotFound));

  // Rewriting it identically is allowed (idempotent); changing it is not.
  WriteBatch same;
  same.PutTileInterior(TileId{0, 1, 256}, interior);
  EXPECT_OK(store_->Commit(same));
  std::string changed = interior;
  changed[5] ^= 1;
  WriteBatch change;
  change.PutTileInterior(TileId{0, 1, 256}, changed);
  EXPECT_THAT(store_->Commit(change),
              StatusIs(absl::StatusCode::kFailedPrecondition, "would change"));
  // Its root must be the parent tile's hash for it.
  std::string other_root = interior;
  other_root[other_root.size() - 1] ^= 1;
  WriteBatch wrong_root;
  wrong_root.PutTileInterior(TileId{0, 1, 256}, other_root);
  EXPECT_THAT(store_->Commit(wrong_root),
              StatusIs(absl::StatusCode::kInvalidArgument, "parent"));
  // Only full tiles have one, of exactly 255 hashes.
  WriteBatch partial;
  partial.PutTileInterior(TileId{0, 2, 88}, interior);
  EXPECT_THAT(store_->Commit(partial),
              StatusIs(absl::StatusCode::kInvalidArgument, "partial"));
  WriteBatch not_full;
  not_full.PutTileInterior(TileId{0, 2, 256}, interior);
  EXPECT_THAT(store_->Commit(not_full),
              StatusIs(absl::StatusCode::kFailedPrecondition, "not full"));
  WriteBatch short_interior;
  short_interior.PutTileInterior(TileId{0, 1, 256}, interior.substr(32));
  EXPECT_THAT(store_->Commit(short_interior),
              StatusIs(absl::StatusCode::kInvalidArgument, "bytes"));
  ASSERT_OK_AND_ASSIGN(std::string after, store_->ReadTileInterior(0, 1));
  EXPECT_EQ(after, interior);
}

TEST_F(StoreTest, PendingTileShowsWhatABatchWillWrite) {
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(255)));
  // The 256th entry fills tile 0/0 and starts tile 1/0.
  WriteBatch batch = log.MakeBatch({"entry-255"});
  std::optional<std::string> level0 = batch.PendingTile(0, 0);
  ASSERT_TRUE(level0.has_value());
  EXPECT_EQ(level0->size(), 256 * 32u);
  std::optional<std::string> level1 = batch.PendingTile(1, 0);
  ASSERT_TRUE(level1.has_value());
  EXPECT_EQ(level1->size(), 32u);
  EXPECT_FALSE(batch.PendingTile(0, 1).has_value());
  EXPECT_FALSE(batch.empty());
  EXPECT_GE(batch.ByteSize(), 257 * 32u);
  EXPECT_TRUE(WriteBatch().empty());
  // The store still has the narrower tile until the batch is committed.
  EXPECT_THAT(store_->ReadTile(0, 0, 256), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_->Commit(batch));
  ASSERT_OK_AND_ASSIGN(std::string full, store_->ReadTile(0, 0, 256));
  EXPECT_EQ(full, *level0);
}

TEST_F(StoreTest, ReadTileChecksWidths) {
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(20)));
  ASSERT_OK_AND_ASSIGN(std::string tile, store_->ReadTile(0, 0, 20));
  EXPECT_EQ(tile, merkle::EncodeTile(log.tile_levels()[0]));
  EXPECT_THAT(store_->ReadTile(0, 0, 21), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ReadTile(0, 1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ReadTile(0, 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->ReadTile(0, 0, 257),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StoreTest, ReopenKeepsEverything) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(700);
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 300)));
  ASSERT_OK(store_->Flush());
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(300, 100)));
  Reopen();  // 300 entries in SST files, 100 only in the WAL
  log.set_store(store_.get());
  EXPECT_EQ(store_->EntryCount(), 400u);
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> latest,
                       store_->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->size, 400u);
  EXPECT_EQ(latest->signed_note, TestCheckpointNote(400, log.root()));
  ASSERT_OK_AND_ASSIGN(merkle::Hash root, merkle::TreeRoot(400, store_->hash_reader()));
  EXPECT_EQ(root, log.root());
  // And it goes on from there.
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(400)));
  Reopen();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> all, store_->GetEntries(0, 700));
  EXPECT_EQ(all, entries);
  ASSERT_OK_AND_ASSIGN(uint64_t index, store_->FindLeaf(HashLeaf("entry-650")));
  EXPECT_EQ(index, 650u);
  ASSERT_OK_AND_ASSIGN(std::string note, store_->CheckpointAt(300));
  EXPECT_EQ(note.substr(0, 21), "vitrine.test/log\n300\n");
}

TEST_F(StoreTest, ASecondOpenOfTheSameFolderIsUnavailable) {
  EXPECT_THAT(Store::Open(Options()), StatusIs(absl::StatusCode::kUnavailable));
  store_.reset();  // the lock goes with the store
  EXPECT_OK(Store::Open(Options()));
}

TEST_F(StoreTest, OpenWithoutCreateIfMissingNeedsAStore) {
  StoreOptions options = Options();
  options.path = dir_ + "-absent";
  options.create_if_missing = false;
  EXPECT_THAT(Store::Open(options), StatusIs(absl::StatusCode::kNotFound));
  options.path = "";
  EXPECT_THAT(Store::Open(options), StatusIs(absl::StatusCode::kInvalidArgument));
  store_.reset();
  options.path = dir_;
  EXPECT_OK(Store::Open(options));
}

TEST_F(StoreTest, DiskBytesGrowsWithTheLog) {
  uint64_t before = store_->DiskBytes();
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(2000)));
  uint64_t in_wal = store_->DiskBytes();
  EXPECT_GT(in_wal, before);
  ASSERT_OK(store_->Flush());
  EXPECT_GT(store_->DiskBytes(), 2000u * 32);
}

}  // namespace
}  // namespace vitrine::storage
