#include "log/serving/explorer_http.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "log/serving/internal/embedded_files.h"
#include "log/serving/tiles_http.h"

namespace vitrine::serving {
namespace {

constexpr absl::string_view kIndexFile = "/explorer/index.html";

// Always revalidated (see the header); a 304 costs a few bytes.
constexpr absl::string_view kRevalidate = "no-cache";

absl::string_view ContentType(absl::string_view path) {
  if (absl::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

struct Asset {
  std::string content_type;
  std::shared_ptr<const std::string> bytes;
  std::string etag;
};

// The embedded files by URL path, hashed once.
const absl::flat_hash_map<std::string, Asset>& Assets() {
  static const auto* assets = [] {
    auto* map = new absl::flat_hash_map<std::string, Asset>();
    for (size_t i = 0; i < internal::kEmbeddedFileCount; ++i) {
      const internal::EmbeddedFile& file = internal::kEmbeddedFiles[i];
      auto bytes = std::make_shared<const std::string>(file.bytes, file.size);
      (*map)[file.url_path] =
          Asset{std::string(ContentType(file.url_path)), bytes,
                StrongEtag(*bytes)};
    }
    return map;
  }();
  return *assets;
}

HttpReply AssetReply(absl::string_view path) {
  if (path == "/") path = kIndexFile;
  const auto& assets = Assets();
  auto it = assets.find(path);
  if (it == assets.end()) return TextReply(404, "not found");
  HttpReply reply;
  reply.content_type = it->second.content_type;
  reply.cache_control = std::string(kRevalidate);
  reply.shared_body = it->second.bytes;
  reply.etag = it->second.etag;
  return reply;
}

}  // namespace

bool IsExplorerPath(absl::string_view path) {
  return path == "/" || absl::StartsWith(path, "/explorer/");
}

void WriteExplorerReply(const HttpRequest& request, absl::string_view path,
                        HttpResponse& response) {
  HttpReply reply;
  if (request.method == "GET" || request.method == "HEAD") {
    reply = AssetReply(path);
  } else {
    reply = TextReply(405, "method not allowed: the API is read-only");
    response.SetHeader("Allow", "GET, HEAD");
  }
  WriteReply(std::move(reply), request, response);
  // On every answer, errors included: a 404 page is a document too.
  response.SetHeader("Content-Security-Policy", kExplorerCsp);
  response.SetHeader("Referrer-Policy", "no-referrer");
}

}  // namespace vitrine::serving
