#include "monitor/server/status_http.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace vitrine::monitor {

struct StatusHttp::Rep {
  Handlers handlers;
  httplib::Server http;
  int port = 0;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  absl::Mutex stop_mu;
  bool stopped = false;

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
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP port ", port, " is not in 0..65535"));
  }
  auto rep = std::make_unique<Rep>();
  rep->handlers = std::move(handlers);
  Rep* r = rep.get();
  r->http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  r->http.set_read_timeout(5, 0);
  r->http.set_write_timeout(5, 0);
  r->http.set_payload_max_length(4096);
  // SO_REUSEADDR only: httplib's default SO_REUSEPORT would let a second
  // monitor bind the same port and take half the scrapes.
  r->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  r->http.set_pre_routing_handler(
      [r](const httplib::Request& request, httplib::Response& response) {
        r->Handle(request, response);
        return httplib::Server::HandlerResponse::Handled;
      });
  r->port = port == 0 ? r->http.bind_to_any_port(host)
                      : (r->http.bind_to_port(host, port) ? port : -1);
  if (r->port <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", host, ":", port));
  }
  r->thread = std::thread([r] {
    r->http.listen_after_bind();
    r->listen_returned = true;
  });
  auto server = std::unique_ptr<StatusHttp>(new StatusHttp(std::move(rep)));
  // httplib 0.11 has no wait_until_ready(): poll until the accept loop runs.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!r->http.is_running()) {
    if (r->listen_returned || absl::Now() > deadline) {
      server->Stop();
      return absl::UnavailableError(absl::StrCat("HTTP server on ", host, " did not start"));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return server;
}

int StatusHttp::port() const { return rep_->port; }

void StatusHttp::Stop() {
  absl::MutexLock lock(&rep_->stop_mu);
  if (rep_->stopped) return;
  rep_->stopped = true;
  if (!rep_->thread.joinable()) return;
  // stop() is a no-op before the accept loop runs, and must be called once.
  while (!rep_->listen_returned && !rep_->http.is_running()) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (!rep_->listen_returned) rep_->http.stop();
  rep_->thread.join();
}

}  // namespace vitrine::monitor
