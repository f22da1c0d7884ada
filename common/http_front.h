// The HTTP/1.1 front both servers put on the internet (vitrine-log's tiles,
// checkpoint, metrics and health port; vitrine-monitor's status port): an
// event-driven server on Boost.Beast and Asio, so a slow or idle connection
// costs a socket and a small buffer, never a thread (issue 12).
//
//   HttpFrontOptions options;
//   options.port = 0;   // the kernel picks; read it back with port()
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<HttpFront> http,
//       HttpFront::Start(options, [](const HttpRequest& request,
//                                    HttpResponse& response) {
//         response.body = "ok\n";
//       }));
//   ... http->port() ...
//   http->Stop();
//
// What it guarantees, whatever clients send:
//   - Every request has a total deadline: its headers must arrive within
//     header_timeout of its first byte (or of the connection, for the
//     first), and an idle keep-alive connection closes after idle_timeout.
//     A client that trickles bytes (slowloris) is closed, and thousands of
//     them cost only sockets.
//   - Bounded memory per connection: headers up to max_header_bytes, no
//     request body ever (the API is read-only): a request announcing one
//     (Content-Length > 0 or any Transfer-Encoding, including both at once)
//     gets 400 and the connection is closed, so no body can be read as
//     another request (no smuggling).
//   - Keep-alive and pipelining: requests on one connection are answered in
//     order, each fully, bytes already received for the next one kept.
//     "Connection: close" from either side ends the connection after the
//     answer.
//   - Range: a single "bytes=" range of a 200 answer gives 206 with that
//     slice (416 when it cannot be satisfied); a list of ranges is ignored
//     and the whole answer sent once: never a multi-range answer.
//   - Connection limits in total and per client address (IPv4 /32, IPv6
//     /64): beyond them a new connection is closed at once.
//   - HEAD answers as GET without the body.
// The handler sees only complete, bounded requests and runs on one of the
// front's threads; it may block briefly (a RocksDB read), not for long.
//
// Thread-safety: Start, port and Stop from any thread; the handler and the
// logger run on the front's threads, concurrently.
#ifndef VITRINE_COMMON_HTTP_FRONT_H_
#define VITRINE_COMMON_HTTP_FRONT_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vitrine {

struct HttpFrontOptions {
  // Loopback unless the operator asks: a public port is a deliberate choice.
  std::string host = "127.0.0.1";
  // 0 picks a free port.
  int port = 0;
  // Threads running the event loop and the handler: handlers read RocksDB
  // (microseconds to a few milliseconds), so a few keep one slow read from
  // holding up the others.
  size_t threads = 4;
  // The whole of a request's headers must arrive within this: a slowloris
  // connection is closed after it, however it trickles.
  absl::Duration header_timeout = absl::Seconds(10);
  // An idle keep-alive connection (no byte of a next request) closes after.
  absl::Duration idle_timeout = absl::Seconds(5);
  // Writing one answer may take at most this (a client that stops reading).
  absl::Duration write_timeout = absl::Seconds(30);
  // Request line and headers: far above any real client's (< 2 KiB).
  size_t max_header_bytes = 8 << 10;
  // Open connections in total and from one address: thousands of idle or
  // slow connections fit; one address cannot take them all.
  size_t max_connections = 20000;
  size_t max_connections_per_address = 512;
  // The kernel's queue of connections not yet accepted (a burst of new
  // connections waits there instead of being dropped).
  int listen_backlog = 4096;
};

// A request as the handler sees it: complete, headers bounded, no body.
struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // as sent: path and query
  std::string path;    // target up to '?', not decoded
  // Header fields in arrival order, names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  // The client's address (no port), for logs.
  std::string remote_address;

  // Returns the value of the first header named `name` (any case), or
  // nullptr.
  const std::string* Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  // Header fields to send, besides Content-Length, Date-less by design
  // (caches need none), Connection and Content-Range, which the front sets.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, sent instead of `body` without a copy: bytes many answers
  // share, such as a cached immutable tile.
  std::shared_ptr<const std::string> shared_body;

  // Sets `name` to `value`, replacing a field of that name (any case).
  void SetHeader(absl::string_view name, absl::string_view value);
  // Returns the value of the field named `name` (any case), or nullptr.
  const std::string* Header(absl::string_view name) const;
};

using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;
// Sees every answer once it is sent, those the front makes itself (400,
// 431, 416, ...) included; `request` is as much as was parsed.
using HttpLogger = std::function<void(const HttpRequest&, const HttpResponse&)>;

class HttpFront {
 public:
  // Binds options.host:options.port and serves. InvalidArgument for a port
  // outside 0..65535, no threads or zero limits; Unavailable when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpFront>> Start(
      const HttpFrontOptions& options, HttpHandler handler,
      HttpLogger logger = nullptr);
  ~HttpFront();  // Stops.
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  int port() const;
  // Open connections now (for metrics and tests).
  size_t connections() const;
  // Stops accepting, closes every connection (an answer being written is
  // cut), joins the threads. Idempotent.
  void Stop();

  // The implementation's state (http_front.cc), named here only so that
  // its connection objects can reach it.
  struct Rep;

 private:
  explicit HttpFront(std::shared_ptr<Rep> rep);
  std::shared_ptr<Rep> rep_;
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_HTTP_FRONT_H_
