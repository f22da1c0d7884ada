// HttpFront against raw sockets on 127.0.0.1: what a hostile client can
// send (pipelines, smuggling framings, bodies, slow headers, floods of
// connections, range lists) and what it gets back, byte for byte.
#include "common/http_front.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

// A blocking TCP connection to 127.0.0.1:port from `source` (any address
// of 127/8, so a test can play another client).
class Conn {
 public:
  Conn(int port, const char* source = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source, &from.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof(to)) == 0;
  }
  ~Conn() { close(fd_); }

  bool connected() const { return connected_; }
  // Sends what it can: false once the peer has closed.
  bool TrySend(absl::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  void Send(absl::string_view bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Reads until the peer closes or `timeout` passes; sets closed().
  std::string ReadAll(absl::Duration timeout = absl::Seconds(5)) {
    std::string out;
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const int ms = static_cast<int>(
          std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now())));
      if (poll(&p, 1, ms) <= 0) break;
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  // Reads until `answers` complete answers arrived (or timeout).
  std::string ReadAnswers(int answers, absl::Duration timeout = absl::Seconds(5)) {
    std::string out;
    const absl::Time deadline = absl::Now() + timeout;
    while (CountAnswers(out) < answers && absl::Now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }

  static int CountAnswers(absl::string_view bytes) {
    int n = 0;
    for (size_t at = bytes.find("HTTP/1.1 "); at != bytes.npos;
         at = bytes.find("HTTP/1.1 ", at + 1)) {
      // Complete when the body announced by Content-Length is there.
      const size_t end = bytes.find("\r\n\r\n", at);
      if (end == bytes.npos) break;
      const size_t cl = bytes.find("Content-Length: ", at);
      size_t length = 0;
      if (cl != bytes.npos && cl < end) {
        length = std::stoul(std::string(bytes.substr(cl + 16, 10)));
      }
      if (bytes.size() < end + 4 + length) break;
      ++n;
    }
    return n;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

class HttpFrontTest : public ::testing::Test {
 protected:
  void Start(HttpFrontOptions options = {}) {
    options.port = 0;
    auto front = HttpFront::Start(
        options,
        [this](const HttpRequest& request, HttpResponse& response) {
          {
            absl::MutexLock lock(&mu_);
            seen_.push_back(request.method + " " + request.target);
          }
          response.SetHeader("Content-Type", "text/plain");
          if (request.path == "/shared") {
            static const auto* shared =
                new std::shared_ptr<const std::string>(
                    std::make_shared<const std::string>("0123456789"));
            response.shared_body = *shared;
            return;
          }
          response.body = request.path == "/big"
                              ? std::string(1000, 'x')
                              : absl::StrCat("path ", request.path, "\n");
        },
        [this](const HttpRequest&, const HttpResponse& response) {
          logged_.fetch_add(1);
          if (response.status >= 400) refused_.fetch_add(1);
        });
    ASSERT_TRUE(front.ok()) << front.status();
    front_ = *std::move(front);
  }
  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  std::unique_ptr<HttpFront> front_;
  absl::Mutex mu_;
  std::vector<std::string> seen_;
  std::atomic<int> logged_{0};
  std::atomic<int> refused_{0};
};

TEST_F(HttpFrontTest, GetAndHead) {
  Start();
  Conn c(front_->port());
  c.Send("GET /a?x=1 HTTP/1.1\r\nHost: t\r\n\r\nHEAD /a HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string out = c.ReadAnswers(2);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n"
            "\r\npath /a\n"
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n"
            "\r\n");
  EXPECT_EQ(Seen(), (std::vector<std::string>{"GET /a?x=1", "HEAD /a"}));
}

TEST_F(HttpFrontTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  Conn c(front_->port());
  c.Send(
      "GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const std::string out = c.ReadAll();
  EXPECT_EQ(Conn::CountAnswers(out), 3) << out;
  const size_t one = out.find("path /1"), two = out.find("path /2"),
               three = out.find("path /3");
  ASSERT_NE(three, std::string::npos) << out;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_TRUE(c.closed());  // after the third, which asked to close
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
}

TEST_F(HttpFrontTest, BothFramingsAreRefusedAndTheBodyNeverRuns) {
  Start();
  Conn c(front_->port());
  c.Send(
      "GET /first HTTP/1.1\r\nHost: t\r\nContent-Length: 30\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  absl::SleepFor(absl::Milliseconds(100));
  c.Send("0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string out = c.ReadAll();
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 400 Bad Request\r\n")) << out;
  EXPECT_EQ(Conn::CountAnswers(out), 1) << out;
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(Seen().empty());
}

TEST_F(HttpFrontTest, GetWithABodyIsRefused) {
  Start();
  for (absl::string_view framing :
       {"Content-Length: 4\r\n\r\nabcd", "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"}) {
    Conn c(front_->port());
    c.Send(absl::StrCat("GET /x HTTP/1.1\r\nHost: t\r\n", framing,
                        "GET /y HTTP/1.1\r\nHost: t\r\n\r\n"));
    const std::string out = c.ReadAll();
    EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 400 Bad Request\r\n")) << out;
    EXPECT_NE(out.find("request bodies are not accepted"), std::string::npos);
    EXPECT_EQ(Conn::CountAnswers(out), 1) << out;
    EXPECT_TRUE(c.closed());
  }
  EXPECT_TRUE(Seen().empty());
  // Content-Length: 0 is no body.
  Conn ok(front_->port());
  ok.Send("GET /z HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(ok.ReadAnswers(1).find("path /z"), std::string::npos);
}

TEST_F(HttpFrontTest, OversizedHeadersGet431) {
  HttpFrontOptions options;
  options.max_header_bytes = 1024;
  Start(options);
  Conn c(front_->port());
  c.Send(absl::StrCat("GET / HTTP/1.1\r\nHost: t\r\nX-Pad: ", std::string(2000, 'p'),
                      "\r\n\r\n"));
  const std::string out = c.ReadAll();
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 431 ")) << out.substr(0, 80);
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpFrontTest, SlowHeadersAreCutAtTheDeadline) {
  HttpFrontOptions options;
  options.header_timeout = absl::Milliseconds(400);
  Start(options);
  Conn c(front_->port());
  const absl::Time start = absl::Now();
  // One byte every 100 ms: each arrives well within any per-read timeout,
  // but the whole never within the request's deadline.
  for (char byte : std::string("GET / HTTP/1.1\r\n")) {
    if (!c.TrySend(std::string(1, byte))) break;
    absl::SleepFor(absl::Milliseconds(100));
    if (absl::Now() - start > absl::Seconds(1)) break;
  }
  const std::string out = c.ReadAll(absl::Seconds(3));
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_TRUE(c.closed());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(Seen().empty());
}

TEST_F(HttpFrontTest, IdleKeepAliveConnectionsClose) {
  HttpFrontOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  Start(options);
  Conn c(front_->port());
  c.Send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(Conn::CountAnswers(c.ReadAnswers(1)), 1);
  c.ReadAll(absl::Seconds(3));
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpFrontTest, ConnectionsPerAddressAreBounded) {
  HttpFrontOptions options;
  options.max_connections_per_address = 3;
  Start(options);
  std::vector<std::unique_ptr<Conn>> flood;
  for (int i = 0; i < 3; ++i) {
    flood.push_back(std::make_unique<Conn>(front_->port(), "127.0.0.2"));
    ASSERT_TRUE(flood.back()->connected());
  }
  // Let the front accept them, then a fourth is closed without a word.
  absl::SleepFor(absl::Milliseconds(200));
  Conn fourth(front_->port(), "127.0.0.2");
  EXPECT_TRUE(fourth.ReadAll(absl::Seconds(2)).empty());
  EXPECT_TRUE(fourth.closed());
  EXPECT_EQ(front_->connections(), 3u);
  // Another address is served.
  Conn other(front_->port(), "127.0.0.1");
  other.Send("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(other.ReadAnswers(1).find("path /b"), std::string::npos);
  // A closed one frees its slot.
  flood.pop_back();
  absl::SleepFor(absl::Milliseconds(200));
  Conn again(front_->port(), "127.0.0.2");
  again.Send("GET /c HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(again.ReadAnswers(1).find("path /c"), std::string::npos);
}

TEST_F(HttpFrontTest, OneRangeAtMostNeverAMultipartAnswer) {
  Start();
  Conn c(front_->port());
  c.Send("GET /big HTTP/1.1\r\nHost: t\r\nRange: bytes=10-19\r\n\r\n");
  std::string out = c.ReadAnswers(1);
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 206 Partial Content\r\n")) << out;
  EXPECT_NE(out.find("Content-Range: bytes 10-19/1000\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 10\r\n"), std::string::npos);

  std::string many = "bytes=0-";
  for (int i = 0; i < 2700; ++i) many += ",0-";
  Conn list(front_->port());
  list.Send(absl::StrCat("GET /big HTTP/1.1\r\nHost: t\r\nRange: ", many.substr(0, 7000),
                         "\r\n\r\n"));
  out = list.ReadAnswers(1);
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 200 OK\r\n")) << out.substr(0, 80);
  EXPECT_NE(out.find("Content-Length: 1000\r\n"), std::string::npos);

  Conn beyond(front_->port());
  beyond.Send("GET /big HTTP/1.1\r\nHost: t\r\nRange: bytes=5000-\r\n\r\n");
  out = beyond.ReadAnswers(1);
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 416 ")) << out;
  EXPECT_NE(out.find("Content-Range: bytes */1000\r\n"), std::string::npos);
}

TEST_F(HttpFrontTest, SharedBodiesAreSentAndCutLikeOwnedOnes) {
  Start();
  Conn c(front_->port());
  c.Send(
      "GET /shared HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /shared HTTP/1.1\r\nHost: t\r\nRange: bytes=2-4\r\n\r\n"
      "HEAD /shared HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string out = c.ReadAnswers(3);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            "Content-Length: 10\r\n\r\n0123456789"
            "HTTP/1.1 206 Partial Content\r\nContent-Type: text/plain\r\n"
            "Content-Range: bytes 2-4/10\r\nContent-Length: 3\r\n\r\n234"
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            "Content-Length: 10\r\n\r\n");
}

TEST_F(HttpFrontTest, MalformedRequestsGet400) {
  Start();
  for (absl::string_view garbage :
       {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "GET\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n"}) {
    Conn c(front_->port());
    c.Send(garbage);
    const std::string out = c.ReadAll(absl::Seconds(2));
    EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 400 ")) << out;
    EXPECT_TRUE(c.closed());
  }
  EXPECT_TRUE(Seen().empty());
}

TEST_F(HttpFrontTest, StopClosesConnectionsAndRefusesNewOnes) {
  Start();
  const int port = front_->port();
  Conn idle(port);
  idle.Send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(Conn::CountAnswers(idle.ReadAnswers(1)), 1);
  front_->Stop();
  idle.ReadAll(absl::Seconds(2));
  EXPECT_TRUE(idle.closed());
  EXPECT_EQ(front_->connections(), 0u);
  Conn late(port);
  EXPECT_FALSE(late.connected());
  front_->Stop();  // idempotent
}

TEST(HttpFrontStartTest, RefusesBadOptions) {
  HttpFrontOptions options;
  options.port = 70000;
  EXPECT_EQ(HttpFront::Start(options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.port = 0;
  options.threads = 0;
  EXPECT_EQ(HttpFront::Start(options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vitrine
