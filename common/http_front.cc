#include "common/http_front.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/http_range.h"
#include "common/peer_budget.h"

namespace vitrine {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// How long and how much a refused connection is drained before it closes.
constexpr absl::Duration kLingerTime = absl::Seconds(2);
constexpr size_t kLingerBytes = 8 << 20;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(
      std::max<int64_t>(0, absl::ToInt64Nanoseconds(d)));
}

bool SameName(absl::string_view a, absl::string_view b) {
  return absl::EqualsIgnoreCase(a, b);
}

// The address key of a connection limit: IPv4 /32, IPv6 /64 (one host
// commonly owns a /64), as the gRPC budgets key their peers.
std::string AddressKey(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  if (address.is_v4()) return address.to_string();
  if (address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return PeerBudget::AddressOf(
      absl::StrCat("ipv6:[", address.to_string(), "]:", endpoint.port()));
}

}  // namespace

const std::string* HttpRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) return &value;
  }
  return nullptr;
}

void HttpResponse::SetHeader(absl::string_view name, absl::string_view value) {
  for (auto& [key, old] : headers) {
    if (SameName(key, name)) {
      old = std::string(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

const std::string* HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) return &value;
  }
  return nullptr;
}

// The listener's state. Stop (or the destructor) destroys the acceptor,
// then the io_context, which destroys the sessions still queued in it; they
// release their connection counts into the members above.
struct HttpFront::Rep {
  HttpFrontOptions options;
  HttpHandler handler;
  HttpLogger logger;
  int port = 0;
  std::atomic<size_t> open{0};
  absl::Mutex mu;
  absl::flat_hash_map<std::string, size_t> per_address ABSL_GUARDED_BY(mu);
  absl::Mutex stop_mu;
  bool stopped ABSL_GUARDED_BY(stop_mu) = false;
  std::vector<std::thread> threads;
  // One event loop per thread, each connection on one of them for its
  // whole life: an event is handled by the thread that saw it, with no
  // hand-off between threads (a shared multi-threaded loop spent most of
  // its time waking threads, and an honest request waited behind 2,000
  // slow ones' wake-ups). Reset by Stop (the acceptor first): destroying a
  // loop destroys the sessions queued in it, which closes their sockets and
  // releases their counts (above, still alive).
  using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<WorkGuard> keep_running;
  std::unique_ptr<tcp::acceptor> acceptor_holder;
  size_t next_loop = 0;  // only the acceptor's thread touches it
  asio::io_context& io;  // loops[0]: the acceptor's
  tcp::acceptor& acceptor;

  static std::vector<std::unique_ptr<asio::io_context>> MakeLoops(size_t n) {
    std::vector<std::unique_ptr<asio::io_context>> loops;
    // Hint 1: each loop runs on one thread, so it may skip its locking.
    for (size_t i = 0; i < n; ++i) {
      loops.push_back(std::make_unique<asio::io_context>(1));
    }
    return loops;
  }

  explicit Rep(size_t threads)
      : loops(MakeLoops(threads)),
        acceptor_holder(std::make_unique<tcp::acceptor>(*loops[0])),
        io(*loops[0]),
        acceptor(*acceptor_holder) {
    for (auto& loop : loops) keep_running.push_back(asio::make_work_guard(*loop));
  }

  ~Rep() { Teardown(); }

  void Teardown() {
    acceptor_holder.reset();
    keep_running.clear();
    loops.clear();
  }

  // Counts a new connection from `address`; false (nothing counted) when a
  // limit is reached.
  bool Admit(const std::string& address) {
    absl::MutexLock lock(&mu);
    if (open.load() >= options.max_connections) return false;
    size_t& count = per_address[address];
    if (count >= options.max_connections_per_address) {
      if (count == 0) per_address.erase(address);
      return false;
    }
    ++count;
    open.fetch_add(1);
    return true;
  }

  void Release(const std::string& address) {
    absl::MutexLock lock(&mu);
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
    open.fetch_sub(1);
  }

  void Accept();
};

namespace {

// One connection: read a request's headers (bounded, under a deadline),
// answer, repeat while keep-alive; only ever one request in progress, the
// bytes of pipelined ones waiting in `buffer_`.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpFront::Rep* rep, tcp::socket socket, std::string address,
          std::string remote)
      : rep_(rep),
        stream_(std::move(socket)),
        address_(std::move(address)),
        remote_(std::move(remote)),
        // Room for one request's headers and some of the next (pipelined):
        // the most a connection ever buffers.
        buffer_(std::max<size_t>(16 << 10, 2 * rep->options.max_header_bytes)) {}

  ~Session() { rep_->Release(address_); }

  auto executor() { return stream_.get_executor(); }

  void Start() {
    // The first request's headers are due header_timeout after accept.
    deadline_ = std::chrono::steady_clock::now() +
                ToChrono(rep_->options.header_timeout);
    ReadRequest();
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(rep_->options.max_header_bytes));
    parser_->body_limit(0);
    if (buffer_.size() == 0 && !first_) {
      // Keep-alive: wait for the first byte of the next request at most
      // idle_timeout; its headers are then due header_timeout later.
      stream_.expires_after(ToChrono(rep_->options.idle_timeout));
      auto self = shared_from_this();
      stream_.async_read_some(
          buffer_.prepare(4096),
          [self](beast::error_code ec, std::size_t n) {
            if (ec) return self->Close();
            self->buffer_.commit(n);
            self->deadline_ = std::chrono::steady_clock::now() +
                              ToChrono(self->rep_->options.header_timeout);
            self->ReadHeader();
          });
      return;
    }
    if (!first_) {
      // Pipelined bytes are already here: the deadline starts now.
      deadline_ = std::chrono::steady_clock::now() +
                  ToChrono(rep_->options.header_timeout);
    }
    ReadHeader();
  }

  void ReadHeader() {
    first_ = false;
    stream_.expires_at(deadline_);
    auto self = shared_from_this();
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      return Refuse(431, "request headers too large");
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec == http::error::body_limit || ec == http::error::unexpected_body) {
      return Refuse(400, "request bodies are not accepted");
    }
    if (ec && !parser_->is_header_done()) {
      return Refuse(400, "malformed request");
    }
    const auto& message = parser_->get();
    request_ = HttpRequest();
    request_.method = std::string(message.method_string());
    request_.target = std::string(message.target());
    request_.path = request_.target.substr(0, request_.target.find('?'));
    request_.remote_address = remote_;
    for (const auto& field : message) {
      request_.headers.emplace_back(
          absl::AsciiStrToLower(std::string(field.name_string())),
          std::string(field.value()));
    }
    // No request has a body here: one that announces one (even with both
    // framings at once) is refused and the connection closed, so its bytes
    // can never be read as a request of their own.
    const std::string* length = request_.Header("content-length");
    if (ec || request_.Header("transfer-encoding") != nullptr ||
        (length != nullptr && *length != "0")) {
      return Refuse(400, "request bodies are not accepted");
    }
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    HttpResponse response;
    rep_->handler(request_, response);
    Send(std::move(response));
  }

  // Answers with a short text and closes after it.
  void Refuse(int status, absl::string_view why) {
    HttpResponse response;
    response.status = status;
    response.SetHeader("Content-Type", "text/plain; charset=utf-8");
    response.SetHeader("Cache-Control", "no-store");
    response.body = absl::StrCat(why, "\n");
    keep_alive_ = false;
    // Unread bytes may follow (a body): closing on them makes the kernel
    // reset the connection, and the client may lose the answer before it
    // reads it. So after this answer, drain a while before closing.
    linger_ = true;
    if (request_.method.empty() && parser_.has_value() &&
        parser_->is_header_done()) {
      request_.method = std::string(parser_->get().method_string());
      request_.target = std::string(parser_->get().target());
      request_.path = request_.target.substr(0, request_.target.find('?'));
    }
    request_.remote_address = remote_;
    Send(std::move(response));
  }

  // Cuts a 200 answer to the one range asked for (common/http_range.h).
  static void ApplyRange(absl::string_view header, HttpResponse& response) {
    if (response.shared_body != nullptr) {
      if (ChooseRange(header, response.shared_body->size()).kind ==
          RangeKind::kWhole) {
        return;
      }
      response.body = *response.shared_body;
      response.shared_body.reset();
    }
    const uint64_t length = response.body.size();
    const RangeAnswer range = ChooseRange(header, length);
    if (range.kind == RangeKind::kWhole) return;
    response.SetHeader("Content-Range", ContentRange(range, length));
    if (range.kind == RangeKind::kUnsatisfiable) {
      response.status = 416;
      response.body.clear();
      return;
    }
    response.status = 206;
    response.body = response.body.substr(range.begin, range.end - range.begin);
  }

  void Send(HttpResponse response) {
    const bool head = request_.method == "HEAD";
    if (request_.method == "GET" && response.status == 200) {
      if (const std::string* range = request_.Header("range")) {
        ApplyRange(*range, response);
      }
    }
    answer_ = std::move(response);
    reply_ = {};
    reply_.version(version_);
    reply_.result(static_cast<unsigned>(answer_.status));
    for (const auto& [name, value] : answer_.headers) {
      if (SameName(name, "content-length") || SameName(name, "connection")) {
        continue;
      }
      reply_.insert(name, value);
    }
    if (answer_.Header("connection") != nullptr &&
        absl::EqualsIgnoreCase(*answer_.Header("connection"), "close")) {
      keep_alive_ = false;
    }
    reply_.keep_alive(keep_alive_);
    // The body is sent from where it lies (answer_ lives until the write is
    // done): a cached tile shared by many connections is never copied.
    const std::string& payload =
        answer_.shared_body != nullptr ? *answer_.shared_body : answer_.body;
    // A 304 has no content, and its Content-Length could only be the 200's
    // (RFC 9110 8.6), which the handler did not compute: none is sent.
    if (answer_.status != 304) reply_.content_length(payload.size());
    if (!head) reply_.body() = {payload.data(), payload.size()};
    stream_.expires_after(ToChrono(rep_->options.write_timeout));
    auto self = shared_from_this();
    serializer_.emplace(reply_);
    http::async_write(stream_, *serializer_,
                      [self](beast::error_code ec, std::size_t) {
                        self->OnWritten(ec);
                      });
  }

  void OnWritten(beast::error_code ec) {
    serializer_.reset();
    if (rep_->logger) rep_->logger(request_, answer_);
    if (!ec && linger_) return Linger();
    if (ec || !keep_alive_) return Close();
    request_ = HttpRequest();
    ReadRequest();
  }

  // A lingering close: no more answers (FIN sent), what the client still
  // sends read and dropped for up to kLingerTime or kLingerBytes, then
  // closed, so that the answer just written reaches it before any reset.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(ToChrono(kLingerTime));
    DrainSome();
  }

  void DrainSome() {
    // Read into the connection's own buffer and drop it: no extra memory.
    buffer_.clear();
    auto self = shared_from_this();
    stream_.async_read_some(
        buffer_.prepare(4096), [self](beast::error_code ec, std::size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > kLingerBytes) return self->Close();
          self->DrainSome();
        });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  HttpFront::Rep* const rep_;
  beast::tcp_stream stream_;
  const std::string address_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::chrono::steady_clock::time_point deadline_;
  bool first_ = true;
  bool keep_alive_ = true;
  bool linger_ = false;
  size_t drained_ = 0;
  unsigned version_ = 11;
  HttpRequest request_;
  HttpResponse answer_;
  http::response<http::span_body<const char>> reply_;
  std::optional<http::response_serializer<http::span_body<const char>>>
      serializer_;
};

}  // namespace

void HttpFront::Rep::Accept() {
  asio::io_context& loop = *loops[next_loop++ % loops.size()];
  acceptor.async_accept(
      loop, [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
          beast::error_code endpoint_ec;
          const tcp::endpoint peer = socket.remote_endpoint(endpoint_ec);
          if (!endpoint_ec) {
            std::string address = AddressKey(peer);
            if (Admit(address)) {
              socket.set_option(tcp::no_delay(true), endpoint_ec);
              auto session = std::make_shared<Session>(
                  this, std::move(socket), std::move(address),
                  peer.address().to_string());
              // Started on its own loop's thread, where it lives.
              asio::post(session->executor(),
                         [session] { session->Start(); });
            } else {
              // Over a limit: closed at once, before any byte is read.
              socket.close(endpoint_ec);
            }
          }
        }
        Accept();
      });
}

HttpFront::HttpFront(std::shared_ptr<Rep> rep) : rep_(std::move(rep)) {}

HttpFront::~HttpFront() { Stop(); }

absl::StatusOr<std::unique_ptr<HttpFront>> HttpFront::Start(
    const HttpFrontOptions& options, HttpHandler handler, HttpLogger logger) {
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP port ", options.port, " is not in 0..65535"));
  }
  if (options.threads == 0 || options.max_connections == 0 ||
      options.max_connections_per_address == 0 ||
      options.max_header_bytes == 0 || options.listen_backlog <= 0) {
    return absl::InvalidArgumentError(
        "HTTP front needs threads, connection limits, a header limit and a "
        "listen backlog above 0");
  }
  auto rep = std::make_shared<Rep>(options.threads);
  rep->options = options;
  rep->handler = std::move(handler);
  rep->logger = std::move(logger);

  beast::error_code ec;
  tcp::resolver resolver(rep->io);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive, ec);
  if (ec || endpoints.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "cannot resolve HTTP address ", options.host, ": ", ec.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = rep->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  // SO_REUSEADDR for a quick restart; never SO_REUSEPORT, which would let a
  // second server bind the same port and silently take half the traffic.
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(options.listen_backlog, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ",
                                               options.host, ":", options.port,
                                               ": ", ec.message()));
  }
  rep->port = acceptor.local_endpoint().port();
  rep->Accept();
  for (size_t i = 0; i < options.threads; ++i) {
    asio::io_context* loop = rep->loops[i].get();
    rep->threads.emplace_back([loop] { loop->run(); });
  }
  return std::unique_ptr<HttpFront>(new HttpFront(std::move(rep)));
}

int HttpFront::port() const { return rep_->port; }

size_t HttpFront::connections() const { return rep_->open.load(); }

void HttpFront::Stop() {
  absl::MutexLock lock(&rep_->stop_mu);
  if (rep_->stopped) return;
  rep_->stopped = true;
  Rep* r = rep_.get();
  for (auto& loop : r->loops) loop->stop();
  for (std::thread& thread : r->threads) thread.join();
  r->threads.clear();
  // No thread runs now: close the listening socket, then every connection.
  r->Teardown();
}

}  // namespace vitrine
