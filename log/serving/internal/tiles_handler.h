// The C2SP tlog-tiles read API (https://c2sp.org/tlog-tiles) as plain
// functions from a request path and the published tree to a reply, with no
// HTTP library in sight: log/serving/tiles_http.cc adds the cache
// validators and copies the reply onto the wire.
//
//   HttpReply reply = TileReply("tile/0/x001/017.p/5", state->checkpoint.size,
//                               *store, caching);
//   // reply.status == 200, reply.body holds 5 * 32 bytes
//
// What exists is decided by the published tree, not by the store: the store
// may already hold a wider partial tile (and more entries) than the latest
// published checkpoint covers, and a reader must never see a tree that no
// signed checkpoint vouches for.
//
// Functions are thread-safe (the Store's reads are).
#ifndef VITRINE_LOG_SERVING_INTERNAL_TILES_HANDLER_H_
#define VITRINE_LOG_SERVING_INTERNAL_TILES_HANDLER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "log/storage/store.h"

namespace vitrine::serving::internal {

inline constexpr absl::string_view kTextContentType =
    "text/plain; charset=utf-8";
inline constexpr absl::string_view kBinaryContentType =
    "application/octet-stream";
// Full tiles and full entry bundles never change: any cache may keep them.
inline constexpr absl::string_view kImmutableCaching =
    "public, max-age=31536000, immutable";
// Errors, health and metrics describe the moment: a 404 for a tile beyond
// the tree turns into a 200 once the tree grows, so no cache may keep it.
inline constexpr absl::string_view kNoStore = "no-store";

// One HTTP answer.
struct HttpReply {
  int status = 200;
  std::string content_type = std::string(kTextContentType);
  std::string cache_control = std::string(kNoStore);
  std::string body;
  // When set, the body instead (bytes shared with a cache).
  std::shared_ptr<const std::string> shared_body;
  // The strong ETag (quoted) of a 200's body; empty: none is sent.
  std::string etag;
};

// How long the mutable and short-lived resources may be cached.
struct TileCaching {
  // tlog-tiles: the checkpoint's headers "SHOULD prevent caching beyond a
  // few seconds". Zero gives `no-cache`.
  absl::Duration checkpoint_max_age = absl::Seconds(2);
  // Partial tiles and bundles (see HttpOptions::partial_max_age).
  absl::Duration partial_max_age = absl::Seconds(60);
};

// Returns a text reply (no-store) with `status` and `message` plus a newline.
HttpReply TextReply(int status, absl::string_view message);

// Returns `signed_note`, the checkpoint served (tlog-tiles "Checkpoints").
HttpReply CheckpointReply(absl::string_view signed_note,
                          const TileCaching& caching);

// Returns the first W hashes of the tile named by `path` ("tile/<L>/<N>
// [.p/<W>]", no leading slash) in the tree of `tree_size` leaves: 404 for a
// path ParseTilePath rejects and for a tile (or width) the tree does not
// have; 500 (503 for Unavailable) when storage fails.
HttpReply TileReply(absl::string_view path, uint64_t tree_size,
                    const storage::Store& store, const TileCaching& caching);

// Returns the entry bundle named by `path` ("tile/entries/<N>[.p/<W>]"):
// the leaves [256N, 256N + W), each prefixed by its 2-byte length. Status
// codes as TileReply.
HttpReply EntryBundleReply(absl::string_view path, uint64_t tree_size,
                           const storage::Store& store,
                           const TileCaching& caching);

// Returns how many hashes tile (level, index) has in the tree of `tree_size`
// leaves: 256 when full, the right edge's width for the partial one, 0 for
// a tile the tree does not have.
uint16_t TileWidthInTree(uint8_t level, uint64_t index, uint64_t tree_size);

}  // namespace vitrine::serving::internal

#endif  // VITRINE_LOG_SERVING_INTERNAL_TILES_HANDLER_H_
