// vitrine-monitor's mirror over HTTP: each followed log's verified copy
// served through the C2SP tlog-tiles API (https://c2sp.org/tlog-tiles) by
// the very handler vitrine-log uses (log/serving/tiles_http.h), so the
// bytes and cache headers are the log's.
//
//   MirrorHttp mirror({copy.get()});
//   if (mirror.Handle(request, response)) return;   // a tiles path
//
// Where each log is served:
//   - one followed log: at the root, as the log itself serves it
//     (/checkpoint, /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>]), so a
//     tlog-tiles client switches from the log to the mirror by host alone;
//   - several: each under the prefix "/<origin>" with the origin as is (not
//     escaped: origins are URL-like names such as "example.com/log"), e.g.
//     /example.com/log/checkpoint; tlog-tiles allows any URL prefix. When
//     one origin is a prefix of another, the longest matching one wins.
// What is served is the copy's latest verified checkpoint, exactly as the
// log signed it (plus this monitor's cosignature line when it has one for
// it), and the tiles of that tree, nothing beyond: a copy only
// publishes a head once its tiles and entries are durable. Before the
// first verified checkpoint: 503, as vitrine-log before its first one.
//
// Each log's JSON read API (log/serving/json_api.h, the log's own handler,
// from the same head and note as /checkpoint) is served under the same
// prefix as its tiles, at "<prefix>/api/v1/...".
//
// Each log's explorer page (log/serving/explorer_http.h) is served beside
// its tiles: at "/" for one log, at "/<origin>/" for several ("/<origin>"
// redirects there, so the page's relative URLs resolve under the prefix).
//
// Thread-safety: thread-safe; the copies must outlive it.
#ifndef VITRINE_MONITOR_SERVER_MIRROR_HTTP_H_
#define VITRINE_MONITOR_SERVER_MIRROR_HTTP_H_

#include <memory>
#include <string>
#include <vector>

#include "common/http_front.h"
#include "log/serving/json_api.h"
#include "log/serving/tiles_http.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/mirror/mirrored_logs.h"

namespace vitrine::monitor {

class MirrorHttp {
 public:
  // Serves `copies` (non-null, outliving this) with `options`' caching;
  // the in-memory budget for immutable tiles is shared out among them.
  // With `cosigned` set, /checkpoint carries this monitor's cosignature
  // once its witness made one for that checkpoint (mirrored_logs.h
  // WithCosignatures); the tiles never change.
  explicit MirrorHttp(std::vector<const VerifiedCopy*> copies,
                      serving::TilesHttpOptions options = {},
                      CosignedNoteFn cosigned = nullptr);

  // Answers `request` when its path is a tiles or explorer path of a served log (any
  // method: the API is read-only, so others get 405) and returns true;
  // returns false, leaving `response` alone, otherwise.
  bool Handle(const HttpRequest& request, HttpResponse& response) const;

  // Returns the URL prefix of `origin` ("" or "/<origin>"; see above).
  std::string PrefixOf(const std::string& origin) const;

 private:
  struct Served {
    const VerifiedCopy* copy;
    std::string prefix;
    std::unique_ptr<serving::TilesHttp> tiles;
    std::unique_ptr<serving::JsonApi> api;
  };
  // The note /checkpoint serves for `head` of `served`: the log's, plus
  // this monitor's cosignature line once it made one.
  std::string ServedNote(const Served& served, const VerifiedHead& head) const;
  std::vector<Served> served_;  // longest prefix first
  const CosignedNoteFn cosigned_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_SERVER_MIRROR_HTTP_H_
