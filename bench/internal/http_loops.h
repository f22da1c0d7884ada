// Raw HTTP/1.1 clients for the HTTP front's attack tests and benchmark
// (issue 12): a blocking connection that sends exact bytes and parses exact
// answers, a slowloris flood, and an honest keep-alive client whose
// latencies are recorded. Shared by bench/http_bench.cc and
// tests/server/http_attacks_test.cc.
//
//   absl::StatusOr<std::unique_ptr<HttpClientConnection>> c =
//       HttpClientConnection::Connect(port, "127.0.0.2");
//   (*c)->Send("GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n");
//   absl::StatusOr<HttpAnswer> answer = (*c)->Read(absl::Seconds(5));
//
//   SlowlorisOptions flood;   // 2,000 connections trickling header bytes
//   flood.port = port;
//   HonestHttpOptions honest;
//   honest.port = port;
//   SlowlorisResult attack;
//   HonestHttpResult measured = RunHonestHttpBeside(honest, [&] {
//     attack = RunSlowloris(flood);
//   });
//
// Everything connects to 127.0.0.1, optionally from another loopback source
// address (127.0.0.2, ...) so that a server's per-address limits see
// another client. Answers must carry Content-Length (both servers and nginx
// send it); a chunked answer is reported as malformed.
//
// Thread-safety: an HttpClientConnection has one user at a time; the Run*
// functions block their caller and may run concurrently with each other.
#ifndef VITRINE_BENCH_INTERNAL_HTTP_LOOPS_H_
#define VITRINE_BENCH_INTERNAL_HTTP_LOOPS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vitrine::bench {

struct HttpAnswer {
  int status = 0;
  // In arrival order, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Returns the first field named `name` (lower case), or nullptr.
  const std::string* Header(absl::string_view name) const;
};

// One answer parsed from the front of a byte stream.
struct ParsedAnswer {
  HttpAnswer answer;
  size_t consumed = 0;  // bytes of the stream it took
};

// Parses the HTTP/1.1 answer at the front of `bytes`. nullopt-like: a
// ParsedAnswer with consumed == 0 when more bytes are needed. `head`: the
// answer to a HEAD (no body whatever Content-Length says). InvalidArgument
// for a malformed status line or header, or a body framing other than
// Content-Length.
absl::StatusOr<ParsedAnswer> ParseHttpAnswer(absl::string_view bytes, bool head);

class HttpClientConnection {
 public:
  // Connects to 127.0.0.1:`port` from `source` (an IPv4 address of the
  // loopback interface; empty: the kernel picks). Unavailable when the
  // connection cannot be made.
  static absl::StatusOr<std::unique_ptr<HttpClientConnection>> Connect(
      int port, absl::string_view source = "");
  ~HttpClientConnection();
  HttpClientConnection(const HttpClientConnection&) = delete;
  HttpClientConnection& operator=(const HttpClientConnection&) = delete;

  // Writes all of `bytes`. Unavailable when the server closed or reset.
  absl::Status Send(absl::string_view bytes);
  // Sends FIN: the server reads end of stream after what was sent.
  void ShutdownWrite();
  // Reads the next whole answer. Unavailable when the server closed (or
  // reset) first, DeadlineExceeded after `timeout`, InvalidArgument for a
  // malformed answer.
  absl::StatusOr<HttpAnswer> Read(absl::Duration timeout, bool head = false);
  // Waits for the server to close the connection. OK when it closed (FIN or
  // reset) with no byte beyond the answers already read; FailedPrecondition
  // (with the bytes) when more came; DeadlineExceeded when still open.
  absl::Status WaitClosed(absl::Duration timeout);

  int fd() const { return fd_; }

 private:
  explicit HttpClientConnection(int fd) : fd_(fd) {}
  // Reads what is available within `deadline` into buffer_. False at end of
  // stream or a reset (then closed_ is set), or on timeout.
  bool Fill(absl::Time deadline);

  int fd_;
  std::string buffer_;
  bool closed_ = false;
};

// A GET of `path` with a Host header and nothing else.
std::string HttpGet(absl::string_view path, absl::string_view extra_headers = "");

struct SlowlorisOptions {
  int port = 0;
  int connections = 2000;
  // Source addresses, used round robin (each one stays below a server's
  // per-address limit: 2,000 over 8 addresses is 250 each).
  std::vector<std::string> sources = {"127.0.2.1", "127.0.2.2", "127.0.2.3", "127.0.2.4",
                                      "127.0.2.5", "127.0.2.6", "127.0.2.7", "127.0.2.8"};
  // Each connection sends one byte of a never-ending header every
  // [min_gap, max_gap] (uniform), its first byte within max_gap.
  absl::Duration min_gap = absl::Seconds(1);
  absl::Duration max_gap = absl::Seconds(3);
  // The flood lasts this long; it ends early once every connection was
  // closed (unless reconnect).
  absl::Duration duration = absl::Seconds(10);
  // Reopen a connection the server closed (an attacker keeping the flood
  // up), rather than counting it and letting it go.
  bool reconnect = false;
  // The flood's thread runs at this nice value (restored after): standing
  // in for an attacker on another machine, whose CPU is not the server's.
  int nice = 0;
};

struct SlowlorisResult {
  int opened = 0;             // connections made (reconnects included)
  int connect_failures = 0;   // refused, reset or timed out at connect
  int closed_by_server = 0;   // FIN or reset seen while trickling
  int still_open = 0;         // at the end of the flood
  uint64_t bytes_sent = 0;
  uint64_t answer_bytes = 0;  // what the server wrote before closing (e.g. 408)
  // For each connection the server closed: seconds from connect to close.
  std::vector<double> held_seconds;
};

// Runs the flood on the calling thread (one poll loop for all connections).
SlowlorisResult RunSlowloris(const SlowlorisOptions& options);

struct HonestHttpOptions {
  int port = 0;
  // Fetched in turn on one keep-alive connection from `source`.
  std::vector<std::string> paths = {"/checkpoint", "/tile/entries/000"};
  std::string source = "127.0.0.1";
  // Pause between an answer and the next request.
  absl::Duration pause = absl::Milliseconds(10);
  // One request's deadline: beyond it the request has failed.
  absl::Duration timeout = absl::Seconds(5);
};

struct HonestHttpResult {
  uint64_t requests = 0;
  uint64_t answered_ok = 0;  // 200 with a body
  uint64_t failures = 0;
  // "status 503", "Unavailable: closed", ... -> count.
  std::map<std::string, uint64_t> errors;
  uint64_t reconnects = 0;  // new connections after the first
  std::vector<double> latencies_ms;  // send to whole answer, answered ones
  // For each latency: when its request was sent, seconds from the start.
  std::vector<double> sent_at_seconds;
};

// Runs the honest client for `duration`.
HonestHttpResult RunHonestHttp(const HonestHttpOptions& options, absl::Duration duration);

// Runs the honest client on its own thread while `beside` runs on the
// calling thread, and stops it when `beside` returns.
HonestHttpResult RunHonestHttpBeside(const HonestHttpOptions& options,
                                     const std::function<void()>& beside);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_HTTP_LOOPS_H_
