#include "log/sequencer/resume.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"
#include "log/sequencer/tile_check.h"

namespace vitrine::sequencer {
namespace {

using merkle::Hash;
using merkle::TileId;

// Returns `status` with `prefix` before its message, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

constexpr absl::string_view kRefuse =
    "store verification failed, refusing to serve: ";

// Signs and commits the empty tree's checkpoint in a store that has none.
absl::StatusOr<ResumedLog> CreateLog(storage::Store& store,
                                     const note::Signer& signer,
                                     const note::VerifierSet& log_keys) {
  // Entries without any checkpoint were never acknowledged by a sequencer
  // (every commit carries one): the store was written by something else.
  if (const uint64_t entries = store.EntryCount(); entries != 0) {
    return absl::DataLossError(absl::StrCat(
        kRefuse, "the store holds ", entries,
        " entries but no signed checkpoint"));
  }

  ResumedLog log;
  log.checkpoint = note::Checkpoint{signer.Name(), 0, merkle::EmptyRoot(), {}};
  VITRINE_ASSIGN_OR_RETURN(log.signed_note,
                           note::SignCheckpoint(log.checkpoint, signer));
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(log.signed_note, signer.Name(), log_keys);
  if (!opened.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the log verifier does not verify the log signer's checkpoint: ",
        opened.status().message()));
  }
  storage::WriteBatch batch;
  batch.PutCheckpoint(0, log.signed_note);
  VITRINE_RETURN_IF_ERROR(store.Commit(batch));
  return log;
}

// Parses and verifies the stored checkpoint as this log's.
absl::StatusOr<note::Checkpoint> OpenStored(
    const storage::StoredCheckpoint& stored, absl::string_view origin,
    const note::VerifierSet& log_keys) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(stored.signed_note);
  if (!parsed.ok()) {
    return Annotate(absl::DataLossError(parsed.status().message()),
                    absl::StrCat(kRefuse, "the stored checkpoint is malformed: "));
  }
  absl::StatusOr<note::Checkpoint> body = note::ParseCheckpoint(parsed->text);
  if (!body.ok()) {
    return Annotate(absl::DataLossError(body.status().message()),
                    absl::StrCat(kRefuse, "the stored checkpoint is malformed: "));
  }
  if (body->origin != origin) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store holds the log \"", body->origin, "\", not \"", origin, "\""));
  }
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(stored.signed_note, origin, log_keys);
  if (absl::IsPermissionDenied(opened.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the store's checkpoint for \"", origin,
        "\" is not signed by this log key: ", opened.status().message()));
  }
  if (!opened.ok()) {
    // A signature line of our key that does not verify: damaged or forged.
    return Annotate(absl::DataLossError(opened.status().message()),
                    absl::StrCat(kRefuse, "the stored checkpoint: "));
  }
  if (opened->checkpoint.size != stored.size) {
    return absl::DataLossError(absl::StrCat(
        kRefuse, "the checkpoint stored under size ", stored.size,
        " is for size ", opened->checkpoint.size));
  }
  return opened->checkpoint;
}

// Reads the partial tiles of the tree of `size` leaves into a TileEdge.
absl::StatusOr<TileEdge> ReadEdge(const storage::Store& store, uint64_t size) {
  std::vector<std::vector<Hash>> partial;
  for (const merkle::TileLevel& level : merkle::TileLevelsForSize(size)) {
    partial.emplace_back();
    if (level.partial_width == 0) continue;
    const TileId tile{level.level, level.full_tiles, level.partial_width};
    absl::StatusOr<std::string> bytes =
        store.ReadTile(tile.level, tile.index, tile.width);
    if (absl::IsNotFound(bytes.status())) {
      return absl::DataLossError(
          absl::StrCat(kRefuse, merkle::TilePath(tile), " is missing"));
    }
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<std::vector<Hash>> hashes = merkle::DecodeTile(tile, *bytes);
    if (!hashes.ok()) {
      return absl::DataLossError(absl::StrCat(kRefuse, merkle::TilePath(tile),
                                              ": ", hashes.status().message()));
    }
    partial.back() = *std::move(hashes);
  }
  absl::StatusOr<TileEdge> edge =
      TileEdge::FromPartialTiles(size, std::move(partial));
  if (!edge.ok()) return absl::InternalError(edge.status().message());
  return edge;
}

// Verifies the stored state under `latest` (see ResumeLog).
absl::StatusOr<ResumedLog> ResumeStored(storage::Store& store,
                                        const storage::StoredCheckpoint& latest,
                                        absl::string_view origin,
                                        const note::VerifierSet& log_keys,
                                        bool verify_full_tiles) {
  ResumedLog log;
  log.signed_note = latest.signed_note;
  VITRINE_ASSIGN_OR_RETURN(log.checkpoint,
                           OpenStored(latest, origin, log_keys));
  const uint64_t size = log.checkpoint.size;

  // Every commit carries its checkpoint, so the entries are exactly those
  // it covers; anything else means the store was not written by us alone.
  if (const uint64_t entries = store.EntryCount(); entries != size) {
    return absl::DataLossError(absl::StrCat(
        kRefuse, "the store holds ", entries,
        " entries but its latest signed checkpoint is for size ", size));
  }

  // The root from the raw tile bytes (exact widths: a wider partial tile
  // would also mean data beyond the checkpoint).
  const TileFetcher fetch = [&store](const TileId& t) {
    return store.ReadTile(t.level, t.index, t.width);
  };
  absl::StatusOr<Hash> tiles_root = RootFromTiles(size, fetch);
  VITRINE_RETURN_IF_ERROR(Annotate(tiles_root.status(), kRefuse));
  if (*tiles_root != log.checkpoint.root) {
    return absl::DataLossError(absl::StrCat(
        kRefuse, "the root recomputed from the stored tiles (",
        tiles_root->ToHex(), ") differs from the signed checkpoint's root (",
        log.checkpoint.root.ToHex(), ") at size ", size));
  }
  if (verify_full_tiles) {
    // Store::ReadTile is thread-safe; hashing dominates, so use the cores.
    const int threads = static_cast<int>(
        std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
    // Stored interiors are what proofs read instead of hashing the tiles:
    // compare each with the one these checks recompute anyway.
    const InteriorFetcher fetch_interior = [&store](const TileId& t) {
      return store.ReadTileInterior(t.level, t.index);
    };
    VITRINE_RETURN_IF_ERROR(Annotate(
        CheckFullTiles(size, fetch, fetch_interior, threads), kRefuse));
  }

  // The compact range, read the way proofs will read: through the store's
  // hash reader and its cache.
  const std::vector<merkle::NodeId> nodes = merkle::RangeNodes(0, size);
  absl::StatusOr<std::vector<Hash>> hashes =
      store.hash_reader().ReadHashes(nodes);
  if (absl::IsNotFound(hashes.status())) {
    return absl::DataLossError(
        absl::StrCat(kRefuse, "the right edge: ", hashes.status().message()));
  }
  VITRINE_RETURN_IF_ERROR(Annotate(hashes.status(), kRefuse));
  absl::StatusOr<merkle::CompactRange> range =
      merkle::CompactRange::FromHashes(0, size, *std::move(hashes));
  if (!range.ok()) return absl::InternalError(range.status().message());
  if (range->Root() != log.checkpoint.root) {
    return absl::DataLossError(absl::StrCat(
        kRefuse, "the root read through the store's hash reader (",
        range->Root().ToHex(), ") differs from the signed checkpoint's root (",
        log.checkpoint.root.ToHex(), ") at size ", size));
  }
  log.range = *std::move(range);
  VITRINE_ASSIGN_OR_RETURN(log.edge, ReadEdge(store, size));
  return log;
}

}  // namespace

absl::StatusOr<ResumedLog> ResumeLog(storage::Store& store,
                                     const note::Signer& signer,
                                     const note::VerifierSet& log_keys,
                                     bool verify_full_tiles) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<storage::StoredCheckpoint> latest,
                           store.LatestCheckpoint());
  if (!latest.has_value()) return CreateLog(store, signer, log_keys);
  return ResumeStored(store, *latest, signer.Name(), log_keys,
                      verify_full_tiles);
}

absl::StatusOr<ResumedLog> ResumeLog(storage::Store& store,
                                     absl::string_view origin,
                                     const note::VerifierSet& log_keys,
                                     bool verify_full_tiles) {
  VITRINE_ASSIGN_OR_RETURN(std::optional<storage::StoredCheckpoint> latest,
                           store.LatestCheckpoint());
  if (latest.has_value()) {
    return ResumeStored(store, *latest, origin, log_keys, verify_full_tiles);
  }
  if (const uint64_t entries = store.EntryCount(); entries != 0) {
    return absl::DataLossError(absl::StrCat(
        kRefuse, "the store holds ", entries,
        " entries but no signed checkpoint"));
  }
  ResumedLog log;
  log.checkpoint = note::Checkpoint{std::string(origin), 0, merkle::EmptyRoot(), {}};
  return log;
}

}  // namespace vitrine::sequencer
