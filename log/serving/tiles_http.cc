#include "log/serving/tiles_http.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "log/merkle/hash.h"

namespace vitrine::serving {
namespace {

// Whether an If-None-Match value names `etag`: a list of entity tags or
// "*"; If-None-Match compares weakly, so W/"x" names "x".
bool NamesEtag(absl::string_view header, absl::string_view etag) {
  for (absl::string_view tag : absl::StrSplit(header, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    absl::ConsumePrefix(&tag, "W/");
    if (tag == etag) return true;
  }
  return false;
}

bool IfNoneMatch(const HttpRequest& request, absl::string_view etag) {
  for (const auto& [name, value] : request.headers) {
    if (name == "if-none-match" && NamesEtag(value, etag)) return true;
  }
  return false;
}

}  // namespace

std::string StrongEtag(absl::string_view body) {
  // 128 bits: collisions between two bodies of one URL are out of reach,
  // and the header stays short.
  return absl::StrCat("\"", merkle::Sha256(body).ToHex().substr(0, 32), "\"");
}

TilesHttp::TilesHttp(const storage::Store* store, TilesHttpOptions options)
    : store_(store), immutable_(options.immutable_cache_bytes) {
  caching_.checkpoint_max_age = options.checkpoint_max_age;
  caching_.partial_max_age = options.partial_max_age;
}

bool TilesHttp::Serves(absl::string_view path) {
  return path == "/checkpoint" || absl::StartsWith(path, "/tile/");
}

HttpReply TilesHttp::Reply(absl::string_view path,
                           const TilesTree& tree) const {
  if (path == "/checkpoint") {
    HttpReply reply = internal::CheckpointReply(tree.signed_note, caching_);
    reply.etag = StrongEtag(reply.body);
    return reply;
  }
  if (!absl::StartsWith(path, "/tile/")) return TextReply(404, "not found");
  // A full tile's bytes never change: served from memory once read.
  if (std::shared_ptr<const internal::CachedBody> cached =
          immutable_.Get(path)) {
    HttpReply reply;
    reply.content_type = std::string(internal::kBinaryContentType);
    reply.cache_control = std::string(internal::kImmutableCaching);
    reply.etag = cached->etag;
    // Aliases the cached entry: no copy of the bytes.
    reply.shared_body =
        std::shared_ptr<const std::string>(cached, &cached->bytes);
    return reply;
  }
  // The tile parsers see paths without the leading slash, as tlog-tiles
  // writes them.
  HttpReply reply =
      absl::StartsWith(path, "/tile/entries/")
          ? internal::EntryBundleReply(path.substr(1), tree.size, *store_,
                                       caching_)
          : internal::TileReply(path.substr(1), tree.size, *store_, caching_);
  if (reply.status != 200) return reply;
  reply.etag = StrongEtag(reply.body);
  if (reply.cache_control == internal::kImmutableCaching) {
    auto cached = std::make_shared<const internal::CachedBody>(
        internal::CachedBody{std::move(reply.body), reply.etag});
    reply.body.clear();
    reply.shared_body =
        std::shared_ptr<const std::string>(cached, &cached->bytes);
    immutable_.Put(path, std::move(cached));
  }
  return reply;
}

void WriteReply(HttpReply reply, const HttpRequest& request,
                HttpResponse& response) {
  response.status = reply.status;
  response.SetHeader("Cache-Control", reply.cache_control);
  // Error bodies echo the path: never let a browser sniff them into HTML.
  // (vitrine-log's logger also tells these answers by this field.)
  response.SetHeader("X-Content-Type-Options", "nosniff");
  if (!reply.etag.empty()) response.SetHeader("ETag", reply.etag);
  if (reply.status == 200 && !reply.etag.empty() &&
      IfNoneMatch(request, reply.etag)) {
    // RFC 9110 15.4.5: the validators and caching a 200 would carry, no
    // content (so no Content-Type either).
    response.status = 304;
    return;
  }
  response.SetHeader("Content-Type", reply.content_type);
  // Moved, not copied: a bundle is up to 4 MiB.
  response.body = std::move(reply.body);
  response.shared_body = std::move(reply.shared_body);
}

}  // namespace vitrine::serving
