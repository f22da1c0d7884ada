// The C2SP tlog-tiles HTTP API (https://c2sp.org/tlog-tiles) over a
// log/storage Store, shared by vitrine-log (log/server/http_server.h) and
// vitrine-monitor serving its verified copies (monitor/server/status_http.h),
// so that a mirror's bytes and headers are the log's by construction.
//
//   GET /checkpoint                  the signed checkpoint note given
//   GET /tile/<L>/<N>[.p/<W>]        W hashes of a Merkle tree tile
//   GET /tile/entries/<N>[.p/<W>]    the entries behind a level-0 tile
//
//   TilesHttp tiles(store, TilesHttpOptions{});
//   if (TilesHttp::Serves(request.path)) {
//     WriteReply(tiles.Reply(request.path, {size, signed_note}), request,
//                response);
//   }
//
// Headers, for any standard cache (browser, nginx, CDN):
//   - full tiles and full entry bundles: "public, max-age=31536000,
//     immutable" (their bytes never change);
//   - /checkpoint: "public, max-age=<checkpoint_max_age>" (2 s), so a cache
//     serves a checkpoint at most that much older than the tree's;
//   - partial tiles and bundles: "public, max-age=<partial_max_age>" (60 s);
//   - every 200 a strong ETag (128 bits of the body's SHA-256): a request
//     whose If-None-Match names it gets 304 with no body;
//   - every error "no-store": a tile beyond the tree is 404 now and 200
//     once the tree grows, so no cache may keep the 404.
// What exists is decided by the tree given, not by the store (the store may
// already hold more than any signed checkpoint vouches for).
//
// Thread-safety: thread-safe; the store's reads are.
#ifndef VITRINE_LOG_SERVING_TILES_HTTP_H_
#define VITRINE_LOG_SERVING_TILES_HTTP_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/http_front.h"
#include "log/serving/internal/immutable_cache.h"
#include "log/serving/internal/tiles_handler.h"
#include "log/storage/store.h"

namespace vitrine::serving {

// One answer before it is written (status, type, caching, body, ETag).
using HttpReply = internal::HttpReply;
using internal::TextReply;

struct TilesHttpOptions {
  // Cache lifetime of /checkpoint: tlog-tiles wants no caching "beyond a few
  // seconds"; a little lets a cache absorb polling clients. 0: no-cache.
  absl::Duration checkpoint_max_age = absl::Seconds(2);
  // Cache lifetime of partial tiles and bundles. Their bytes never change
  // either, but a log may drop a partial tile once the full one exists, and
  // only clients of a recent checkpoint want it: short-lived entries keep
  // caches from hoarding them.
  absl::Duration partial_max_age = absl::Seconds(60);
  // Memory for the bytes of full tiles and bundles, read from the store and
  // encoded (and hashed) once, then written to every client from one
  // buffer: 64 MiB holds about 800 full entry bundles of 76 KiB.
  size_t immutable_cache_bytes = size_t{64} << 20;
};

// The tree to serve, from one snapshot: its size and the signed checkpoint
// note that vouches for it (or for a prefix of it, such as a witnessed
// checkpoint: narrower partial tiles are prefixes of wider ones).
struct TilesTree {
  uint64_t size = 0;
  absl::string_view signed_note;
};

class TilesHttp {
 public:
  // `store` must outlive this object.
  TilesHttp(const storage::Store* store, TilesHttpOptions options);

  TilesHttp(const TilesHttp&) = delete;
  TilesHttp& operator=(const TilesHttp&) = delete;

  // Returns whether `path` is one Reply answers: "/checkpoint" or under
  // "/tile/" (a malformed tile path is Reply's 404, as a file server's).
  static bool Serves(absl::string_view path);

  // Returns the answer for `path` (with its leading slash) from `tree`:
  // 404 for a path that names no resource of the tree, 500/503 when the
  // store fails (tiles_handler.h), 200 with an ETag otherwise.
  HttpReply Reply(absl::string_view path, const TilesTree& tree) const;

 private:
  const storage::Store* const store_;
  internal::TileCaching caching_;
  // Thread-safe; mutable so that Reply stays a read.
  mutable internal::ImmutableCache immutable_;
};

// Returns the strong ETag of `body`: 128 bits of its SHA-256, hex, quoted.
std::string StrongEtag(absl::string_view body);

// Writes `reply` onto `response`: status, Cache-Control, Content-Type,
// "X-Content-Type-Options: nosniff" (error bodies echo the path) and the
// ETag when it has one. A 200 whose ETag the request's If-None-Match names
// (weak comparison, RFC 9110 13.1.2, "*" included) becomes a 304 with the
// same validators and caching and no body.
void WriteReply(HttpReply reply, const HttpRequest& request,
                HttpResponse& response);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_TILES_HTTP_H_
