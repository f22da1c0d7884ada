// The witnessed column family of Store (store.h, "Layout"): the latest
// witnessed checkpoint is stored durably, read back after reopening, never
// goes backwards nor beyond the log, and a store written before the family
// existed opens with it added.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/tile_testing.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"
#include "rocksdb/db.h"

namespace vitrine::storage {
namespace {

using merkle::testing::TestEntries;
using storage::testing::FreshTestDir;
using storage::testing::TestCheckpointNote;
using storage::testing::TestLog;
using ::vitrine::testing::StatusIs;

// A note adding one witness line to the stored checkpoint of `size`.
std::string Cosigned(const Store& store, uint64_t size,
                     absl::string_view witness = "w1") {
  return absl::StrCat(store.CheckpointAt(size).value(), "\n\u2014 ", witness,
                      " AAAAAAAAAAAA\n");
}

// Counts the keys of column family `family` of the closed store at `dir`.
size_t CountKeys(const std::string& dir, const std::string& family) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names)
                  .ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir,
                                                   families, &handles, &raw);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return 0;
  std::unique_ptr<rocksdb::DB> db(raw);
  size_t count = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != family) continue;
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  return count;
}

class WitnessedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = dir_;
    options.block_cache_bytes = 1 << 20;
    options.tile_cache_tiles = 64;
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(options));
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(WitnessedTest, NewStoreHasNone) {
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> witnessed,
                       store_->LatestWitnessedCheckpoint());
  EXPECT_FALSE(witnessed.has_value());
  // Nothing signed yet: nothing can be witnessed.
  EXPECT_THAT(store_->PutWitnessedCheckpoint(0, "x\n"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "beyond"));
}

TEST_F(WitnessedTest, StoresTheLatestAndReadsItBackAfterReopening) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(30);
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 10)));
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(10, 10)));
  const std::string at10 = Cosigned(*store_, 10);
  ASSERT_OK(store_->PutWitnessedCheckpoint(10, at10));
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> witnessed,
                       store_->LatestWitnessedCheckpoint());
  ASSERT_TRUE(witnessed.has_value());
  EXPECT_EQ(witnessed->size, 10u);
  EXPECT_EQ(witnessed->signed_note, at10);

  const std::string at20 = Cosigned(*store_, 20, "w2");
  ASSERT_OK(store_->PutWitnessedCheckpoint(20, at20));
  Reopen();
  log.set_store(store_.get());
  ASSERT_OK_AND_ASSIGN(witnessed, store_->LatestWitnessedCheckpoint());
  ASSERT_TRUE(witnessed.has_value());
  EXPECT_EQ(witnessed->size, 20u);
  EXPECT_EQ(witnessed->signed_note, at20);
  store_.reset();
  // Only the latest is kept.
  EXPECT_EQ(CountKeys(dir_, "witnessed"), 1u);
}

TEST_F(WitnessedTest, RefusesGoingBackBeyondTheLogOrAnotherNote) {
  TestLog log(store_.get());
  std::vector<std::string> entries = TestEntries(30);
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(0, 10)));
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(10, 10)));
  ASSERT_OK(store_->PutWitnessedCheckpoint(20, Cosigned(*store_, 20)));
  EXPECT_THAT(store_->PutWitnessedCheckpoint(10, Cosigned(*store_, 10)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "older than the stored one of size 20"));
  EXPECT_THAT(store_->PutWitnessedCheckpoint(21, "vitrine.test/log\n21\n"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "beyond the log's latest checkpoint 20"));
  // The same size again, with more cosignatures, replaces it.
  const std::string more = Cosigned(*store_, 20, "w1") + "\u2014 w2 AAAAAAAAAAAA\n";
  ASSERT_OK(store_->PutWitnessedCheckpoint(20, more));
  ASSERT_OK(log.Append(absl::MakeConstSpan(entries).subspan(20, 10)));
  // A note that is not the log's checkpoint of that size.
  EXPECT_THAT(store_->PutWitnessedCheckpoint(
                  30, TestCheckpointNote(30, merkle::HashLeaf("other")) +
                          "\n\u2014 w1 AAAAAAAAAAAA\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "not the checkpoint the log signed"));
  // A size inside a batch was never signed.
  EXPECT_THAT(store_->PutWitnessedCheckpoint(25, "vitrine.test/log\n25\n"),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> witnessed,
                       store_->LatestWitnessedCheckpoint());
  ASSERT_TRUE(witnessed.has_value());
  EXPECT_EQ(witnessed->signed_note, more);
}

TEST_F(WitnessedTest, AStoreFromBeforeWitnessingGetsTheFamily) {
  store_.reset();
  // The column families of the previous version, written by RocksDB alone.
  FreshTestDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name :
       {"entries", "tiles", "leaf_index", "digest_index", "checkpoints",
        "tile_interiors", "default"}) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(options, dir_, families, &handles, &raw).ok());
  for (rocksdb::ColumnFamilyHandle* h : handles) {
    raw->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  delete raw;
  EXPECT_EQ(CountKeys(dir_, "witnessed"), 0u);

  Reopen();
  ASSERT_OK_AND_ASSIGN(std::optional<StoredCheckpoint> witnessed,
                       store_->LatestWitnessedCheckpoint());
  EXPECT_FALSE(witnessed.has_value());
  TestLog log(store_.get());
  ASSERT_OK(log.Append(TestEntries(5)));
  ASSERT_OK(store_->PutWitnessedCheckpoint(5, Cosigned(*store_, 5)));
  store_.reset();
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_, &names)
                  .ok());
  EXPECT_NE(std::find(names.begin(), names.end(), "witnessed"), names.end());
  EXPECT_EQ(CountKeys(dir_, "witnessed"), 1u);
}

}  // namespace
}  // namespace vitrine::storage
