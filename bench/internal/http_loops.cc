#include "bench/internal/http_loops.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace vitrine::bench {
namespace {

// Opens a blocking TCP connection to 127.0.0.1:port from `source`.
absl::StatusOr<int> ConnectTcp(int port, absl::string_view source) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("socket: ", std::strerror(errno)));
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = 0;
    if (inet_pton(AF_INET, std::string(source).c_str(), &local.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      const int error = errno;
      close(fd);
      return absl::UnavailableError(
          absl::StrCat("bind ", source, ": ", std::strerror(error)));
    }
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    const int error = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect: ", std::strerror(error)));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

const std::string* HttpAnswer::Header(absl::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (field == name) return &value;
  }
  return nullptr;
}

absl::StatusOr<ParsedAnswer> ParseHttpAnswer(absl::string_view bytes, bool head) {
  ParsedAnswer parsed;
  const size_t end = bytes.find("\r\n\r\n");
  if (end == absl::string_view::npos) {
    if (bytes.size() > (64 << 10)) return absl::InvalidArgumentError("header over 64 KiB");
    return parsed;
  }
  std::vector<absl::string_view> lines = absl::StrSplit(bytes.substr(0, end), "\r\n");
  absl::string_view status_line = lines[0];
  // "HTTP/1.1 200 OK": the version, a 3-digit code, a reason (maybe empty).
  if (!absl::ConsumePrefix(&status_line, "HTTP/1.1 ") && !absl::ConsumePrefix(&status_line, "HTTP/1.0 ")) {
    return absl::InvalidArgumentError(absl::StrCat("bad status line: ", lines[0]));
  }
  if (status_line.size() < 3 || !absl::SimpleAtoi(status_line.substr(0, 3), &parsed.answer.status) ||
      parsed.answer.status < 100 || parsed.answer.status > 599 ||
      (status_line.size() > 3 && status_line[3] != ' ')) {
    return absl::InvalidArgumentError(absl::StrCat("bad status line: ", lines[0]));
  }
  bool has_length = false;
  size_t length = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad header line: ", lines[i]));
    }
    std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    if (name == "content-length") {
      if (has_length || !absl::SimpleAtoi(value, &length)) {
        return absl::InvalidArgumentError(absl::StrCat("bad Content-Length: ", value));
      }
      has_length = true;
    }
    if (name == "transfer-encoding") {
      return absl::InvalidArgumentError(absl::StrCat("Transfer-Encoding: ", value));
    }
    parsed.answer.headers.emplace_back(std::move(name), std::move(value));
  }
  const int status = parsed.answer.status;
  const bool no_body = head || status == 204 || status == 304 || status < 200;
  if (!no_body && !has_length) return absl::InvalidArgumentError("no Content-Length");
  const size_t body = no_body ? 0 : length;
  if (bytes.size() < end + 4 + body) return ParsedAnswer{};
  parsed.answer.body = std::string(bytes.substr(end + 4, body));
  parsed.consumed = end + 4 + body;
  return parsed;
}

absl::StatusOr<std::unique_ptr<HttpClientConnection>> HttpClientConnection::Connect(
    int port, absl::string_view source) {
  absl::StatusOr<int> fd = ConnectTcp(port, source);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<HttpClientConnection>(new HttpClientConnection(*fd));
}

HttpClientConnection::~HttpClientConnection() { close(fd_); }

absl::Status HttpClientConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

void HttpClientConnection::ShutdownWrite() { shutdown(fd_, SHUT_WR); }

bool HttpClientConnection::Fill(absl::Time deadline) {
  if (closed_) return false;
  for (;;) {
    // At least one look, even when the deadline is (nearly) now.
    const int64_t wait_ms =
        std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {  // end of stream, or a reset
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

absl::StatusOr<HttpAnswer> HttpClientConnection::Read(absl::Duration timeout, bool head) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<ParsedAnswer> parsed = ParseHttpAnswer(buffer_, head);
    if (!parsed.ok()) return parsed.status();
    if (parsed->consumed > 0) {
      buffer_.erase(0, parsed->consumed);
      return std::move(parsed->answer);
    }
    if (!Fill(deadline)) {
      if (closed_) {
        return absl::UnavailableError(
            absl::StrCat("closed by the server with ", buffer_.size(), " bytes of an answer"));
      }
      return absl::DeadlineExceededError("no whole answer in time");
    }
  }
}

absl::Status HttpClientConnection::WaitClosed(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!closed_) {
    if (!Fill(deadline) && !closed_) return absl::DeadlineExceededError("still open");
  }
  if (!buffer_.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("closed after ", buffer_.size(), " more bytes: ", buffer_.substr(0, 200)));
  }
  return absl::OkStatus();
}

std::string HttpGet(absl::string_view path, absl::string_view extra_headers) {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n", extra_headers, "\r\n");
}

SlowlorisResult RunSlowloris(const SlowlorisOptions& options) {
  struct Slow {
    int fd = -1;
    absl::Time opened;
    absl::Time next_send;
    size_t sent = 0;  // bytes of the script sent
  };
  // A request line and header fields that never end: after the first line,
  // "X-a: b\r\n" forever, one byte at a time.
  const std::string start = "GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  const std::string field = "X-a: b\r\n";
  auto byte_at = [&](size_t i) {
    return i < start.size() ? start[i] : field[(i - start.size()) % field.size()];
  };

  SlowlorisResult result;
  absl::BitGen random;
  auto gap = [&] {
    return absl::Milliseconds(absl::Uniform<int64_t>(
        random, absl::ToInt64Milliseconds(options.min_gap),
        absl::ToInt64Milliseconds(options.max_gap) + 1));
  };
  std::vector<Slow> slow(static_cast<size_t>(options.connections));
  auto open = [&](size_t i) {
    const std::string& source = options.sources.empty()
                                    ? std::string()
                                    : options.sources[i % options.sources.size()];
    absl::StatusOr<int> fd = ConnectTcp(options.port, source);
    if (!fd.ok()) {
      ++result.connect_failures;
      slow[i].fd = -1;
      return;
    }
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
    ++result.opened;
    slow[i].fd = *fd;
    slow[i].opened = absl::Now();
    slow[i].sent = 0;
    slow[i].next_send = slow[i].opened + absl::Milliseconds(absl::Uniform<int64_t>(
                                              random, 0, absl::ToInt64Milliseconds(options.max_gap)));
  };
  const int nice_before = getpriority(PRIO_PROCESS, 0);  // this thread (Linux)
  if (options.nice != 0) setpriority(PRIO_PROCESS, 0, options.nice);
  const absl::Time end = absl::Now() + options.duration;
  for (size_t i = 0; i < slow.size(); ++i) open(i);

  auto closed = [&](Slow& s, absl::Time now) {
    ++result.closed_by_server;
    result.held_seconds.push_back(absl::ToDoubleSeconds(now - s.opened));
    close(s.fd);
    s.fd = -1;
  };
  std::vector<pollfd> polled;
  std::vector<size_t> which;
  for (;;) {
    const absl::Time now = absl::Now();
    if (now >= end) break;
    polled.clear();
    which.clear();
    absl::Time next = end;
    for (size_t i = 0; i < slow.size(); ++i) {
      if (slow[i].fd < 0) continue;
      polled.push_back(pollfd{slow[i].fd, POLLIN, 0});
      which.push_back(i);
      next = std::min(next, slow[i].next_send);
    }
    if (polled.empty() && !options.reconnect) break;
    // Sends due within 10 ms go together: the flood's own CPU stays small
    // beside the server it floods (the gaps are seconds).
    const int64_t wait_ms = std::clamp<int64_t>(absl::ToInt64Milliseconds(next - now), 10, 50);
    const int ready = poll(polled.data(), polled.size(), static_cast<int>(wait_ms));
    const absl::Time after = absl::Now();
    if (ready > 0) {
      for (size_t k = 0; k < polled.size(); ++k) {
        if (polled[k].revents == 0) continue;
        Slow& s = slow[which[k]];
        char chunk[4096];
        for (;;) {
          const ssize_t n = recv(s.fd, chunk, sizeof(chunk), 0);
          if (n > 0) {
            result.answer_bytes += static_cast<uint64_t>(n);
            continue;
          }
          if (n < 0 && errno == EINTR) continue;
          if (n < 0 && errno == EAGAIN) break;
          closed(s, after);  // end of stream or reset
          break;
        }
      }
    }
    for (size_t i = 0; i < slow.size(); ++i) {
      Slow& s = slow[i];
      if (s.fd < 0) {
        if (options.reconnect) open(i);
        continue;
      }
      if (after < s.next_send) continue;
      const char byte = byte_at(s.sent);
      const ssize_t n = send(s.fd, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n == 1) {
        ++s.sent;
        ++result.bytes_sent;
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        closed(s, after);
        continue;
      }
      s.next_send = after + gap();
    }
  }
  for (Slow& s : slow) {
    if (s.fd < 0) continue;
    ++result.still_open;
    close(s.fd);
  }
  if (options.nice != 0) setpriority(PRIO_PROCESS, 0, nice_before);
  return result;
}

namespace {

HonestHttpResult RunHonest(const HonestHttpOptions& options, absl::Time end,
                           const std::atomic<bool>* stop) {
  HonestHttpResult result;
  const absl::Time began = absl::Now();
  std::unique_ptr<HttpClientConnection> connection;
  auto fail = [&](const std::string& why) {
    ++result.failures;
    ++result.errors[why];
    connection.reset();
  };
  for (size_t k = 0;; ++k) {
    if (absl::Now() >= end || (stop != nullptr && stop->load())) break;
    if (connection == nullptr) {
      absl::StatusOr<std::unique_ptr<HttpClientConnection>> made =
          HttpClientConnection::Connect(options.port, options.source);
      if (!made.ok()) {
        ++result.requests;
        fail(std::string(made.status().message()));
        absl::SleepFor(options.pause);
        continue;
      }
      if (k > 0) ++result.reconnects;
      connection = *std::move(made);
    }
    const std::string& path = options.paths[k % options.paths.size()];
    ++result.requests;
    const absl::Time start = absl::Now();
    absl::Status sent = connection->Send(HttpGet(path));
    if (!sent.ok()) {
      fail(absl::StrCat("send: ", absl::StatusCodeToString(sent.code())));
      continue;
    }
    absl::StatusOr<HttpAnswer> answer = connection->Read(options.timeout);
    if (!answer.ok()) {
      fail(absl::StrCat(absl::StatusCodeToString(answer.status().code()), ": ",
                        answer.status().message().substr(0, 40)));
      continue;
    }
    result.latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    result.sent_at_seconds.push_back(absl::ToDoubleSeconds(start - began));
    if (answer->status != 200 || answer->body.empty()) {
      fail(absl::StrCat("status ", answer->status));
      continue;
    }
    ++result.answered_ok;
    const std::string* close_field = answer->Header("connection");
    if (close_field != nullptr && absl::AsciiStrToLower(*close_field) == "close") {
      connection.reset();
    }
    absl::SleepFor(options.pause);
  }
  return result;
}

}  // namespace

HonestHttpResult RunHonestHttp(const HonestHttpOptions& options, absl::Duration duration) {
  return RunHonest(options, absl::Now() + duration, nullptr);
}

HonestHttpResult RunHonestHttpBeside(const HonestHttpOptions& options,
                                     const std::function<void()>& beside) {
  std::atomic<bool> stop{false};
  HonestHttpResult result;
  std::thread honest([&] { result = RunHonest(options, absl::InfiniteFuture(), &stop); });
  beside();
  stop = true;
  honest.join();
  return result;
}

}  // namespace vitrine::bench
