// The vendor index with a real RocksDB and real statements: releases listed
// newest first under their vendor by Commit, rebuilds and other entries not
// listed, the coverage mark, and the backfill of a store from before the
// index (its column family absent).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/entry_digests.h"
#include "log/note/keys.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"
#include "log/storage/vendor_backfill.h"

namespace vitrine::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using storage::testing::FreshTestDir;
using storage::testing::TestLog;
using ::vitrine::testing::StatusIs;

constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();

std::unique_ptr<note::Signer> Key(absl::string_view name) {
  return note::NewSigner(note::FormatSignerKey(name, note::SignatureType::kEd25519,
                                               std::string(32, 'k'))
                             .value())
      .value();
}

std::string Release(absl::string_view vendor, int i) {
  note::Statement statement{std::string(vendor), absl::StrCat("tool-", i),
                            "1.0", merkle::Sha256(absl::StrCat(vendor, i)),
                            std::nullopt};
  return note::SignStatement(statement, *Key(vendor)).value();
}

std::string Rebuild(absl::string_view vendor, int i) {
  note::RebuildStatement rebuild{"rebuild.example.org", std::string(vendor),
                                 absl::StrCat("tool-", i), "1.0", "src",
                                 merkle::Sha256("rebuilt")};
  return note::SignRebuildStatement(rebuild, *Key("rebuild.example.org"))
      .value();
}

// Entry i: acme's release when i % 3 == 0, other.org's when i % 3 == 1, a
// rebuild of an acme release (listed under nobody) when i % 3 == 2, and
// entry 4 is no note at all.
std::vector<std::string> Entries(int begin, int end) {
  std::vector<std::string> entries;
  for (int i = begin; i < end; ++i) {
    if (i == 4) {
      entries.push_back("not a note");
    } else if (i % 3 == 0) {
      entries.push_back(Release("example.com/acme", i));
    } else if (i % 3 == 1) {
      entries.push_back(Release("other.org", i));
    } else {
      entries.push_back(Rebuild("example.com/acme", i));
    }
  }
  return entries;
}

class VendorIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = dir_});
    ASSERT_OK(store);
    store_ = *std::move(store);
  }

  std::vector<uint64_t> Listed(absl::string_view vendor, uint64_t before,
                               size_t limit) {
    absl::StatusOr<std::vector<uint64_t>> listed =
        store_->VendorReleases(note::VendorKey(vendor), before, limit);
    EXPECT_OK(listed.status());
    return listed.ok() ? *listed : std::vector<uint64_t>{};
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(VendorIndexTest, CommitsListEachVendorsReleasesNewestFirst) {
  TestLog log(store_.get());
  log.set_entry_digests(true);
  ASSERT_OK(log.Append(Entries(0, 7)));
  ASSERT_OK(store_->Flush());  // some in table files, more in the memtable
  ASSERT_OK(log.Append(Entries(7, 10)));
  EXPECT_EQ(store_->VendorIndexCoverage(), 10u);

  EXPECT_THAT(Listed("example.com/acme", kAll, 100), ElementsAre(9, 6, 3, 0));
  EXPECT_THAT(Listed("other.org", kAll, 100), ElementsAre(7, 1));  // 4: no note
  EXPECT_THAT(Listed("example.com/acme", 9, 100), ElementsAre(6, 3, 0));
  EXPECT_THAT(Listed("example.com/acme", 7, 2), ElementsAre(6, 3));
  EXPECT_THAT(Listed("example.com/acme", 1, 100), ElementsAre(0));
  EXPECT_THAT(Listed("example.com/acme", 0, 100), IsEmpty());
  EXPECT_THAT(Listed("example.com/acme", kAll, 0), IsEmpty());
  // The rebuilder is nobody's vendor; a prefix of a name is another name.
  EXPECT_THAT(Listed("rebuild.example.org", kAll, 100), IsEmpty());
  EXPECT_THAT(Listed("example.com/acm", kAll, 100), IsEmpty());

  Reopen();
  EXPECT_EQ(store_->VendorIndexCoverage(), 10u);
  EXPECT_THAT(Listed("example.com/acme", kAll, 3), ElementsAre(9, 6, 3));
}

TEST_F(VendorIndexTest, BackfillCatchesUpAStoreFromBeforeTheIndex) {
  {
    TestLog log(store_.get());
    log.set_entry_digests(true);
    ASSERT_OK(log.Append(Entries(0, 10)));
  }
  ASSERT_OK(store_->Flush());
  store_.reset();
  // A store written before the index: its column family never existed.
  // Opening it again creates the family empty.
  ASSERT_OK(storage::testing::DropVendorIndex(dir_));
  Reopen();
  EXPECT_EQ(store_->EntryCount(), 10u);
  EXPECT_EQ(store_->VendorIndexCoverage(), 0u);
  EXPECT_THAT(Listed("example.com/acme", kAll, 100), IsEmpty());

  ASSERT_OK_AND_ASSIGN(uint64_t indexed, IndexLoggedVendors(*store_));
  EXPECT_EQ(indexed, 10u);
  EXPECT_EQ(store_->VendorIndexCoverage(), 10u);
  EXPECT_THAT(Listed("example.com/acme", kAll, 100), ElementsAre(9, 6, 3, 0));
  EXPECT_THAT(Listed("other.org", kAll, 100), ElementsAre(7, 1));
  ASSERT_OK_AND_ASSIGN(indexed, IndexLoggedVendors(*store_));
  EXPECT_EQ(indexed, 0u);  // complete: nothing read
  Reopen();
  EXPECT_EQ(store_->VendorIndexCoverage(), 10u);
}

TEST_F(VendorIndexTest, CommitsOnAnIncompleteIndexWaitForTheBackfill) {
  TestLog log(store_.get());
  log.set_entry_digests(true);
  ASSERT_OK(log.Append(Entries(0, 4)));
  ASSERT_OK(store_->Flush());
  store_.reset();
  ASSERT_OK(storage::testing::DropVendorIndex(dir_));
  Reopen();
  log.set_store(store_.get());
  // A commit while entries [0, 4) are not indexed lists its own releases
  // but cannot move the coverage over the gap.
  ASSERT_OK(log.Append(Entries(4, 7)));
  EXPECT_EQ(store_->VendorIndexCoverage(), 0u);
  EXPECT_THAT(Listed("example.com/acme", kAll, 100), ElementsAre(6));

  EXPECT_THAT(store_->IndexVendors(1, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "the index covers [0, 0) of 7 entries"));
  EXPECT_THAT(store_->IndexVendors(0, std::vector<std::optional<merkle::Hash>>(8)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(uint64_t indexed, IndexLoggedVendors(*store_));
  EXPECT_EQ(indexed, 7u);
  EXPECT_THAT(Listed("example.com/acme", kAll, 100), ElementsAre(6, 3, 0));
  ASSERT_OK(log.Append(Entries(7, 8)));
  EXPECT_EQ(store_->VendorIndexCoverage(), 8u);
  Reopen();
  EXPECT_EQ(store_->VendorIndexCoverage(), 8u);
  EXPECT_THAT(Listed("other.org", kAll, 100), ElementsAre(7, 1));
}

TEST_F(VendorIndexTest, BackfillGoesChunkByChunkAndResumesWhereItStopped) {
  // 9000 entries, more than two of the backfill's chunks of 4096: acme's
  // releases on either side of each chunk boundary, other entries no notes.
  const std::vector<int> releases = {0, 4095, 4096, 8191, 8192, 8999};
  std::vector<std::string> entries;
  for (int i = 0; i < 9000; ++i) {
    entries.push_back(
        std::find(releases.begin(), releases.end(), i) != releases.end()
            ? Release("example.com/acme", i)
            : absl::StrCat("entry ", i));
  }
  {
    TestLog log(store_.get());
    log.set_entry_digests(true);
    ASSERT_OK(log.Append(entries));
  }
  ASSERT_OK(store_->Flush());
  store_.reset();
  ASSERT_OK(storage::testing::DropVendorIndex(dir_));
  Reopen();
  // A backfill that wrote its first chunk and stopped (the process ended):
  // the coverage says where the next one starts.
  std::vector<std::optional<merkle::Hash>> first(4096);
  first[0] = note::VendorKey("example.com/acme");
  first[4095] = note::VendorKey("example.com/acme");
  ASSERT_OK(store_->IndexVendors(0, first));
  Reopen();
  EXPECT_EQ(store_->VendorIndexCoverage(), 4096u);

  ASSERT_OK_AND_ASSIGN(uint64_t indexed, IndexLoggedVendors(*store_));
  EXPECT_EQ(indexed, 9000u - 4096u);
  EXPECT_EQ(store_->VendorIndexCoverage(), 9000u);
  EXPECT_THAT(Listed("example.com/acme", kAll, 100),
              ElementsAre(8999, 8192, 8191, 4096, 4095, 0));
}

}  // namespace
}  // namespace vitrine::storage
