#include "monitor/server/mirror_http.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "log/serving/explorer_http.h"

namespace vitrine::monitor {

MirrorHttp::MirrorHttp(std::vector<const VerifiedCopy*> copies,
                       serving::TilesHttpOptions options, CosignedNoteFn cosigned)
    : cosigned_(std::move(cosigned)) {
  if (!copies.empty()) options.immutable_cache_bytes /= copies.size();
  const bool at_root = copies.size() == 1;
  for (const VerifiedCopy* copy : copies) {
    served_.push_back(
        {copy, at_root ? std::string() : absl::StrCat("/", copy->origin()),
         std::make_unique<serving::TilesHttp>(&copy->store(), options),
         std::make_unique<serving::JsonApi>(
             &copy->store(), copy->log_vkey(),
             serving::JsonApiOptions{options.checkpoint_max_age})});
  }
  // "/a/log/2/tile/..." must reach "a/log/2", not "a/log" (whose rest,
  // "/2/tile/...", is no tiles path anyway, but "/a/log/tile/x" with an
  // origin "a/log/tile" would be).
  std::stable_sort(served_.begin(), served_.end(),
                   [](const Served& a, const Served& b) {
                     return a.prefix.size() > b.prefix.size();
                   });
}

std::string MirrorHttp::PrefixOf(const std::string& origin) const {
  for (const Served& served : served_) {
    if (served.copy->origin() == origin) return served.prefix;
  }
  return "";
}

std::string MirrorHttp::ServedNote(const Served& served,
                                   const VerifiedHead& head) const {
  if (cosigned_) {
    if (std::optional<std::string> mine = cosigned_(served.copy->origin())) {
      return WithCosignatures(head.signed_note, *mine);
    }
  }
  return head.signed_note;
}

bool MirrorHttp::Handle(const HttpRequest& request,
                        HttpResponse& response) const {
  for (const Served& served : served_) {
    absl::string_view path = request.path;
    if (!absl::ConsumePrefix(&path, served.prefix)) continue;
    if (path.empty() && !served.prefix.empty()) {
      // "/<origin>" -> "/<origin>/": the explorer's relative URLs resolve
      // against the page's folder. A log names its origin, and one may
      // begin with '/' or '\': "/." keeps "//host/" (a browser's other
      // host) a path on this one.
      const bool host_like =
          served.prefix.size() > 1 &&
          (served.prefix[1] == '/' || served.prefix[1] == '\\');
      response.status = 301;
      response.SetHeader("Location", absl::StrCat(host_like ? "/." : "",
                                                  served.prefix, "/"));
      response.SetHeader("Cache-Control", "no-store");
      return true;
    }
    if (serving::IsExplorerPath(path)) {
      // The log explorer (log/serving/explorer_http.h), under the prefix.
      serving::WriteExplorerReply(request, path, response);
      return true;
    }
    if (serving::JsonApi::Serves(path)) {
      // The JSON read API from one head, as vitrine-log's (any method: the
      // API answers 405 itself).
      std::shared_ptr<const VerifiedHead> head = served.copy->Latest();
      const std::string note = ServedNote(served, *head);
      const serving::JsonApiSnapshot snapshot{head->checkpoint.origin,
                                              head->checkpoint.size,
                                              head->checkpoint.root, note};
      served.api->Handle(request, path,
                         head->signed_note.empty() ? nullptr : &snapshot,
                         response);
      return true;
    }
    if (!serving::TilesHttp::Serves(path)) continue;
    serving::HttpReply reply;
    if (request.method != "GET" && request.method != "HEAD") {
      // vitrine-log's answer, word for word.
      reply = serving::TextReply(405, "method not allowed: the API is read-only");
      response.SetHeader("Allow", "GET, HEAD");
    } else {
      // One snapshot per request: the note and the tree it vouches for.
      std::shared_ptr<const VerifiedHead> head = served.copy->Latest();
      if (head->signed_note.empty()) {
        reply = serving::TextReply(503, "no verified checkpoint yet");
      } else {
        const std::string note = ServedNote(served, *head);
        reply = served.tiles->Reply(path, {head->checkpoint.size, note});
      }
    }
    serving::WriteReply(std::move(reply), request, response);
    return true;
  }
  return false;
}

}  // namespace vitrine::monitor
