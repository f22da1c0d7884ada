// Issue 12, "measure before choosing": the three event-driven HTTP servers
// Debian offers, each serving the same in-memory bodies (128 of 40 KiB at
// /t/0 .. /t/127) from this process:
//   mhd:    libmicrohttpd 0.9.75, epoll in a pool of internal threads,
//           10 s connection (inactivity) timeout, 20,000 connections;
//   evhttp: libevent 2.1's evhttp, one event_base per thread, all
//           accepting on one shared listening socket, 10 s timeout; as
//           it comes (Nagle on) and with TCP_NODELAY ("evhttp+nodelay");
//   front:  common/http_front (Boost.Beast on Asio) with default options
//           (10 s header deadline).
// All three get the same number of threads (--threads) and write the
// bodies without copying them (MHD: persistent buffers; evhttp: evbuffer
// references; front: shared_body). For each:
//   1. tile-sized GETs/s with wrk (256 keep-alive connections, a Lua
//      script cycling the paths), rounds rotating the order, medians;
//   2. an honest keep-alive client's p99 idle and beside a flood of 2,000
//      slowloris connections (reopened when closed; the flood's thread at
//      nice 19, an attacker on another machine);
//   3. one connection trickling a header byte every second: is it closed
//      within 12 s (a total deadline on the headers) or left open
//      (an inactivity timeout only)?
//
//   scripts/setup_bench.sh   # wrk, libmicrohttpd-dev, libevent-dev
//   bazel run -c opt //bench:http_candidates
#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/internal/http_loops.h"
#include "bench/internal/wrk.h"
#include "bench/internal/load_phases.h"
#include "common/http_front.h"

ABSL_FLAG(int, bodies, 128, "bodies served, at /t/0 .. /t/<bodies-1>");
ABSL_FLAG(int, body_bytes, 40 << 10, "bytes of each body");
ABSL_FLAG(int, threads, 4, "threads of each server (the front's default)");
ABSL_FLAG(int, connections, 256, "wrk's keep-alive connections");
ABSL_FLAG(int, wrk_threads, 2, "wrk's threads");
ABSL_FLAG(int, seconds, 10, "length of one wrk run");
ABSL_FLAG(int, rounds, 3, "rounds of the three servers, order rotated");
ABSL_FLAG(int, slowloris_seconds, 15, "length of the idle and slowloris phases");
ABSL_FLAG(int, flood_nice, 19, "nice value of the slowloris thread");
ABSL_FLAG(double, ramp_seconds, 1,
          "the steady-state p99 leaves out requests sent this soon after the flood starts");
ABSL_FLAG(int, trickle_seconds, 15, "how long the one-byte-a-second connection is kept up");
ABSL_FLAG(std::string, wrk, "/usr/bin/wrk", "wrk binary");

namespace vitrine::bench {
namespace {

constexpr char kCacheControl[] = "public, max-age=31536000, immutable";

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "http_candidates: %s\n", why.c_str());
  std::exit(1);
}

// The body at `path` ("/t/<n>"), or nullptr.
const std::string* Find(const std::vector<std::string>& bodies, absl::string_view path) {
  size_t n = 0;
  if (!absl::ConsumePrefix(&path, "/t/") || !absl::SimpleAtoi(path, &n) || n >= bodies.size()) {
    return nullptr;
  }
  return &bodies[n];
}

class Server {
 public:
  virtual ~Server() = default;
  virtual int port() const = 0;
};

// libmicrohttpd: epoll, a pool of internal threads each with its own epoll
// set over the shared listening socket. No MHD_USE_ERROR_LOG: it prints a
// line for every slowloris connection the flood drops.
class MhdServer : public Server {
 public:
  MhdServer(const std::vector<std::string>& bodies, int threads) {
    for (const std::string& body : bodies) {
      MHD_Response* response = MHD_create_response_from_buffer(
          body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_PERSISTENT);
      MHD_add_response_header(response, "Cache-Control", kCacheControl);
      MHD_add_response_header(response, "Content-Type", "application/octet-stream");
      responses_.push_back(response);
    }
    static char kNotFound[] = "not found\n";
    not_found_ = MHD_create_response_from_buffer(sizeof(kNotFound) - 1, kNotFound,
                                                 MHD_RESPMEM_PERSISTENT);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    daemon_ = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD, 0, nullptr, nullptr, &MhdServer::Answer,
        this, MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned int>(threads),
        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 20000u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_SOCK_ADDR,
        reinterpret_cast<const sockaddr*>(&address), MHD_OPTION_END);
    if (daemon_ == nullptr) Die("libmicrohttpd did not start");
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    if (info == nullptr || info->port == 0) Die("libmicrohttpd: no port");
    port_ = info->port;
    bodies_ = &bodies;
  }
  ~MhdServer() override {
    MHD_stop_daemon(daemon_);
    for (MHD_Response* response : responses_) MHD_destroy_response(response);
    MHD_destroy_response(not_found_);
  }
  int port() const override { return port_; }

 private:
  // Called once the headers are in; a GET has no body, so it is answered
  // on this first call.
  static MHD_Result Answer(void* self_pointer, MHD_Connection* connection, const char* url,
                           const char* method, const char* /*version*/,
                           const char* /*upload_data*/, size_t* upload_data_size,
                           void** /*state*/) {
    auto* self = static_cast<MhdServer*>(self_pointer);
    if (*upload_data_size != 0) return MHD_NO;  // a body: close
    const std::string* body = Find(*self->bodies_, url);
    if (body == nullptr || (std::string(method) != "GET" && std::string(method) != "HEAD")) {
      return MHD_queue_response(connection, MHD_HTTP_NOT_FOUND, self->not_found_);
    }
    return MHD_queue_response(connection, MHD_HTTP_OK,
                              self->responses_[body - self->bodies_->data()]);
  }

  const std::vector<std::string>* bodies_ = nullptr;
  std::vector<MHD_Response*> responses_;
  MHD_Response* not_found_ = nullptr;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

// libevent's evhttp: an event_base and an evhttp per thread, each accepting
// on its own dup of one listening socket. A timer per loop checks for stop
// (libevent is built without locking unless evthread is set up).
class EvhttpServer : public Server {
 public:
  // `nodelay`: TCP_NODELAY on the listening socket, which Linux copies to
  // every accepted one (evhttp has no option of its own; by default Nagle
  // holds the last segment of an answer until the client's delayed ACK).
  EvhttpServer(const std::vector<std::string>& bodies, int threads, bool nodelay)
      : bodies_(&bodies) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (nodelay) setsockopt(listener_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener_, 4096) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      Die("evhttp: cannot listen");
    }
    evutil_make_socket_nonblocking(listener_);
    port_ = ntohs(address.sin_port);
    for (int i = 0; i < threads; ++i) {
      auto loop = std::make_unique<Loop>();
      loop->base = event_base_new();
      loop->http = evhttp_new(loop->base);
      evhttp_set_timeout(loop->http, 10);
      evhttp_set_max_headers_size(loop->http, 8 << 10);
      evhttp_set_max_body_size(loop->http, 0);
      evhttp_set_allowed_methods(loop->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
      evhttp_set_gencb(loop->http, &EvhttpServer::Handle, this);
      // evhttp closes the socket it accepts on when freed: each its own.
      if (evhttp_accept_socket(loop->http, dup(listener_)) != 0) Die("evhttp: accept_socket");
      loop->stop_check = event_new(loop->base, -1, EV_PERSIST, &EvhttpServer::CheckStop, this);
      const timeval every{0, 50 * 1000};
      event_add(loop->stop_check, &every);
      loops_.push_back(std::move(loop));
    }
    for (auto& loop : loops_) {
      event_base* base = loop->base;
      loop->thread = std::thread([base] { event_base_dispatch(base); });
    }
  }
  ~EvhttpServer() override {
    stop_ = true;
    for (auto& loop : loops_) {
      loop->thread.join();
      event_free(loop->stop_check);
      evhttp_free(loop->http);
      event_base_free(loop->base);
    }
    close(listener_);
  }
  int port() const override { return port_; }

 private:
  struct Loop {
    event_base* base = nullptr;
    evhttp* http = nullptr;
    event* stop_check = nullptr;
    std::thread thread;
  };

  static void CheckStop(evutil_socket_t, short, void* self_pointer) {
    auto* self = static_cast<EvhttpServer*>(self_pointer);
    if (!self->stop_) return;
    for (auto& loop : self->loops_) {
      // Only the calling loop's base may be touched from this thread.
      if (loop->thread.get_id() == std::this_thread::get_id()) event_base_loopbreak(loop->base);
    }
  }

  static void Handle(evhttp_request* request, void* self_pointer) {
    auto* self = static_cast<EvhttpServer*>(self_pointer);
    const char* path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(request));
    const std::string* body = Find(*self->bodies_, path == nullptr ? "" : path);
    if (body == nullptr) {
      evhttp_send_error(request, HTTP_NOTFOUND, nullptr);
      return;
    }
    evkeyvalq* headers = evhttp_request_get_output_headers(request);
    evhttp_add_header(headers, "Cache-Control", kCacheControl);
    evhttp_add_header(headers, "Content-Type", "application/octet-stream");
    evbuffer* out = evbuffer_new();
    evbuffer_add_reference(out, body->data(), body->size(), nullptr, nullptr);
    evhttp_send_reply(request, HTTP_OK, "OK", out);
    evbuffer_free(out);
  }

  const std::vector<std::string>* bodies_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Loop>> loops_;
};

// common/http_front with its default options but the thread count.
class FrontServer : public Server {
 public:
  FrontServer(const std::vector<std::string>& bodies, int threads) {
    for (const std::string& body : bodies) {
      shared_.push_back(std::make_shared<const std::string>(body));
    }
    HttpFrontOptions options;
    options.threads = threads;
    absl::StatusOr<std::unique_ptr<HttpFront>> front = HttpFront::Start(
        options, [this](const HttpRequest& request, HttpResponse& response) {
          absl::string_view path = request.path;
          size_t n = 0;
          if (!absl::ConsumePrefix(&path, "/t/") || !absl::SimpleAtoi(path, &n) ||
              n >= shared_.size()) {
            response.status = 404;
            response.body = "not found\n";
            return;
          }
          response.SetHeader("Cache-Control", kCacheControl);
          response.SetHeader("Content-Type", "application/octet-stream");
          response.shared_body = shared_[n];
        });
    if (!front.ok()) Die(front.status().ToString());
    front_ = *std::move(front);
  }
  int port() const override { return front_->port(); }

 private:
  std::vector<std::shared_ptr<const std::string>> shared_;
  std::unique_ptr<HttpFront> front_;
};




// Dies unless `port` answers every path with its body, keep-alive.
void CheckBodies(const std::string& name, int port, const std::vector<std::string>& bodies) {
  std::unique_ptr<HttpClientConnection> c;
  for (size_t n = 0; n < bodies.size(); ++n) {
    if (c == nullptr) {
      absl::StatusOr<std::unique_ptr<HttpClientConnection>> made =
          HttpClientConnection::Connect(port);
      if (!made.ok()) Die(name + ": " + made.status().ToString());
      c = *std::move(made);
    }
    const std::string path = absl::StrCat("/t/", n);
    if (!c->Send(HttpGet(path)).ok()) Die(name + ": send " + path);
    absl::StatusOr<HttpAnswer> answer = c->Read(absl::Seconds(10));
    if (!answer.ok()) Die(absl::StrCat(name, " at ", path, ": ", answer.status().ToString()));
    if (answer->status != 200 || answer->body != bodies[n]) {
      Die(absl::StrCat(name, " serves other bytes at ", path, " (status ", answer->status, ")"));
    }
    const std::string* connection = answer->Header("connection");
    if (connection != nullptr && *connection == "close") c.reset();
  }
}

struct TrickleResult {
  bool closed = false;
  double seconds = 0;  // to the close, or how long it stayed open
  int bytes_sent = 0;
  std::string how;     // "closed", "closed after an answer (...)", "open"
};

// One connection sending the start of a GET, then one header byte a second.
TrickleResult Trickle(int port, absl::Duration limit, absl::string_view source) {
  TrickleResult result;
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c =
      HttpClientConnection::Connect(port, source);
  if (!c.ok()) Die("trickle: " + c.status().ToString());
  const absl::Time start = absl::Now();
  const std::string head = "GET /t/0 HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  if (!(*c)->Send(head).ok()) Die("trickle: first send");
  result.bytes_sent = head.size();
  while (absl::Now() - start < limit) {
    const absl::Status waited = (*c)->WaitClosed(absl::Seconds(1));
    if (waited.ok() || absl::IsFailedPrecondition(waited)) {
      result.closed = true;
      result.how = waited.ok() ? "closed"
                               : absl::StrCat("closed after an answer: ",
                                              std::string(waited.message()).substr(0, 40));
      break;
    }
    if (!(*c)->Send("a").ok()) {
      result.closed = true;
      result.how = "closed (send failed)";
      break;
    }
    ++result.bytes_sent;
  }
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!result.closed) result.how = "open";
  return result;
}

struct Row {
  double gets_per_second = 0;
  LatencySummary idle, under, steady;
  uint64_t idle_failures = 0, under_failures = 0, under_requests = 0;
  SlowlorisResult flood;
  TrickleResult trickle;
};

int Main() {
  rlimit files_limit{};
  getrlimit(RLIMIT_NOFILE, &files_limit);
  files_limit.rlim_cur = std::min<rlim_t>(files_limit.rlim_max, 16384);
  setrlimit(RLIMIT_NOFILE, &files_limit);

  // Bodies of random bytes (fixed seed): nothing compresses or repeats.
  std::vector<std::string> bodies(absl::GetFlag(FLAGS_bodies));
  std::mt19937_64 random(12);
  for (std::string& body : bodies) {
    body.resize(absl::GetFlag(FLAGS_body_bytes));
    for (char& c : body) c = static_cast<char>(random());
  }
  char pattern[] = "/tmp/vitrine-http-candidates-XXXXXX";
  if (mkdtemp(pattern) == nullptr) Die("mkdtemp");
  const std::string dir = pattern;
  const std::string script = dir + "/paths.lua";
  std::vector<std::string> paths;
  for (size_t n = 0; n < bodies.size(); ++n) paths.push_back(absl::StrCat("/t/", n));
  if (absl::Status s = WriteWrkScript(script, paths); !s.ok()) Die(s.ToString());

  const int threads = absl::GetFlag(FLAGS_threads);
  std::vector<std::pair<std::string, std::unique_ptr<Server>>> servers;
  servers.emplace_back("mhd", std::make_unique<MhdServer>(bodies, threads));
  servers.emplace_back("evhttp", std::make_unique<EvhttpServer>(bodies, threads, false));
  servers.emplace_back("evhttp+nodelay", std::make_unique<EvhttpServer>(bodies, threads, true));
  servers.emplace_back("front", std::make_unique<FrontServer>(bodies, threads));
  for (const auto& [name, server] : servers) CheckBodies(name, server->port(), bodies);

  std::printf("http_candidates: %zu bodies of %d bytes from memory, %d server threads each; "
              "wrk -t%d -c%d, %d s a run, %d rounds, order rotated; libmicrohttpd %s, "
              "libevent %s\n",
              bodies.size(), absl::GetFlag(FLAGS_body_bytes), threads,
              absl::GetFlag(FLAGS_wrk_threads), absl::GetFlag(FLAGS_connections),
              absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_rounds), MHD_get_version(),
              event_get_version());
  std::fflush(stdout);

  std::map<std::string, Row> rows;
  std::map<std::string, std::vector<double>> rates;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    for (size_t k = 0; k < servers.size(); ++k) {
      const auto& [name, server] = servers[(k + round) % servers.size()];
      absl::StatusOr<WrkFigures> run = RunWrk(
          {absl::GetFlag(FLAGS_wrk), absl::GetFlag(FLAGS_wrk_threads),
           absl::GetFlag(FLAGS_connections), absl::GetFlag(FLAGS_seconds), script,
           server->port()});
      if (!run.ok()) Die(run.status().ToString());
      const WrkFigures& figures = *run;
      rates[name].push_back(figures.gets_per_second);
      std::printf("  round %d %-14s %10.0f GETs/s  non-2xx %llu  %s%s  [%s]\n", round + 1,
                  name.c_str(), figures.gets_per_second,
                  static_cast<unsigned long long>(figures.non_2xx),
                  figures.socket_errors.empty() ? "" : "socket errors: ",
                  figures.socket_errors.c_str(), figures.latency.c_str());
      std::fflush(stdout);
    }
  }
  for (auto& [name, values] : rates) rows[name].gets_per_second = Median(values);

  // The trickling connections, all three servers at once.
  {
    std::vector<std::thread> tricklers;
    for (const auto& [name, server] : servers) {
      Row* row = &rows[name];
      const int port = server->port();
      const std::string source = absl::StrCat("127.0.3.", tricklers.size() + 1);
      tricklers.emplace_back([row, port, source] {
        row->trickle =
            Trickle(port, absl::Seconds(absl::GetFlag(FLAGS_trickle_seconds)), source);
      });
    }
    for (std::thread& t : tricklers) t.join();
  }

  const absl::Duration phase = absl::Seconds(absl::GetFlag(FLAGS_slowloris_seconds));
  for (const auto& [name, server] : servers) {
    Row& row = rows[name];
    HonestHttpOptions honest;
    honest.port = server->port();
    honest.paths = {"/t/0", "/t/64"};
    RunHonestHttp(honest, absl::Seconds(1));  // warm-up
    HonestHttpResult idle = RunHonestHttp(honest, phase);
    SlowlorisOptions flood;
    flood.port = server->port();
    flood.connections = 2000;
    flood.duration = phase;
    flood.reconnect = true;
    flood.nice = absl::GetFlag(FLAGS_flood_nice);
    HonestHttpResult under = RunHonestHttpBeside(honest, [&] { row.flood = RunSlowloris(flood); });
    std::vector<double> steady;
    for (size_t i = 0; i < under.latencies_ms.size(); ++i) {
      if (under.sent_at_seconds[i] >= absl::GetFlag(FLAGS_ramp_seconds)) {
        steady.push_back(under.latencies_ms[i]);
      }
    }
    row.idle = Summarize(idle.latencies_ms);
    row.under = Summarize(under.latencies_ms);
    row.steady = Summarize(steady);
    row.idle_failures = idle.failures;
    row.under_failures = under.failures;
    row.under_requests = under.requests;
    std::printf("  %-14s honest p99 idle %.2f ms, beside slowloris %.2f ms (after %.0f s: %.2f "
                "ms), %llu/%llu failed; flood: %d opened, %d closed by the server\n",
                name.c_str(), row.idle.p99_ms, row.under.p99_ms,
                absl::GetFlag(FLAGS_ramp_seconds), row.steady.p99_ms,
                static_cast<unsigned long long>(under.failures),
                static_cast<unsigned long long>(under.requests), row.flood.opened,
                row.flood.closed_by_server);
    std::fflush(stdout);
  }

  const double front_rate = rows["front"].gets_per_second;
  std::printf("\n| server | GETs/s (median of %d) | vs front | honest p99 idle | p99 beside "
              "2,000 slowloris | ratio | flood conns closed by server in %d s | 1 byte/s "
              "trickle |\n|---|---|---|---|---|---|---|---|\n",
              absl::GetFlag(FLAGS_rounds), absl::GetFlag(FLAGS_slowloris_seconds));
  for (const auto& [name, server] : servers) {
    const Row& row = rows[name];
    std::printf("| %s | %.0f | %.2f | %.2f ms | %.2f ms (after %.0f s: %.2f ms) | %.2f | %d of "
                "%d opened | %s at %.1f s (%d bytes) |\n",
                name.c_str(), row.gets_per_second, row.gets_per_second / front_rate,
                row.idle.p99_ms, row.under.p99_ms, absl::GetFlag(FLAGS_ramp_seconds),
                row.steady.p99_ms, row.under.p99_ms / row.idle.p99_ms,
                row.flood.closed_by_server, row.flood.opened, row.trickle.how.c_str(),
                row.trickle.seconds, row.trickle.bytes_sent);
  }
  servers.clear();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return vitrine::bench::Main();
}
