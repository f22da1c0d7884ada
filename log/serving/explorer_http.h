// The log explorer: a small web page (explorer/index.html, explorer.js,
// verify.js, explorer.css, compiled into the binary) that searches a log by
// artifact digest, vendor or leaf index over the JSON read API and verifies
// every answer in the browser against a log key the user pins. Served by
// vitrine-log's HTTP port (log/server/http_server.h) and by vitrine-monitor's
// mirror (monitor/server/mirror_http.h, under the log's URL prefix), so the
// page uses relative URLs only.
//
//   GET /                          the page
//   GET /explorer/<asset>          its script, style and verification code
//
//   if (IsExplorerPath(path)) {
//     WriteExplorerReply(request, path, response);
//     return;
//   }
//
// Headers: a strict Content-Security-Policy (kExplorerCsp: nothing but the
// page's own scripts, styles and API; no inline code, no framing, no
// forms), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, a
// strong ETag with If-None-Match -> 304, and "Cache-Control: no-cache": the
// bytes change only with the binary, so a browser revalidates (a 304) rather
// than run an old page against a new API. Errors are no-store.
//
// Thread-safety: thread-safe (the files are built once, then only read).
#ifndef VITRINE_LOG_SERVING_EXPLORER_HTTP_H_
#define VITRINE_LOG_SERVING_EXPLORER_HTTP_H_

#include "absl/strings/string_view.h"
#include "common/http_front.h"

namespace vitrine::serving {

inline constexpr absl::string_view kExplorerCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// Returns whether `path` (below any mirror prefix) is the explorer's: "/"
// or under "/explorer/" (an unknown asset there is a 404 of the explorer).
bool IsExplorerPath(absl::string_view path);

// Writes the answer to `request` for `path` (an explorer path, below any
// mirror prefix): the file with the headers above; 404 for an unknown
// asset; 405 with "Allow: GET, HEAD" for other methods.
void WriteExplorerReply(const HttpRequest& request, absl::string_view path,
                        HttpResponse& response);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_EXPLORER_HTTP_H_
