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

// Returns the hash at position `pos` of tile `key` as this batch leaves it:
// its bytes in the batch, else as stored (read into `stored`), else nullopt.
absl::StatusOr<std::optional<absl::string_view>> TileHashAt(
    const Db& db, const BatchContents& batch, std::pair<uint8_t, uint64_t> key,
    size_t pos, std::optional<std::string>& stored) {
  absl::string_view bytes;
  if (auto it = batch.tiles.find(key); it != batch.tiles.end()) {
    bytes = it->second.bytes;
  } else {
    VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> read,
                             MultiGetTiles(db, {key}));
    if (!read[0].has_value()) return std::nullopt;
    stored = *std::move(read[0]);
    bytes = *stored;
  }
  if (bytes.size() < (pos + 1) * merkle::kHashSize) {
    return std::optional<absl::string_view>();
  }
  return std::optional<absl::string_view>(
      bytes.substr(pos * merkle::kHashSize, merkle::kHashSize));
}

// An interior is 255 hashes, of a tile that is full once the batch is
// applied, whose root (its last hash) is the parent tile's hash for the
// tile, and it is written once: a stored interior never changes. Checking
// the rest of it against the tile would cost 255 hashes per tile; startup
// verification does that (store.h, "Integrity").
absl::Status CheckInteriors(const Db& db, const BatchContents& batch) {
  std::vector<std::pair<uint8_t, uint64_t>> keys;
  for (const auto& [key, interior] : batch.interiors) {
    const merkle::TileId id{key.first, key.second, merkle::kTileWidth};
    VITRINE_RETURN_IF_ERROR(merkle::ValidateTileId(id));
    if (interior.size() != merkle::kTileInteriorSize * merkle::kHashSize) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the interior of ", merkle::TilePath(id), " has ", interior.size(),
          " bytes, not 32 * ", merkle::kTileInteriorSize));
    }
    std::optional<std::string> stored_tile, stored_parent;
    VITRINE_ASSIGN_OR_RETURN(
        std::optional<absl::string_view> last,
        TileHashAt(db, batch, key, merkle::kTileWidth - 1, stored_tile));
    if (!last.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "an interior for ", merkle::TilePath(id),
          ", which is not full in the batch or the store"));
    }
    const std::pair<uint8_t, uint64_t> parent(
        static_cast<uint8_t>(key.first + 1), key.second / merkle::kTileWidth);
    VITRINE_ASSIGN_OR_RETURN(
        std::optional<absl::string_view> root,
        TileHashAt(db, batch, parent, key.second % merkle::kTileWidth,
                   stored_parent));
    if (!root.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "an interior for ", merkle::TilePath(id),
          " whose root is not in its parent tile in the batch or the store"));
    }
    if (interior.substr(interior.size() - merkle::kHashSize) != *root) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the interior of ", merkle::TilePath(id),
          " ends in a root that differs from its parent tile's hash for it"));
    }
    keys.push_back(key);
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> stored,
                           MultiGetTiles(db, keys, Cf::kTileInteriors));
  for (size_t i = 0; i < keys.size(); ++i) {
    if (stored[i].has_value() && *stored[i] != batch.interiors.at(keys[i])) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the interior of ", merkle::TilePath({keys[i].first, keys[i].second}),
          " would change: stored interiors never change"));
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
  VITRINE_RETURN_IF_ERROR(CheckInteriors(db, batch));
  return CheckCheckpoints(db, batch);
}

}  // namespace vitrine::storage::internal
