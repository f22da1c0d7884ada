#include "monitor/server/status_http.h"

#include <utility>

#include "common/status_macros.h"

namespace vitrine::monitor {

struct StatusHttp::Rep {
  Handlers handlers;
  std::unique_ptr<HttpListener> listener;

  void Handle(const httplib::Request& request, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.set_header("Allow", "GET, HEAD");
      response.set_content("method not allowed\n", "text/plain; charset=utf-8");
      return;
    }
    if (request.path == "/metrics") {
      response.set_content(handlers.metrics(), "text/plain; version=0.0.4; charset=utf-8");
    } else if (request.path == "/healthz") {
      Health health = handlers.health();
      response.status = health.ok ? 200 : 503;
      response.set_content(health.text, "text/plain; charset=utf-8");
    } else {
      response.status = 404;
      response.set_content("not found\n", "text/plain; charset=utf-8");
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
  HttpListenerOptions options;
  options.host = host;
  options.port = port;
  options.threads = 2;  // Prometheus and an operator
  VITRINE_ASSIGN_OR_RETURN(
      rep->listener,
      HttpListener::Start(options, [r](const httplib::Request& request,
                                       httplib::Response& response) {
        r->Handle(request, response);
      }));
  return std::unique_ptr<StatusHttp>(new StatusHttp(std::move(rep)));
}

int StatusHttp::port() const { return rep_->listener->port(); }

void StatusHttp::Stop() { rep_->listener->Stop(); }

}  // namespace vitrine::monitor
