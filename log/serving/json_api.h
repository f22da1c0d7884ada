// The JSON read API (issue 17) over a log/storage Store, for the log
// explorer and for scripts: one handler shared by vitrine-log's HTTP port
// (log/server/http_server.cc) and vitrine-monitor's mirror
// (monitor/server/mirror_http.cc), so that both answer with the same bytes
// and headers, as tiles_http.h does for the tiles.
//
//   GET api/v1/log                          origin, log key, size, root, the
//                                           checkpoint note as /checkpoint
//   GET api/v1/entries/<index>              one entry object
//   GET api/v1/proof?index=<i>&size=<s>     RFC 9162 inclusion proof
//   GET api/v1/lookup?sha256=<hex>          what FindByDigest finds (<= 100)
//   GET api/v1/vendors/<name>/releases[?before=<i>][&limit=<1..100>]
//                                           a vendor's releases, newest first
//
//   JsonApi api(store, log_vkey, JsonApiOptions{});
//   if (JsonApi::Serves(request.path)) {
//     api.Handle(request, request.path, &snapshot, response);
//   }
//
// Answers are JSON (application/json; charset=utf-8), integers as numbers,
// hashes and bytes standard padded base64, artifact digests 64 lowercase
// hex; the entry object is internal/json_entry.h's. Every answer is from
// one snapshot: a tree size and the signed checkpoint note vouching for
// exactly it (the one /checkpoint serves), never beyond it, whatever more
// the store holds.
//
// Caching, for any standard cache: an entry, a proof and a vendor page with
// `before` never change ("public, max-age=31536000, immutable"); api/v1/log,
// a lookup and a vendor's first page describe the moment ("public,
// max-age=2", as /checkpoint); every 200 a strong ETag (304 on
// If-None-Match, tiles_http.h WriteReply); every error "no-store".
//
// Errors, the gRPC codes of the Log service: 400 INVALID_ARGUMENT (a
// malformed, missing, unknown or repeated parameter, an index not below
// the size, a limit outside 1..100, a vendor name outside the grammar),
// 404 NOT_FOUND (no such endpoint; an index or size beyond the snapshot),
// 405 UNIMPLEMENTED for a method other than GET and HEAD (with Allow),
// 503 UNAVAILABLE (no checkpoint yet, the store unavailable or its vendor
// index still being built), 500 with the storage code otherwise. The body
// is {"code":"<CODE>","error":"<reason>"}.
//
// Thread-safety: thread-safe; the store's reads are.
#ifndef VITRINE_LOG_SERVING_JSON_API_H_
#define VITRINE_LOG_SERVING_JSON_API_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/http_front.h"
#include "log/merkle/hash.h"
#include "log/serving/tiles_http.h"
#include "log/storage/store.h"

namespace vitrine::serving {

struct JsonApiOptions {
  // Cache lifetime of the answers that change as the log grows (api/v1/log,
  // lookups, a vendor's first page): as /checkpoint's, so that a cache
  // never holds a view much older than the checkpoint.
  absl::Duration short_max_age = absl::Seconds(2);
};

// The snapshot a request is answered from: the tree of `size` leaves whose
// root is `root`, vouched for by `signed_note` (a checkpoint of exactly
// that size for `origin`, cosignatures included). Views: the caller keeps
// them alive for the call.
struct JsonApiSnapshot {
  absl::string_view origin;
  uint64_t size = 0;
  merkle::Hash root;
  absl::string_view signed_note;
};

// Entries a lookup answers with at most; pages of a vendor listing.
inline constexpr size_t kLookupLimit = 100;
inline constexpr size_t kMaxPageLimit = 100;
inline constexpr size_t kDefaultPageLimit = 20;

class JsonApi {
 public:
  // `store` must outlive this object. `log_vkey` (the log's verifier key,
  // name+id+base64) is what api/v1/log names beside the origin.
  JsonApi(const storage::Store* store, std::string log_vkey,
          JsonApiOptions options = {});

  JsonApi(const JsonApi&) = delete;
  JsonApi& operator=(const JsonApi&) = delete;

  // Returns whether `path` (after any mirror prefix) is the API's: under
  // "/api/". Unknown paths there are the API's 404s.
  static bool Serves(absl::string_view path);

  // Returns the answer to `request`, whose path (after any mirror prefix)
  // is `path`, from `snapshot` (null: none yet, 503).
  HttpReply Reply(const HttpRequest& request, absl::string_view path,
                  const JsonApiSnapshot* snapshot) const;

  // Writes Reply onto `response` (WriteReply: 304 on If-None-Match), with
  // "Allow: GET, HEAD" on a 405.
  void Handle(const HttpRequest& request, absl::string_view path,
              const JsonApiSnapshot* snapshot, HttpResponse& response) const;

 private:
  HttpReply Log(const JsonApiSnapshot& snapshot) const;
  HttpReply Entry(absl::string_view index, const JsonApiSnapshot& snapshot) const;
  HttpReply Proof(const HttpRequest& request,
                  const JsonApiSnapshot& snapshot) const;
  HttpReply Lookup(const HttpRequest& request,
                   const JsonApiSnapshot& snapshot) const;
  HttpReply VendorReleases(const HttpRequest& request, absl::string_view vendor,
                           const JsonApiSnapshot& snapshot) const;

  const storage::Store* const store_;
  const std::string log_vkey_;
  const std::string short_caching_;
};

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_JSON_API_H_
