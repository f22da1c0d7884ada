#include "common/http_listener.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace vitrine {
namespace {

// Splits a duration into the (seconds, microseconds) httplib takes.
std::pair<time_t, time_t> SecondsAndMicros(absl::Duration d) {
  int64_t micros = std::max<int64_t>(0, absl::ToInt64Microseconds(d));
  return {static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000)};
}

}  // namespace

struct HttpListener::Rep {
  HttpHandler handler;
  HttpLogger logger;
  httplib::Server http;
  int port = 0;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  absl::Mutex stop_mu;
  bool stopped ABSL_GUARDED_BY(stop_mu) = false;
};

HttpListener::HttpListener(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

HttpListener::~HttpListener() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const HttpListenerOptions& options, HttpHandler handler, HttpLogger logger) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP port ", options.port, " is not in 0..65535"));
  }
  if (options.threads == 0) {
    return absl::InvalidArgumentError("HTTP server needs at least one thread");
  }
  auto rep = std::make_unique<Rep>();
  Rep* r = rep.get();
  r->handler = std::move(handler);
  r->logger = std::move(logger);
  httplib::Server& http = r->http;
  const size_t threads = options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto [read_s, read_us] = SecondsAndMicros(options.read_timeout);
  http.set_read_timeout(read_s, read_us);
  auto [write_s, write_us] = SecondsAndMicros(options.write_timeout);
  http.set_write_timeout(write_s, write_us);
  http.set_keep_alive_timeout(std::max<time_t>(
      1, static_cast<time_t>(absl::ToInt64Seconds(options.keep_alive_timeout))));
  http.set_payload_max_length(options.max_payload_bytes);
  // httplib writes headers and body separately: with Nagle's algorithm a
  // keep-alive client waits out the peer's delayed ACK (~40 ms) per reply.
  http.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second server
  // (a log started twice) bind the same port and silently take half the
  // traffic. SO_REUSEADDR alone still allows a quick restart.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.set_pre_routing_handler([r](const httplib::Request& request, httplib::Response& response) {
    r->handler(request, response);
    return httplib::Server::HandlerResponse::Handled;
  });
  if (r->logger) {
    http.set_logger([r](const httplib::Request& request, const httplib::Response& response) {
      r->logger(request, response);
    });
  }
  r->port = options.port == 0
                ? http.bind_to_any_port(options.host)
                : (http.bind_to_port(options.host, options.port) ? options.port : -1);
  if (r->port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", options.host, ":", options.port));
  }
  r->thread = std::thread([r] {
    r->http.listen_after_bind();
    r->listen_returned = true;
  });
  auto listener = std::unique_ptr<HttpListener>(new HttpListener(std::move(rep)));
  // httplib 0.11 has no wait_until_ready(): poll until the accept loop runs.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!r->http.is_running()) {
    if (r->listen_returned || absl::Now() > deadline) {
      listener->Stop();
      return absl::UnavailableError(
          absl::StrCat("HTTP server on ", options.host, ":", r->port, " did not start"));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return listener;
}

int HttpListener::port() const { return rep_->port; }

void HttpListener::Stop() {
  absl::MutexLock lock(&rep_->stop_mu);
  if (rep_->stopped) return;
  rep_->stopped = true;
  if (!rep_->thread.joinable()) return;
  // stop() makes listen_after_bind close the socket, drain the worker pool
  // (each worker finishes its request) and return. It does nothing before
  // the accept loop has started, so wait for that first; call it only once
  // (a second call while draining trips an assert in httplib).
  while (!rep_->listen_returned && !rep_->http.is_running()) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  if (!rep_->listen_returned) rep_->http.stop();
  rep_->thread.join();
}

}  // namespace vitrine
