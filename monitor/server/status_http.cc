#include "monitor/server/status_http.h"

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "common/status_macros.h"

namespace vitrine::monitor {
namespace {

constexpr absl::string_view kText = "text/plain; charset=utf-8";

void SetContent(HttpResponse& response, std::string body, absl::string_view content_type) {
  response.SetHeader("Content-Type", content_type);
  response.body = std::move(body);
}

}  // namespace

struct StatusHttp::Rep {
  Handlers handlers;
  std::unique_ptr<HttpFront> front;

  void Handle(const HttpRequest& request, HttpResponse& response) {
    if (handlers.mirror && handlers.mirror(request, response)) return;
    response.SetHeader("Cache-Control", "no-store");
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.SetHeader("Allow", "GET, HEAD");
      SetContent(response, "method not allowed\n", kText);
      return;
    }
    if (request.path == "/metrics") {
      SetContent(response, handlers.metrics(), "text/plain; version=0.0.4; charset=utf-8");
    } else if (request.path == "/healthz") {
      Health health = handlers.health();
      response.status = health.ok ? 200 : 503;
      SetContent(response, std::move(health.text), kText);
    } else {
      response.status = 404;
      SetContent(response, "not found\n", kText);
    }
  }
};

StatusHttp::StatusHttp(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
StatusHttp::~StatusHttp() { Stop(); }

absl::StatusOr<std::unique_ptr<StatusHttp>> StatusHttp::Start(const std::string& host,
                                                              int port, Handlers handlers) {
  auto rep = std::make_unique<Rep>();
  rep->handlers = std::move(handlers);
  Rep* r = rep.get();
  HttpFrontOptions options;
  options.host = host;
  options.port = port;
  // Prometheus and an operator; a mirror's tile readers want a few more
  // (behind a cache, which carries the bulk of tile traffic).
  options.threads = rep->handlers.mirror ? 4 : 2;
  VITRINE_ASSIGN_OR_RETURN(
      rep->front,
      HttpFront::Start(options, [r](const HttpRequest& request, HttpResponse& response) {
        r->Handle(request, response);
      }));
  return std::unique_ptr<StatusHttp>(new StatusHttp(std::move(rep)));
}

int StatusHttp::port() const { return rep_->front->port(); }

void StatusHttp::Stop() { rep_->front->Stop(); }

}  // namespace vitrine::monitor
