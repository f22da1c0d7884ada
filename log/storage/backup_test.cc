// Store::Backup and Store::RestoreBackup with a real RocksDB: a backup taken
// while commits go on restores to a store that verifies; a second backup
// copies only the increment; restore never overwrites a store and refuses a
// damaged backup before writing anything.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/merkle/compact_range.h"
#include "log/storage/store.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::storage {
namespace {

using ::testing::HasSubstr;
using testing::FreshTestDir;
using testing::TestLog;

std::unique_ptr<Store> OpenStore(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({.path = path});
  EXPECT_OK(store.status());
  return store.ok() ? *std::move(store) : nullptr;
}

// Appends `count` entries named from `first` in batches of 100.
void AppendEntries(TestLog& log, uint64_t first, uint64_t count) {
  std::vector<std::string> entries;
  for (uint64_t i = first; i < first + count; ++i) {
    entries.push_back(absl::StrCat("backup test entry ", i));
    if (entries.size() == 100) {
      ASSERT_OK(log.Append(entries));
      entries.clear();
    }
  }
  if (!entries.empty()) {
    ASSERT_OK(log.Append(entries));
  }
}

TEST(BackupTest, BackupWhileAppendingRestoresAConsistentStore) {
  const std::string path = FreshTestDir("live");
  const std::string backups = FreshTestDir("backups");
  std::unique_ptr<Store> store = OpenStore(path);
  TestLog log(store.get());
  AppendEntries(log, 0, 3000);

  // Commits go on while the backup copies files.
  std::thread writer([&] { AppendEntries(log, 3000, 3000); });
  ASSERT_OK_AND_ASSIGN(BackupInfo first, store->Backup(backups));
  writer.join();
  EXPECT_EQ(first.id, 1u);
  EXPECT_GE(first.tree_size, 3000u);
  EXPECT_GT(first.files, 0u);
  EXPECT_GT(first.bytes_copied, 0u);

  ASSERT_OK_AND_ASSIGN(BackupInfo second, store->Backup(backups));
  EXPECT_EQ(second.id, 2u);
  EXPECT_EQ(second.tree_size, 6000u);
  // Incremental: the SST files of the first backup are shared, not copied.
  EXPECT_LT(second.bytes_copied, second.bytes);

  const std::string restored_path = FreshTestDir("restored");
  ASSERT_OK_AND_ASSIGN(BackupInfo restored,
                       Store::RestoreBackup(backups, restored_path));
  EXPECT_EQ(restored.id, 2u);
  EXPECT_EQ(restored.tree_size, 6000u);
  std::unique_ptr<Store> copy = OpenStore(restored_path);
  EXPECT_EQ(copy->EntryCount(), 6000u);
  ASSERT_OK_AND_ASSIGN(std::string entry, copy->GetEntry(5999));
  EXPECT_EQ(entry, "backup test entry 5999");
  ASSERT_OK_AND_ASSIGN(std::string tile, copy->ReadTile(0, 0, 256));
  ASSERT_OK_AND_ASSIGN(std::string live_tile, store->ReadTile(0, 0, 256));
  EXPECT_EQ(tile, live_tile);
  ASSERT_OK_AND_ASSIGN(auto latest, copy->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->signed_note, testing::TestCheckpointNote(6000, log.root()));
}

TEST(BackupTest, TheFirstBackupOfAConcurrentRunHoldsAPrefixThatVerifies) {
  const std::string path = FreshTestDir("prefix");
  const std::string backups = FreshTestDir("prefix_backups");
  std::unique_ptr<Store> store = OpenStore(path);
  TestLog log(store.get());
  AppendEntries(log, 0, 1000);
  std::thread writer([&] { AppendEntries(log, 1000, 4000); });
  ASSERT_OK_AND_ASSIGN(BackupInfo backup, store->Backup(backups));
  writer.join();

  const std::string restored_path = FreshTestDir("prefix_restored");
  ASSERT_OK_AND_ASSIGN(BackupInfo restored,
                       Store::RestoreBackup(backups, restored_path));
  EXPECT_GE(restored.tree_size, backup.tree_size);
  std::unique_ptr<Store> copy = OpenStore(restored_path);
  // Whatever instant the backup caught, entries and checkpoint agree: every
  // commit is one atomic batch.
  EXPECT_EQ(copy->EntryCount(), restored.tree_size);
  merkle::CompactRange range;
  for (uint64_t i = 0; i < restored.tree_size; ++i) {
    range.Append(merkle::HashLeaf(absl::StrCat("backup test entry ", i)));
  }
  ASSERT_OK_AND_ASSIGN(auto latest, copy->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->signed_note,
            testing::TestCheckpointNote(restored.tree_size, range.Root()));
}

TEST(BackupTest, RestoreNeverOverwritesAStore) {
  const std::string path = FreshTestDir("overwrite");
  const std::string backups = FreshTestDir("overwrite_backups");
  std::unique_ptr<Store> store = OpenStore(path);
  TestLog log(store.get());
  AppendEntries(log, 0, 10);
  ASSERT_OK(store->Backup(backups).status());
  absl::StatusOr<BackupInfo> restored = Store::RestoreBackup(backups, path);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(restored.status().message(), HasSubstr("move it away first"));
  EXPECT_EQ(store->EntryCount(), 10u);
}

TEST(BackupTest, NoBackupIsNotFound) {
  const std::string empty = FreshTestDir("no_backups");
  EXPECT_EQ(Store::RestoreBackup(empty, FreshTestDir("nowhere")).status().code(),
            absl::StatusCode::kNotFound);
  std::filesystem::create_directories(empty);
  EXPECT_EQ(Store::RestoreBackup(empty, FreshTestDir("nowhere2")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(BackupTest, BackingUpIntoTheStoreItselfIsRefused) {
  const std::string path = FreshTestDir("itself");
  std::unique_ptr<Store> store = OpenStore(path);
  EXPECT_EQ(store->Backup(path).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BackupTest, ADamagedBackupRestoresNothing) {
  const std::string path = FreshTestDir("damaged");
  const std::string backups = FreshTestDir("damaged_backups");
  std::unique_ptr<Store> store = OpenStore(path);
  TestLog log(store.get());
  AppendEntries(log, 0, 2000);
  ASSERT_OK(store->Backup(backups).status());
  // Flip one byte in the middle of a shared SST file of the backup.
  std::string victim;
  for (const auto& file : std::filesystem::recursive_directory_iterator(backups)) {
    if (file.is_regular_file() && file.path().extension() == ".sst") {
      victim = file.path().string();
      break;
    }
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(victim) / 2);
    f.seekg(middle);
    char byte = 0;
    f.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    f.seekp(middle);
    f.write(&byte, 1);
  }
  const std::string restored_path = FreshTestDir("damaged_restored");
  absl::StatusOr<BackupInfo> restored = Store::RestoreBackup(backups, restored_path);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(restored.status().message(), HasSubstr("is damaged"));
  EXPECT_FALSE(std::filesystem::exists(restored_path + "/CURRENT"));
}

}  // namespace
}  // namespace vitrine::storage
