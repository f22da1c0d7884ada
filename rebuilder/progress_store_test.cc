#include "rebuilder/progress_store.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"

namespace vitrine::rebuilder {
namespace {

using ::vitrine::testing::StatusIs;

class ProgressStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    path_ = absl::StrCat(tmp == nullptr ? "/tmp" : tmp, "/",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  std::unique_ptr<ProgressStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<ProgressStore>> store = ProgressStore::Open(path_);
    EXPECT_OK(store);
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::string path_;
};

TEST_F(ProgressStoreTest, ANewStoreStartsAtTheFirstEntry) {
  std::unique_ptr<ProgressStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->cursor(), 0u);
  ASSERT_OK_AND_ASSIGN(std::vector<PendingStatement> pending, store->Pending());
  EXPECT_TRUE(pending.empty());
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> record, store->Get(0));
  EXPECT_FALSE(record.has_value());
}

TEST_F(ProgressStoreTest, RecordsAndCursorSurviveAReopen) {
  {
    std::unique_ptr<ProgressStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->AdvanceCursor(3));
    ASSERT_OK(store->RecordPending(3, "note 3\n\n— r AAAA\n"));
    EXPECT_EQ(store->cursor(), 4u);
    ASSERT_OK(store->RecordFailed(7, "exit status 2"));
    ASSERT_OK(store->RecordPending(9, "note 9"));
    ASSERT_OK(store->RecordPending(12, "note 12"));
    ASSERT_OK(store->Sync());
    ASSERT_OK(store->MarkDone(9, "note 9", 40));
    ASSERT_OK(store->AdvanceCursor(20));
  }
  std::unique_ptr<ProgressStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->cursor(), 20u);
  ASSERT_OK_AND_ASSIGN(std::vector<PendingStatement> pending, store->Pending());
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].index, 3u);
  EXPECT_EQ(pending[0].note, "note 3\n\n— r AAAA\n");
  EXPECT_EQ(pending[1].index, 12u);
  EXPECT_EQ(pending[1].note, "note 12");

  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> failed, store->Get(7));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->state, ReleaseState::kFailed);
  EXPECT_EQ(failed->reason, "exit status 2");
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> done, store->Get(9));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, ReleaseState::kDone);
  EXPECT_EQ(done->logged_index, 40u);
  EXPECT_EQ(done->note, "note 9");
  ASSERT_OK_AND_ASSIGN(std::optional<ReleaseRecord> skipped, store->Get(5));
  EXPECT_FALSE(skipped.has_value());
}

TEST_F(ProgressStoreTest, NothingIsRecordedTwice) {
  std::unique_ptr<ProgressStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->RecordPending(5, "note"));
  EXPECT_THAT(store->RecordPending(5, "note"),
              StatusIs(absl::StatusCode::kFailedPrecondition, "below the cursor"));
  EXPECT_THAT(store->RecordFailed(2, "late"), StatusIs(absl::StatusCode::kFailedPrecondition));
  // The cursor never goes back.
  ASSERT_OK(store->AdvanceCursor(1));
  EXPECT_EQ(store->cursor(), 6u);
  EXPECT_OK(store->WriteFailure());
}

TEST_F(ProgressStoreTest, OneProcessAtATime) {
  std::unique_ptr<ProgressStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(ProgressStore::Open(path_), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace vitrine::rebuilder
