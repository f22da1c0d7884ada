// vitrine-monitor's HTTP port: operators and Prometheus read it, and in
// mirror mode tlog-tiles clients (mirror_http.h).
//
//   GET /metrics   Prometheus text format 0.0.4 (render() below)
//   GET /healthz   200 "ok\n" and one line per log, or 503 and why: an
//                  alarm (evidence against a log) is loud on purpose
//   /checkpoint, /tile/...  the mirror, when Handlers::mirror is set
//
//   StatusHttp::Handlers handlers{
//       .metrics = [&] { return registry.RenderPrometheus(); },
//       .health = [&] { return Health{true, "ok\n"}; }};
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<StatusHttp> http,
//                            StatusHttp::Start("127.0.0.1", 0, handlers));
//
// Other paths 404, other methods 405; the front (common/http_front.h)
// answers a request with a body 400 without calling a handler.
// Thread-safety: Start, port and Stop from any thread; handlers are called
// on the front's threads, concurrently.
#ifndef VITRINE_MONITOR_SERVER_STATUS_HTTP_H_
#define VITRINE_MONITOR_SERVER_STATUS_HTTP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/http_front.h"

namespace vitrine::monitor {

struct Health {
  bool ok = true;
  std::string text;  // the body: "ok\n" or the reasons, one per line
};

class StatusHttp {
 public:
  struct Handlers {
    std::function<std::string()> metrics;
    std::function<Health()> health;
    // When set, asked first about every request: true when it answered
    // (MirrorHttp::Handle). Unset: the port serves no tiles.
    std::function<bool(const HttpRequest&, HttpResponse&)> mirror;
  };

  // Binds host:port (0 picks a port) and serves on a few threads.
  // Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<StatusHttp>> Start(const std::string& host,
                                                           int port, Handlers handlers);
  ~StatusHttp();

  int port() const;
  // Stops accepting, closes every connection and waits for handlers in
  // progress. Idempotent.
  void Stop();

 private:
  struct Rep;
  explicit StatusHttp(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_SERVER_STATUS_HTTP_H_
