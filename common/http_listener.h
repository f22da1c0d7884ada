// The HTTP plumbing both servers share (vitrine-log's tiles and metrics
// port, vitrine-monitor's metrics port): cpp-httplib bound to one address,
// every request answered by one handler before httplib's routing (which
// would read a body first and has no 405), a bounded worker pool, timeouts,
// and a stop that waits for requests in progress.
//
//   HttpListenerOptions options;
//   options.port = 0;   // the kernel picks; read it back with port()
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<HttpListener> http,
//       HttpListener::Start(options, [](const httplib::Request& request,
//                                       httplib::Response& response) {...}));
//   ... http->port() ...
//   http->Stop();
//
// Thread-safety: Start, port and Stop from any thread; the handler and the
// logger run on the worker threads, concurrently.
#ifndef VITRINE_COMMON_HTTP_LISTENER_H_
#define VITRINE_COMMON_HTTP_LISTENER_H_

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vitrine {

struct HttpListenerOptions {
  // Loopback unless the operator asks: a public port is a deliberate choice.
  std::string host = "127.0.0.1";
  // 0 picks a free port.
  int port = 0;
  // Worker threads; each holds one connection at a time (keep-alive too).
  size_t threads = 8;
  // Slow or stalled clients hold a worker at most this long per read/write.
  absl::Duration read_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(10);
  // An idle keep-alive connection releases its worker after this long.
  absl::Duration keep_alive_timeout = absl::Seconds(2);
  // Largest request body httplib accepts (the servers are GET-only).
  size_t max_payload_bytes = 4096;
};

using HttpHandler = std::function<void(const httplib::Request&, httplib::Response&)>;
// Sees every answer after it is sent, the ones httplib makes itself (400,
// 414, ...) included.
using HttpLogger = std::function<void(const httplib::Request&, const httplib::Response&)>;

class HttpListener {
 public:
  // Binds options.host:options.port and serves. InvalidArgument for a port
  // outside 0..65535 or no threads; Unavailable when the address cannot be
  // bound or the server does not start.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const HttpListenerOptions& options,
                                                             HttpHandler handler,
                                                             HttpLogger logger = nullptr);
  ~HttpListener();  // Stops.
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const;
  // Stops accepting, lets each worker finish its request, joins. Idempotent.
  void Stop();

 private:
  struct Rep;
  explicit HttpListener(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_HTTP_LISTENER_H_
