#include "log/storage/internal/batch.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/storage/internal/keys.h"
#include "log/storage/internal/rocksdb_status.h"

namespace vitrine::storage::internal {
namespace {

absl::Status CheckEntries(const BatchContents& batch, uint64_t count) {
  std::vector<uint64_t> indexes;
  indexes.reserve(batch.entries.size());
  for (const auto& entry : batch.entries) indexes.push_back(entry.index);
  std::sort(indexes.begin(), indexes.end());
  for (size_t i = 1; i < indexes.size(); ++i) {
    if (indexes[i] == indexes[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry ", indexes[i], " added twice to one batch"));
    }
  }
  if (!indexes.empty() &&
      (indexes.front() != count || indexes.back() != count + indexes.size() - 1)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "entries [", indexes.front(), ", ", indexes.back(),
        "] do not extend the log of ", count, " entries contiguously"));
  }
  return absl::OkStatus();
}

absl::Status CheckTiles(const Db& db, const BatchContents& batch) {
  std::vector<std::pair<uint8_t, uint64_t>> keys;
  for (const auto& [key, tile] : batch.tiles) {
    VITRINE_RETURN_IF_ERROR(merkle::ValidateTileId(tile.id));
    if (tile.bytes.size() != size_t{tile.id.width} * merkle::kHashSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tile ", merkle::TilePath(tile.id), " has ", tile.bytes.size(),
          " bytes, not 32 * ", tile.id.width));
    }
    keys.push_back(key);
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> stored,
                           MultiGetTiles(db, keys));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!stored[i].has_value()) continue;
    const auto& tile = batch.tiles.at(keys[i]);
    if (!absl::StartsWith(tile.bytes, *stored[i])) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tile ", merkle::TilePath(tile.id), " would change the ",
          stored[i]->size() / merkle::kHashSize,
          " stored hashes of that tile: stored tiles only grow"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCheckpoints(const Db& db,
                              const BatchContents& batch) {
  for (const auto& [size, note] : batch.checkpoints) {
    std::string value;
    rocksdb::Status status = db.db->Get(
        VerifiedReadOptions(), db.cf(Cf::kCheckpoints), IndexKey(size), &value);
    if (status.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a checkpoint for size ", size,
          " is already stored; the log never signs two heads for one size"));
    }
    if (!status.IsNotFound()) {
      return FromRocksDb(status, absl::StrCat("reading checkpoint ", size));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckBatch(const Db& db, const BatchContents& batch,
                        uint64_t entry_count) {
  if (!batch.error.empty()) return absl::InvalidArgumentError(batch.error);
  VITRINE_RETURN_IF_ERROR(CheckEntries(batch, entry_count));
  VITRINE_RETURN_IF_ERROR(CheckTiles(db, batch));
  return CheckCheckpoints(db, batch);
}

}  // namespace vitrine::storage::internal
