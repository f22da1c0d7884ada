// Fuzzes the HTTP front's request handling (http_front.h) through its only
// door, a socket: one HttpFront on 127.0.0.1 for the whole run, and for each
// input a fresh connection that gets the input's bytes, then FIN. Whatever
// the bytes, the front must
//   - answer with well-formed HTTP/1.1 (a status line "HTTP/1.1 NNN ...", or
//     1.0 for a 1.0 request, and
//     a header block ending in CRLF CRLF) or close without a byte;
//   - close the connection within a few seconds of the FIN (no hang);
//   - never crash (ASan and UBSan under --config=fuzz).
// A request for /big gets 64 KiB, so ranges and pipelining have something
// to cut and queue.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/http_front.h"

namespace {

using vitrine::HttpFront;
using vitrine::HttpFrontOptions;
using vitrine::HttpRequest;
using vitrine::HttpResponse;

// Far beyond the front's own deadlines below: reaching it is a hang.
constexpr absl::Duration kHang = absl::Seconds(8);
// More than any answer to a few KiB of requests; reading stops there.
constexpr size_t kMaxAnswerBytes = 64 << 20;

void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "http_front_fuzz: %s\n", what);
    std::abort();
  }
}

HttpFront& Front() {
  static HttpFront* front = [] {
    HttpFrontOptions options;
    options.port = 0;
    options.threads = 2;
    // Short, so that an input ending mid-request is closed quickly.
    options.header_timeout = absl::Seconds(1);
    options.idle_timeout = absl::Seconds(1);
    options.write_timeout = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<HttpFront>> started = HttpFront::Start(
        options, [](const HttpRequest& request, HttpResponse& response) {
          response.SetHeader("Content-Type", "application/octet-stream");
          if (request.path == "/big") {
            response.body.assign(64 << 10, 'x');
          } else {
            response.body = "ok\n";
          }
        });
    Check(started.ok(), "the front did not start");
    return started->release();  // for the whole run
  }();
  return *front;
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  Check(fd >= 0, "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int made = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  Check(made == 0 || errno == EINPROGRESS, "connect");
  return fd;
}

// Writes `input` (as far as the front reads it), then FIN, reading all the
// while; returns what the front sent before closing.
std::string Exchange(int fd, absl::string_view input) {
  std::string answer;
  bool write_open = true;
  const absl::Time deadline = absl::Now() + kHang;
  for (;;) {
    if (write_open && input.empty()) {
      shutdown(fd, SHUT_WR);
      write_open = false;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    Check(wait_ms > 0, "the front neither answered nor closed in time");
    if (poll(&p, 1, static_cast<int>(wait_ms)) <= 0) continue;
    if (write_open && (p.revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = send(fd, input.data(), input.size(), MSG_NOSIGNAL);
      if (n > 0) {
        input.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        write_open = false;  // the front closed first: fine
      }
    }
    if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
      char chunk[65536];
      const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
      if (n > 0) {
        answer.append(chunk, static_cast<size_t>(n));
        if (answer.size() > kMaxAnswerBytes) return answer;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        return answer;  // closed (FIN or reset)
      }
    }
  }
}

// Checks "HTTP/1.x NNN" followed by a space or CRLF, and a whole header
// block.
void CheckAnswer(absl::string_view answer) {
  if (answer.empty()) return;  // closed without a word: allowed
  // HTTP/1.0 for a 1.0 request is as well-formed.
  Check(absl::StartsWith(answer, "HTTP/1.1 ") || absl::StartsWith(answer, "HTTP/1.0 "),
        "no HTTP/1.x status line");
  Check(answer.size() >= 14, "truncated status line");
  for (int i = 9; i < 12; ++i) Check(absl::ascii_isdigit(answer[i]), "status not 3 digits");
  Check(answer[9] >= '1' && answer[9] <= '5', "status outside 100..599");
  Check(answer[12] == ' ' || answer[12] == '\r', "bad status line");
  Check(answer.find("\r\n\r\n") != absl::string_view::npos, "header block never ends");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = Connect(Front().port());
  const std::string answer =
      Exchange(fd, absl::string_view(reinterpret_cast<const char*>(data), size));
  close(fd);
  CheckAnswer(answer);
  return 0;
}
