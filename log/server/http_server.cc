#include "log/server/http_server.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/http_front.h"
#include "common/status_macros.h"
#include "log/serving/explorer_http.h"
#include "log/serving/json_api.h"
#include "log/serving/tiles_http.h"

namespace vitrine::server {
namespace {

using serving::HttpReply;
using serving::TextReply;

constexpr absl::string_view kMetricsContentType = "text/plain; version=0.0.4";

// The label for a request's path in metrics: a few fixed values, never the
// path itself, so that junk requests cannot grow the number of series.
absl::string_view PathKind(absl::string_view path) {
  if (path == "/checkpoint") return "checkpoint";
  if (absl::StartsWith(path, "/tile/entries/")) return "entries";
  if (absl::StartsWith(path, "/tile/")) return "tile";
  if (path == "/metrics") return "metrics";
  if (path == "/healthz") return "healthz";
  if (serving::IsExplorerPath(path)) return "explorer";
  if (serving::JsonApi::Serves(path)) return "api";
  return "other";
}

}  // namespace

struct HttpServer::Rep {
  HttpOptions options;
  storage::Store* store;
  sequencer::Sequencer* sequencer;
  const WitnessedHead* witnessed;  // null: no witnesses
  const DiskReserve* disk;         // null: no free-space reserve
  std::unique_ptr<MetricsRegistry> own_metrics;  // when none was given
  MetricsRegistry* metrics;
  Gauge* tree_size;
  Gauge* healthy;
  Gauge* disk_free;
  Gauge* disk_reserve;
  Gauge* disk_writable;

  std::unique_ptr<serving::TilesHttp> tiles;
  std::unique_ptr<serving::JsonApi> api;
  std::unique_ptr<HttpFront> front;

  HttpReply Route(absl::string_view path);
  void Api(const HttpRequest& request, HttpResponse& response);
  HttpReply Metrics();
  HttpReply Health();
  void Handle(const HttpRequest& request, HttpResponse& response);
  void Count(const HttpRequest& request, const HttpResponse& response);
};

HttpReply HttpServer::Rep::Route(absl::string_view path) {
  std::shared_ptr<const sequencer::PublishedState> state =
      sequencer->Published();
  if (state == nullptr) return TextReply(503, "no published checkpoint yet");
  if (serving::TilesHttp::Serves(path)) {
    // Tiles up to the latest log checkpoint; /checkpoint the witnessed one
    // when there is one (a prefix of it: see the header).
    std::shared_ptr<const sequencer::PublishedState> witnessed_state =
        witnessed != nullptr ? witnessed->Latest() : nullptr;
    const sequencer::PublishedState& served =
        witnessed_state != nullptr ? *witnessed_state : *state;
    return tiles->Reply(path, {state->checkpoint.size, served.signed_note});
  }
  if (path == "/metrics") return Metrics();
  if (path == "/healthz") return Health();
  return TextReply(404, "not found");
}

void HttpServer::Rep::Api(const HttpRequest& request, HttpResponse& response) {
  // One snapshot, the one /checkpoint serves: the witnessed checkpoint
  // when there is one (its size, not the log's: every answer is vouched
  // for by the note api/v1/log gives), else the latest.
  std::shared_ptr<const sequencer::PublishedState> state =
      witnessed != nullptr ? witnessed->Latest() : nullptr;
  if (state == nullptr) state = sequencer->Published();
  std::optional<serving::JsonApiSnapshot> snapshot;
  if (state != nullptr) {
    snapshot = serving::JsonApiSnapshot{state->checkpoint.origin,
                                        state->checkpoint.size,
                                        state->checkpoint.root,
                                        state->signed_note};
  }
  api->Handle(request, request.path, snapshot ? &*snapshot : nullptr, response);
}

HttpReply HttpServer::Rep::Metrics() {
  // Gauges that describe the moment are read when scraped.
  tree_size->Set(static_cast<double>(sequencer->Published()->checkpoint.size));
  healthy->Set(sequencer->health().ok() ? 1 : 0);
  if (disk != nullptr) {
    const DiskReserve::Reading reading = disk->Last();
    disk_free->Set(static_cast<double>(reading.space.free_bytes));
    disk_reserve->Set(static_cast<double>(reading.reserve_bytes));
    disk_writable->Set(absl::IsResourceExhausted(reading.status) ? 0 : 1);
  }
  HttpReply reply;
  reply.content_type = std::string(kMetricsContentType);
  reply.body = metrics->RenderPrometheus();
  return reply;
}

HttpReply HttpServer::Rep::Health() {
  absl::Status health = sequencer->health();
  if (!health.ok()) return TextReply(503, health.ToString());
  // Reads are served either way; a disk below its reserve refuses writes.
  if (disk != nullptr) {
    if (absl::Status room = disk->Check(); !room.ok()) {
      return TextReply(503, absl::StrCat("writes refused: ", room.message()));
    }
  }
  return TextReply(200, "ok");
}

void HttpServer::Rep::Handle(const HttpRequest& request,
                             HttpResponse& response) {
  const absl::Time start = absl::Now();
  if (serving::IsExplorerPath(request.path)) {
    // The log explorer's page (log/serving/explorer_http.h), any method.
    serving::WriteExplorerReply(request, request.path, response);
  } else if (serving::JsonApi::Serves(request.path)) {
    Api(request, response);  // any method: the API answers 405 itself
  } else {
    HttpReply reply;
    if (request.method == "GET" || request.method == "HEAD") {
      reply = Route(request.path);
    } else {
      reply = TextReply(405, "method not allowed: the API is read-only");
      response.SetHeader("Allow", "GET, HEAD");
    }
    // A request with a body never gets here (the front answers it 400), and
    // the front never compresses, so no answer varies by Accept-Encoding.
    serving::WriteReply(std::move(reply), request, response);
  }
  // Counted before the reply is sent, so a client that reads /metrics next
  // sees its own request there whichever connection it uses.
  Count(request, response);
  metrics
      ->GetHistogram("vitrine_http_request_duration_seconds",
                     "Time to build an HTTP reply, by path kind.",
                     {{"path", std::string(PathKind(request.path))}},
                     Histogram::LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(absl::Now() - start));
}

void HttpServer::Rep::Count(const HttpRequest& request,
                            const HttpResponse& response) {
  metrics
      ->GetCounter("vitrine_http_requests_total",
                   "HTTP requests answered, by path kind and status code.",
                   {{"path", std::string(PathKind(request.path))},
                    {"code", absl::StrCat(response.status)}})
      .Increment();
}

HttpServer::HttpServer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpOptions& options, storage::Store* store,
    sequencer::Sequencer* sequencer, MetricsRegistry* metrics,
    const WitnessedHead* witnessed, const DiskReserve* disk) {
  if (store == nullptr || sequencer == nullptr) {
    return absl::InvalidArgumentError(
        "HTTP server needs a store and a sequencer");
  }
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  serving::TilesHttpOptions tiles_options;
  tiles_options.checkpoint_max_age = options.checkpoint_max_age;
  tiles_options.partial_max_age = options.partial_max_age;
  tiles_options.immutable_cache_bytes = options.immutable_cache_bytes;
  rep->tiles = std::make_unique<serving::TilesHttp>(store, tiles_options);
  serving::JsonApiOptions api_options;
  api_options.short_max_age = options.checkpoint_max_age;
  rep->api =
      std::make_unique<serving::JsonApi>(store, options.log_vkey, api_options);
  rep->store = store;
  rep->sequencer = sequencer;
  rep->witnessed = witnessed;
  rep->disk = disk;
  if (metrics == nullptr) {
    rep->own_metrics = std::make_unique<MetricsRegistry>();
    metrics = rep->own_metrics.get();
  }
  rep->metrics = metrics;
  rep->tree_size = &metrics->GetGauge(
      "vitrine_tree_size", "Leaves in the latest published checkpoint.");
  rep->healthy = &metrics->GetGauge(
      "vitrine_healthy", "1 while the sequencer accepts writes, else 0.");
  rep->disk_free = &metrics->GetGauge(
      "vitrine_disk_free_bytes",
      "Bytes free on the store's file system (for unprivileged writers).");
  rep->disk_reserve = &metrics->GetGauge(
      "vitrine_disk_reserve_bytes",
      "Free bytes below which Add is refused (min_free_bytes).");
  rep->disk_writable = &metrics->GetGauge(
      "vitrine_disk_writable",
      "1 while the store's free space is above its reserve, else 0.");

  Rep* r = rep.get();
  VITRINE_ASSIGN_OR_RETURN(
      rep->front,
      HttpFront::Start(
          options,
          [r](const HttpRequest& request, HttpResponse& response) {
            r->Handle(request, response);
          },
          // Handle counted its own answers, which all carry
          // X-Content-Type-Options; this counts, once sent, the ones the
          // front makes itself without calling it (400 for a malformed
          // request or one with a body, 431 for headers too large), which
          // do not. (They do carry Cache-Control: no-store.)
          [r](const HttpRequest& request, const HttpResponse& response) {
            if (response.Header("X-Content-Type-Options") == nullptr) {
              r->Count(request, response);
            }
          }));
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(rep)));
}

int HttpServer::port() const { return rep_->front->port(); }

void HttpServer::Stop() { rep_->front->Stop(); }

}  // namespace vitrine::server
