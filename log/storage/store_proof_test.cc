// Proofs from a real RocksDB store through Store::hash_reader(): for many
// sizes, for past sizes after the log grew, with and without the tile cache,
// and under concurrent readers while the writer commits.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile_testing.h"
#include "log/merkle/verify.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::storage {
namespace {

using merkle::ConsistencyProof;
using merkle::Hash;
using merkle::HashLeaf;
using merkle::InclusionProof;
using merkle::NodeId;
using merkle::TreeRoot;
using merkle::testing::TestEntries;
using storage::testing::FreshTestDir;
using storage::testing::TestLog;
using ::vitrine::testing::StatusIs;

std::unique_ptr<Store> OpenStore(const std::string& dir, size_t cache_tiles) {
  StoreOptions options;
  options.path = dir;
  options.tile_cache_tiles = cache_tiles;
  options.block_cache_bytes = 1 << 20;
  // Durability is not under test here; fsyncs would only slow it down.
  options.sync = false;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_OK(store);
  return store.ok() ? *std::move(store) : nullptr;
}

// Checks, for the tree of `size` leaves, that the store's root and proofs
// equal the reference's and verify.
void CheckSize(uint64_t size, uint64_t max_size, Store& store, TestLog& log) {
  SCOPED_TRACE(absl::StrCat("size ", size));
  merkle::MemoryHashStore& reference = log.reference();
  ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(size, reference));
  ASSERT_OK_AND_ASSIGN(Hash stored_root, TreeRoot(size, store.hash_reader()));
  EXPECT_EQ(stored_root, root);
  for (uint64_t index : {uint64_t{0}, size / 3, size / 2, size - 1}) {
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                         InclusionProof(index, size, store.hash_reader()));
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> want,
                         InclusionProof(index, size, reference));
    EXPECT_EQ(proof, want) << "index " << index;
    EXPECT_OK(merkle::VerifyInclusion(
        index, size, HashLeaf(absl::StrCat("entry-", index)), proof, root));
  }
  for (uint64_t old_size : {uint64_t{1}, size / 2, size - 1}) {
    if (old_size == 0) continue;
    ASSERT_OK_AND_ASSIGN(Hash old_root, TreeRoot(old_size, reference));
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                         ConsistencyProof(old_size, size, store.hash_reader()));
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> want,
                         ConsistencyProof(old_size, size, reference));
    EXPECT_EQ(proof, want) << "old size " << old_size;
    EXPECT_OK(merkle::VerifyConsistency(old_size, size, old_root, root, proof));
  }
  // Nothing beyond the stored tree is made up.
  if (size == max_size) {
    EXPECT_THAT(TreeRoot(size + 1, store.hash_reader()),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(InclusionProof(0, size + 1, store.hash_reader()),
                StatusIs(absl::StatusCode::kNotFound));
  }
}

class StoreProofTest : public ::testing::TestWithParam<size_t> {
 protected:
  std::string Dir() const {
    return FreshTestDir(absl::StrCat("proof-cache-", GetParam()));
  }
};

TEST_P(StoreProofTest, EverySizeAsTheLogGrows) {
  std::string dir = Dir();
  std::unique_ptr<Store> store = OpenStore(dir, GetParam());
  ASSERT_NE(store, nullptr);
  TestLog log(store.get());
  std::vector<std::string> entries = TestEntries(1100);
  // One at a time through the first tiles, then batches of odd sizes.
  uint64_t size = 0;
  while (size < entries.size()) {
    uint64_t step = size < 300 ? 1 : 37;
    step = std::min<uint64_t>(step, entries.size() - size);
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(size, step)));
    size += step;
    CheckSize(size, size, *store, log);
  }
}

TEST_P(StoreProofTest, PastSizesAfterTheLogGrewPastTileLevelTwo) {
  std::string dir = Dir();
  std::unique_ptr<Store> store = OpenStore(dir, GetParam());
  ASSERT_NE(store, nullptr);
  TestLog log(store.get());
  // 66,000 leaves: full level-0 and level-1 tiles and a partial level-2 tile.
  constexpr uint64_t kSize = 66000;
  std::vector<std::string> entries = TestEntries(kSize);
  for (uint64_t begin = 0; begin < kSize; begin += 6000) {
    uint64_t end = std::min(kSize, begin + 6000);
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(begin, end - begin)));
  }
  for (uint64_t size : {uint64_t{1}, uint64_t{2}, uint64_t{255}, uint64_t{256},
                        uint64_t{257}, uint64_t{6000}, uint64_t{65535},
                        uint64_t{65536}, uint64_t{65537}, uint64_t{65999},
                        kSize}) {
    CheckSize(size, kSize, *store, log);
  }
  for (uint64_t size = 3; size < kSize; size = size * 7 / 4 + 1) {
    CheckSize(size, kSize, *store, log);
  }
}

INSTANTIATE_TEST_SUITE_P(CacheSizes, StoreProofTest,
                         ::testing::Values(size_t{0}, size_t{2}, size_t{8192}),
                         [](const auto& info) {
                           return absl::StrCat("Tiles", info.param);
                         });

// A store whose first tiles were written before interiors were stored (an
// older store, upgraded in place) proves the same: those tiles are hashed.
TEST(StoreHashReaderTest, TilesWithAndWithoutInteriorsProveAlike) {
  std::string dir = FreshTestDir("proof-mixed-interiors");
  for (size_t cache_tiles : {size_t{0}, size_t{2}}) {
    std::unique_ptr<Store> store = OpenStore(dir, cache_tiles);
    ASSERT_NE(store, nullptr);
    TestLog log(store.get());
    std::vector<std::string> entries = TestEntries(3000);
    log.set_write_interiors(false);
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 1500)));
    log.set_write_interiors(true);
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(1500)));
    EXPECT_THAT(store->ReadTileInterior(0, 3),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_OK(store->ReadTileInterior(0, 7));
    for (uint64_t size : {uint64_t{1000}, uint64_t{1536}, uint64_t{3000}}) {
      CheckSize(size, 3000, *store, log);
    }
    store.reset();
    std::filesystem::remove_all(dir);
  }
}

TEST(StoreHashReaderTest, NodesBeyondTheStoredTreeAreNotFound) {
  std::string dir = FreshTestDir("beyond");
  std::unique_ptr<Store> store = OpenStore(dir, 16);
  ASSERT_NE(store, nullptr);
  merkle::HashReader& reader = store->hash_reader();
  EXPECT_THAT(reader.ReadHashes({NodeId{0, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
  TestLog log(store.get());
  ASSERT_OK(log.Append(TestEntries(300)));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> hashes,
                       reader.ReadHashes({NodeId{0, 299}, NodeId{8, 0},
                                          NodeId{5, 8}, NodeId{3, 36}}));
  EXPECT_EQ(hashes[0], HashLeaf("entry-299"));
  EXPECT_EQ(hashes[1], log.tile_levels()[1][0]);
  EXPECT_THAT(reader.ReadHashes({NodeId{0, 300}}),
              StatusIs(absl::StatusCode::kNotFound, "0/300"));
  EXPECT_THAT(reader.ReadHashes({NodeId{3, 37}}),   // leaves 296..303
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.ReadHashes({NodeId{8, 1}}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.ReadHashes({NodeId{16, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.ReadHashes({NodeId{64, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
  // A node becomes readable once its subtree is complete.
  ASSERT_OK(log.Append({"entry-300", "entry-301", "entry-302", "entry-303"}));
  EXPECT_OK(reader.ReadHashes({NodeId{3, 37}}));
}

// Readers prove inclusion at the latest committed size while the writer
// keeps appending: every proof they get verifies, none sees a narrower tile
// than its size needs (a stale partial tile would give NotFound or a wrong
// root).
TEST(StoreHashReaderTest, ConcurrentReadersWhileTheWriterCommits) {
  std::string dir = FreshTestDir("concurrent");
  std::unique_ptr<Store> store = OpenStore(dir, 8);
  ASSERT_NE(store, nullptr);
  TestLog log(store.get());
  constexpr uint64_t kSize = 3000;
  std::vector<std::string> entries = TestEntries(kSize);
  // Roots by size, written before the size is published.
  std::vector<Hash> roots(kSize + 1);
  std::atomic<uint64_t> published{0};
  std::atomic<bool> done{false};
  std::atomic<int> proofs{0};

  auto reader = [&](int seed) {
    uint64_t x = seed;
    while (!done.load()) {
      uint64_t size = published.load();
      if (size == 0) continue;
      x = x * 6364136223846793005u + 1442695040888963407u;
      uint64_t index = (x >> 33) % size;
      absl::StatusOr<std::vector<Hash>> proof =
          InclusionProof(index, size, store->hash_reader());
      ASSERT_OK(proof);
      ASSERT_OK(merkle::VerifyInclusion(index, size, HashLeaf(entries[index]),
                                        *proof, roots[size]));
      ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(size, store->hash_reader()));
      ASSERT_EQ(root, roots[size]);
      proofs.fetch_add(1);
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader, i + 1);
  for (uint64_t size = 0; size < kSize;) {
    uint64_t step = std::min<uint64_t>(1 + size % 29, kSize - size);
    ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(size, step)));
    size += step;
    roots[size] = log.root();
    published.store(size);
  }
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_GT(proofs.load(), 0);
}

}  // namespace
}  // namespace vitrine::storage
