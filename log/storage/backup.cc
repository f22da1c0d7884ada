// Store::Backup and Store::RestoreBackup (store.h): RocksDB's BackupEngine,
// which copies a live database consistently (it pins the live files and
// copies the WAL up to the instant it began) and shares SST files between
// the backups of one folder, so each backup copies only what is new.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/storage/internal/db.h"
#include "log/storage/internal/rocksdb_status.h"
#include "log/storage/internal/store_rep.h"
#include "log/storage/store.h"
#include "rocksdb/utilities/backup_engine.h"

namespace vitrine::storage {
namespace {

using internal::FromRocksDb;

// Bytes of the regular files under `dir` (0 when it does not exist): what a
// backup added is the folder's growth, since shared files are not copied
// again and BackupEngine reports only the backup's total.
uint64_t FolderBytes(const std::string& dir) {
  std::error_code error;
  uint64_t total = 0;
  for (std::filesystem::recursive_directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const uintmax_t size = it->file_size(size_error);
      if (!size_error) total += size;
    }
  }
  return total;
}

rocksdb::BackupEngineOptions EngineOptions(const std::string& backup_dir) {
  rocksdb::BackupEngineOptions options(backup_dir);
  // Every backup file is fsync'd before the backup is recorded: a backup
  // that a crash could leave half-written would be found out at restore.
  options.sync = true;
  options.share_table_files = true;
  // Two copy threads: a backup competes with the sequencer for the disk,
  // not only for the CPU.
  options.max_background_operations = 2;
  return options;
}

BackupInfo FromEngineInfo(const rocksdb::BackupInfo& info) {
  BackupInfo result;
  result.id = info.backup_id;
  result.timestamp = info.timestamp;
  result.files = info.number_files;
  result.bytes = info.size;
  return result;
}

}  // namespace

absl::StatusOr<BackupInfo> Store::Backup(const std::string& backup_dir,
                                         uint64_t rate_limit) const {
  if (backup_dir.empty()) {
    return absl::InvalidArgumentError("the backup folder is empty");
  }
  if (std::filesystem::weakly_canonical(backup_dir) ==
      std::filesystem::weakly_canonical(rep_->options.path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the backup folder ", backup_dir, " is the store itself"));
  }
  absl::StatusOr<std::optional<StoredCheckpoint>> latest = LatestCheckpoint();
  if (!latest.ok()) return latest.status();
  const uint64_t tree_size = latest->has_value() ? (*latest)->size : 0;
  const uint64_t bytes_before = FolderBytes(backup_dir);

  rocksdb::BackupEngineOptions engine_options = EngineOptions(backup_dir);
  engine_options.backup_rate_limit = rate_limit;  // 0: RocksDB's "none"
  rocksdb::BackupEngine* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngine::Open(
      engine_options, rocksdb::Env::Default(), &raw);
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  if (!opened.ok()) {
    return FromRocksDb(opened, absl::StrCat("opening backup folder ", backup_dir));
  }
  // Held for the whole copy: the store is not reopened under it.
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<internal::Db> db, rep_->db->Get());
  rocksdb::CreateBackupOptions create;
  // The memtables go to SST files first, so the copied WAL is short and a
  // restore replays little.
  create.flush_before_backup = true;
  // Copy threads yield the CPU to the sequencer, as compactions do.
  create.decrease_background_thread_cpu_priority = true;
  create.background_thread_cpu_priority = rocksdb::CpuPriority::kLow;
  rocksdb::BackupID id = 0;
  rocksdb::IOStatus created = engine->CreateNewBackupWithMetadata(
      create, db->db.get(), absl::StrCat("tree_size>=", tree_size), &id);
  if (!created.ok()) {
    // Whatever the failed backup left behind is not a backup: reclaim it.
    engine->GarbageCollect().PermitUncheckedError();
    return FromRocksDb(created, absl::StrCat("backing up to ", backup_dir));
  }
  rocksdb::BackupInfo info;
  VITRINE_RETURN_IF_ERROR(FromRocksDb(engine->GetBackupInfo(id, &info),
                                      "reading the new backup's info"));
  BackupInfo result = FromEngineInfo(info);
  result.tree_size = tree_size;
  const uint64_t bytes_after = FolderBytes(backup_dir);
  result.bytes_copied = bytes_after > bytes_before ? bytes_after - bytes_before : 0;
  return result;
}

absl::StatusOr<BackupInfo> Store::RestoreBackup(const std::string& backup_dir,
                                                const std::string& store_path) {
  if (backup_dir.empty() || store_path.empty()) {
    return absl::InvalidArgumentError("restore needs a backup folder and a store path");
  }
  std::error_code error;
  if (std::filesystem::exists(store_path + "/CURRENT", error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a store already exists at ", store_path,
        "; restore never overwrites one: move it away first"));
  }
  if (!std::filesystem::exists(backup_dir, error)) {
    return absl::NotFoundError(absl::StrCat("no backup folder at ", backup_dir));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  rocksdb::IOStatus opened = rocksdb::BackupEngineReadOnly::Open(
      EngineOptions(backup_dir), rocksdb::Env::Default(), &raw);
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  if (!opened.ok()) {
    return FromRocksDb(opened, absl::StrCat("opening backup folder ", backup_dir));
  }
  rocksdb::BackupInfo info;
  rocksdb::Status latest = engine->GetLatestBackupInfo(&info);
  if (latest.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no backup in ", backup_dir));
  }
  VITRINE_RETURN_IF_ERROR(FromRocksDb(latest, "reading the latest backup's info"));
  // Every file against the checksum recorded when it was copied, before
  // anything is written: a damaged backup restores nothing.
  rocksdb::IOStatus verified =
      engine->VerifyBackup(info.backup_id, /*verify_with_checksum=*/true);
  if (!verified.ok()) {
    return absl::DataLossError(absl::StrCat("backup ", info.backup_id, " in ",
                                            backup_dir, " is damaged: ",
                                            verified.ToString()));
  }
  rocksdb::RestoreOptions restore;
  VITRINE_RETURN_IF_ERROR(FromRocksDb(
      engine->RestoreDBFromBackup(restore, info.backup_id, store_path, store_path),
      absl::StrCat("restoring backup ", info.backup_id, " to ", store_path)));
  BackupInfo result = FromEngineInfo(info);

  StoreOptions options;
  options.path = store_path;
  options.create_if_missing = false;
  options.tile_cache_tiles = 0;
  absl::StatusOr<std::unique_ptr<Store>> restored = Store::Open(options);
  if (!restored.ok()) return restored.status();
  absl::StatusOr<std::optional<StoredCheckpoint>> checkpoint =
      (*restored)->LatestCheckpoint();
  if (!checkpoint.ok()) return checkpoint.status();
  result.tree_size = checkpoint->has_value() ? (*checkpoint)->size : 0;
  return result;
}

}  // namespace vitrine::storage
