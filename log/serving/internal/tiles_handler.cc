#include "log/serving/internal/tiles_handler.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log/merkle/entry_bundle.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"

namespace vitrine::serving::internal {
namespace {

std::string CacheControl(absl::Duration max_age) {
  int64_t seconds = absl::ToInt64Seconds(max_age);
  if (seconds <= 0) return "no-cache";
  return absl::StrCat("public, max-age=", seconds);
}

// A reply for bytes the published tree vouches for.
HttpReply BinaryReply(std::string body, bool full, const TileCaching& caching) {
  HttpReply reply;
  reply.content_type = std::string(kBinaryContentType);
  reply.cache_control = full ? std::string(kImmutableCaching)
                             : CacheControl(caching.partial_max_age);
  reply.body = std::move(body);
  return reply;
}

// Storage failed under a resource the tree has. The details (paths, keys)
// are for the operator's log, not for the public: the client gets the code.
HttpReply StorageError(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "vitrine http: reading %.*s: %s\n",
               static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  bool retry = status.code() == absl::StatusCode::kUnavailable;
  return TextReply(
      retry ? 503 : 500,
      absl::StrCat("storage error (", absl::StatusCodeToString(status.code()),
                   ") reading ", what));
}

// tlog-tiles defines no error for a malformed path; the API is a set of
// static files, so a path that names none is simply not found, as a file
// server or CDN holding the same layout would answer.
HttpReply NotFound(absl::string_view message) {
  return TextReply(404, message);
}

HttpReply BeyondTree(absl::string_view path, uint64_t tree_size) {
  return NotFound(
      absl::StrCat(path, ": not in the published tree of size ", tree_size));
}

}  // namespace

HttpReply TextReply(int status, absl::string_view message) {
  HttpReply reply;
  reply.status = status;
  reply.body = absl::StrCat(message, "\n");
  return reply;
}

uint16_t TileWidthInTree(uint8_t level, uint64_t index, uint64_t tree_size) {
  for (const merkle::TileLevel& tiles : merkle::TileLevelsForSize(tree_size)) {
    if (tiles.level != level) continue;
    if (index < tiles.full_tiles) return merkle::kTileWidth;
    if (index == tiles.full_tiles) return tiles.partial_width;
    return 0;
  }
  return 0;
}

HttpReply CheckpointReply(absl::string_view signed_note,
                          const TileCaching& caching) {
  HttpReply reply;
  reply.cache_control = CacheControl(caching.checkpoint_max_age);
  reply.body = std::string(signed_note);
  return reply;
}

HttpReply TileReply(absl::string_view path, uint64_t tree_size,
                    const storage::Store& store, const TileCaching& caching) {
  absl::StatusOr<merkle::TileId> tile = merkle::ParseTilePath(path);
  if (!tile.ok()) return NotFound(tile.status().message());
  // Any width up to what the tree has: a narrower partial tile is a prefix
  // of the wider one (or of the full tile), so clients holding an older
  // checkpoint still find the partial tile it needs.
  if (tile->width > TileWidthInTree(tile->level, tile->index, tree_size)) {
    return BeyondTree(path, tree_size);
  }
  absl::StatusOr<std::string> bytes =
      store.ReadTile(tile->level, tile->index, tile->width);
  if (!bytes.ok()) return StorageError(path, bytes.status());
  const size_t size = size_t{tile->width} * merkle::kHashSize;
  if (bytes->size() < size) {
    return StorageError(path, absl::DataLossError("stored tile too short"));
  }
  // The store may hold a wider partial tile than the published tree.
  bytes->resize(size);
  return BinaryReply(*std::move(bytes), tile->full(), caching);
}

HttpReply EntryBundleReply(absl::string_view path, uint64_t tree_size,
                           const storage::Store& store,
                           const TileCaching& caching) {
  absl::StatusOr<merkle::TileId> tile = merkle::ParseEntryBundlePath(path);
  if (!tile.ok()) return NotFound(tile.status().message());
  if (tile->width > TileWidthInTree(0, tile->index, tree_size)) {
    return BeyondTree(path, tree_size);
  }
  // No overflow: the index is below tree_size / 256.
  const uint64_t begin = tile->index * merkle::kTileWidth;
  absl::StatusOr<std::vector<std::string>> entries =
      store.GetEntries(begin, begin + tile->width);
  if (!entries.ok()) return StorageError(path, entries.status());
  absl::StatusOr<std::string> bundle = merkle::EncodeEntryBundle(*entries);
  if (!bundle.ok()) {
    // Stored leaves are at most 16 KiB; one that does not fit is corrupt.
    return StorageError(path, absl::DataLossError(bundle.status().message()));
  }
  return BinaryReply(*std::move(bundle), tile->full(), caching);
}

}  // namespace vitrine::serving::internal
