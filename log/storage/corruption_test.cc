// Bytes changed on disk behind the store's back: a flipped byte in a stored
// tile or entry (SST files) or in the write-ahead log must come back as
// DataLoss, never as wrong bytes, a wrong hash or a silently shorter log.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile_testing.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::storage {
namespace {

using merkle::Hash;
using merkle::NodeId;
using merkle::testing::TestEntries;
using storage::testing::FlipByteInFiles;
using storage::testing::FreshTestDir;
using storage::testing::TestLog;
using ::vitrine::testing::StatusIs;

StoreOptions Options(const std::string& dir) {
  StoreOptions options;
  options.path = dir;
  options.block_cache_bytes = 1 << 20;
  options.tile_cache_tiles = 64;
  return options;
}

// Entries of incompressible bytes, so that they sit on disk as written.
std::vector<std::string> RandomEntries(uint64_t count) {
  std::vector<std::string> entries;
  for (uint64_t i = 0; i < count; ++i) {
    std::string entry;
    for (int k = 0; k < 6; ++k) {
      entry += std::string(
          merkle::HashLeaf(absl::StrCat("random-", i, "-", k)).AsStringView());
    }
    entries.push_back(entry);
  }
  return entries;
}

TEST(CorruptionTest, AFlippedByteInAStoredTileIsDataLoss) {
  std::string dir = FreshTestDir("tile");
  std::vector<Hash> leaves;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
    TestLog log(store.get());
    ASSERT_OK(log.Append(TestEntries(1000)));
    leaves = log.tile_levels()[0];
    ASSERT_OK(store->Flush());
  }
  // The end of leaf hash 300 and the start of 301: bytes that only tile 0/1
  // holds (leaf hashes alone are also keys of the leaf index).
  std::string needle = absl::StrCat(leaves[300].AsStringView().substr(16),
                                    leaves[301].AsStringView().substr(0, 16));
  ASSERT_OK(FlipByteInFiles(dir, needle));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
  EXPECT_THAT(store->ReadTile(0, 1), StatusIs(absl::StatusCode::kDataLoss));
  merkle::HashReader& reader = store->hash_reader();
  EXPECT_THAT(reader.ReadHashes({NodeId{0, 301}}),
              StatusIs(absl::StatusCode::kDataLoss, "checksum"));
  EXPECT_THAT(reader.ReadHashes({NodeId{8, 0}, NodeId{3, 37}}),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(merkle::InclusionProof(300, 1000, reader),
              StatusIs(absl::StatusCode::kDataLoss));
  // Nothing wrong is cached: asking again still fails.
  EXPECT_THAT(reader.ReadHashes({NodeId{0, 301}}),
              StatusIs(absl::StatusCode::kDataLoss));
  // Proofs that never touch the damaged tile are still served, and right.
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> hashes,
                       reader.ReadHashes({NodeId{0, 5}, NodeId{0, 999}}));
  EXPECT_EQ(hashes[0], leaves[5]);
  EXPECT_EQ(hashes[1], leaves[999]);
}

TEST(CorruptionTest, AFlippedByteInAStoredEntryIsDataLoss) {
  std::string dir = FreshTestDir("entry");
  std::vector<std::string> entries = RandomEntries(300);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
    TestLog log(store.get());
    ASSERT_OK(log.Append(entries));
    ASSERT_OK(store->Flush());
  }
  ASSERT_OK(FlipByteInFiles(dir, absl::string_view(entries[123]).substr(64, 64)));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
  EXPECT_THAT(store->GetEntry(123),
              StatusIs(absl::StatusCode::kDataLoss, "checksum"));
  EXPECT_THAT(store->GetEntries(100, 200), StatusIs(absl::StatusCode::kDataLoss));
  // Every entry read either returns exactly what was written or fails.
  int lost = 0;
  for (uint64_t i = 0; i < entries.size(); ++i) {
    absl::StatusOr<std::string> entry = store->GetEntry(i);
    if (entry.ok()) {
      EXPECT_EQ(*entry, entries[i]) << i;
    } else {
      EXPECT_THAT(entry, StatusIs(absl::StatusCode::kDataLoss)) << i;
      ++lost;
    }
  }
  EXPECT_GE(lost, 1);
}

TEST(CorruptionTest, AFlippedByteInsideTheWalFailsOpenWithDataLoss) {
  std::string dir = FreshTestDir("wal");
  std::vector<std::string> entries = RandomEntries(40);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
    TestLog log(store.get());
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 20)));
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(20)));
    // Closed without a flush: both commits live only in the WAL.
  }
  // In the first of the two records: not a torn tail, so recovery must not
  // quietly stop before it (that would drop acknowledged entries).
  ASSERT_OK(FlipByteInFiles(dir, absl::string_view(entries[5]).substr(64, 64),
                            ".log"));
  EXPECT_THAT(Store::Open(Options(dir)), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(CorruptionTest, ATornWalTailLosesOnlyTheUnfinishedCommit) {
  std::string dir = FreshTestDir("torn");
  std::vector<std::string> entries = RandomEntries(40);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
    TestLog log(store.get());
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 20)));
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(20)));
  }
  // Cut the WAL inside its last record, as a crash during a write would.
  std::optional<std::filesystem::path> wal;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    if (file.path().extension() == ".log") wal = file.path();
  }
  ASSERT_TRUE(wal.has_value());
  std::filesystem::resize_file(*wal, std::filesystem::file_size(*wal) - 100);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options(dir)));
  EXPECT_EQ(store->EntryCount(), 20u);
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> latest,
                       store->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->size, 20u);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> kept, store->GetEntries(0, 20));
  EXPECT_EQ(kept, std::vector<std::string>(entries.begin(), entries.begin() + 20));
}

}  // namespace
}  // namespace vitrine::storage
