// The log's read-only HTTP port: the C2SP tlog-tiles API
// (https://c2sp.org/tlog-tiles), Prometheus metrics and a health check.
//
//   GET /checkpoint                  the latest checkpoint (see below)
//   GET /tile/<L>/<N>[.p/<W>]        W hashes of a Merkle tree tile
//   GET /tile/entries/<N>[.p/<W>]    the entries behind a level-0 tile
//   GET /api/v1/...                  the JSON read API (log/serving/json_api.h)
//   GET /, /explorer/<asset>         the log explorer, a web page over that API
//                                    (log/serving/explorer_http.h)
//   GET /metrics                     Prometheus text format 0.0.4
//   GET /healthz                     200 "ok", or 503 and why not
//
//   VITRINE_ASSIGN_OR_RETURN(
//       std::unique_ptr<HttpServer> http,
//       HttpServer::Start({.port = 8080}, store.get(), sequencer.get(),
//                         &metrics));
//   ... http->port() ...
//   http->Stop();
//
// /checkpoint: when the log has witnesses (a WitnessedHead given) and one
// checkpoint is witnessed, the latest witnessed checkpoint - the log's note
// with the cosignatures of a quorum of its witnesses (witness_pusher.h), so
// that tlog-tiles clients with a witness policy find what they need;
// otherwise the latest checkpoint signed by the log alone. Tiles are served
// up to the latest log checkpoint either way (a witnessed tree is a prefix
// of it: narrower partial tiles are prefixes of wider ones).
//
// The tiles and /checkpoint answers, with their cache headers (immutable
// full tiles, short-lived checkpoint and partials, strong ETags and 304s,
// errors never cached), are log/serving/tiles_http.h's, shared with
// vitrine-monitor's mirror so that both serve the same bytes.
//
// Everything served comes from the sequencer's last published state, so
// readers never wait for the writer and never see a tree no signed
// checkpoint covers. HEAD works wherever GET does; other methods get 405;
// any other path 404. Request bodies are never read.
//
// Thread-safety: Start, port and Stop may be called from any thread; the
// server answers requests on its own threads.
#ifndef VITRINE_LOG_SERVER_HTTP_SERVER_H_
#define VITRINE_LOG_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/disk_reserve.h"
#include "common/http_front.h"
#include "common/metrics.h"
#include "log/sequencer/sequencer.h"
#include "log/server/witnessed_head.h"
#include "log/storage/store.h"

namespace vitrine::server {

// Where and how to listen (common/http_front.h: host, port, threads,
// timeouts, header and connection limits; a handful of threads is plenty
// behind a cache or CDN, which carries the bulk of tile traffic), and how
// long caches may keep what is served.
struct HttpOptions : HttpFrontOptions {
  // Cache lifetime of /checkpoint: tlog-tiles wants no caching "beyond a few
  // seconds"; a little lets a CDN absorb polling monitors. 0: no-cache.
  absl::Duration checkpoint_max_age = absl::Seconds(2);
  // Cache lifetime of partial tiles and bundles (full ones are immutable
  // for a year). Their bytes never change either, but a log may drop a
  // partial tile once the full one exists, and only clients of a recent
  // checkpoint want it: short-lived entries keep caches from hoarding them.
  absl::Duration partial_max_age = absl::Seconds(60);
  // Memory for the bytes of full tiles and entry bundles (immutable), read
  // from the store and encoded once, then written to every client from one
  // buffer: 64 MiB holds about 800 full entry bundles of 76 KiB.
  size_t immutable_cache_bytes = size_t{64} << 20;
  // The log's verifier key (name+id+base64), which api/v1/log names
  // beside the origin; empty names none.
  std::string log_vkey;
};

class HttpServer {
 public:
  // Binds options.host:options.port and starts serving. `store` and
  // `sequencer` are required and must outlive the server; `metrics` may be
  // null (the server then keeps its own, still served at /metrics) and must
  // outlive it otherwise. InvalidArgument for bad options or a null
  // store/sequencer; Unavailable when the address cannot be bound.
  // `witnessed` is null when the log has no witnesses; otherwise it must
  // outlive the server. `disk`, the store's free-space reserve, may be null;
  // otherwise it must outlive the server: /healthz answers 503 with its
  // reason while it refuses writes, and /metrics shows its figures.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpOptions& options, storage::Store* store,
      sequencer::Sequencer* sequencer, MetricsRegistry* metrics,
      const WitnessedHead* witnessed = nullptr,
      const DiskReserve* disk = nullptr);

  // Stops (see Stop).
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the picked one when options.port was 0).
  int port() const;

  // Closes the listening socket and every connection (an answer being
  // written is cut) and joins every server thread, so a handler in flight
  // finishes first; after it no handler touches the store or the sequencer.
  // Idle keep-alive connections do not hold it up. Idempotent.
  void Stop();

 private:
  struct Rep;
  explicit HttpServer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_HTTP_SERVER_H_
