// Issue 12, "An HTTP front that survives the internet", from outside: a real
// vitrine-log process holding a full entry tile takes the attacks on
// its HTTP port, each as raw bytes on real sockets (bench/internal/
// http_loops.h), while an honest keep-alive client from 127.0.0.1 fetches
// /checkpoint and /tile/entries/000 in turn:
//   - slowloris: 2,000 connections (over 8 loopback source addresses, 250
//     each, so that the per-address limit of 512 does not refuse them and
//     all 2,000 are really held) trickling one header byte every 1-3 s for
//     10 s, each reopened when closed, the header deadline set to 3 s:
//     every honest request answered, its p99 within max(4 x idle p99,
//     idle p99 + 200 ms) (generous: CI is noisy; bench/http_bench measures
//     the 2x over longer phases), and every slowloris connection
//     closed by the server once the header deadline passed, none before;
//   - range amplification: 2,700 "0-" ranges answered with the tile once
//     (or one 206), the server's peak RSS under its RSS before + 100 MB; one
//     valid range 206 with the right Content-Range and bytes; an
//     unsatisfiable one 416;
//   - smuggling: Content-Length with Transfer-Encoding, the body in a later
//     segment: 400, the connection closed, the body never answered; a GET
//     with a body: 400 and closed;
//   - pipelining: 3 GETs in one segment, 3 answers in order;
//   - connection limit: 600 connections from 127.0.0.3, 88 beyond the 512 a
//     address may hold closed at once, 127.0.0.1 still served.
// Against the cpp-httplib port (before issue 12) slowloris, range, smuggling
// and pipelining fail; that is what this test is for.
#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/attack_loops.h"
#include "bench/internal/http_loops.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/log_child.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"
#include "log/note/signer.h"

namespace vitrine::tests {
namespace {

using bench::HttpAnswer;
using bench::HttpClientConnection;
using bench::HttpGet;

// One full entry tile (256) and a partial one.
constexpr uint64_t kEntries = 300;
constexpr char kOrigin[] = "http-attacks.example/log";
// Short, so that the flood's connections are closed and reopened a few
// times in one phase (the default is 10 s).
constexpr absl::Duration kHeaderTimeout = absl::Seconds(3);
// Set as well (it is the default), so the test does not hang on a default.
constexpr int kPerAddress = 512;
constexpr absl::Duration kIo = absl::Seconds(5);

std::string Binary() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/vitrine/log/server/vitrine-log";
}

std::string Describe(const std::map<std::string, uint64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [what, count] : counts) parts.push_back(absl::StrCat(what, " x", count));
  return absl::StrJoin(parts, ", ");
}

// Returns a field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"), or -1.
int64_t ProcStatusKiB(pid_t pid, absl::string_view field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":")) continue;
    std::vector<absl::string_view> words = absl::StrSplit(rest, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    int64_t kib = 0;
    if (!words.empty() && absl::SimpleAtoi(words[0], &kib)) return kib;
  }
  return -1;
}

class HttpAttacksTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    // 2,000 slowloris sockets, 600 more for the limit, and the server's.
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 8192) {
      files.rlim_cur = std::min<rlim_t>(files.rlim_max, 8192);
      setrlimit(RLIMIT_NOFILE, &files);
    }

    absl::StatusOr<note::GeneratedKey> key =
        note::GenerateKey("http-attacks.example/vendor", note::SignatureType::kEd25519);
    ASSERT_TRUE(key.ok()) << key.status();
    absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(key->signer_key);
    ASSERT_TRUE(signer.ok()) << signer.status();
    std::vector<std::unique_ptr<note::Signer>> vendors;
    vendors.push_back(*std::move(signer));
    absl::StatusOr<std::vector<vitrine::v1::AddRequest>> adds =
        bench::PresignAdds(vendors, kEntries, 10, "http-attacks");
    ASSERT_TRUE(adds.ok()) << adds.status();

    bench::LogChildOptions options;
    options.binary = Binary();
    options.origin = kOrigin;
    options.vendor_keys = {key->verifier_key};
    options.serve_flags = {
        absl::StrCat("--http_header_timeout_ms=", absl::ToInt64Milliseconds(kHeaderTimeout)),
        absl::StrCat("--http_max_connections_per_address=", kPerAddress)};
    absl::StatusOr<std::unique_ptr<bench::LogChild>> child = bench::LogChild::Spawn(options);
    ASSERT_TRUE(child.ok()) << child.status();
    child_ = child->release();
    const std::string& http = child_->http_address();
    ASSERT_TRUE(absl::StartsWith(http, "127.0.0.1:")) << "HTTP address '" << http << "'";
    ASSERT_TRUE(absl::SimpleAtoi(http.substr(http.find(':') + 1), &port_)) << http;

    bench::LoadTarget fill = bench::ConnectLoadTarget(child_->grpc_address(), 2);
    bench::AddPhaseOptions fill_options;
    fill_options.clients = 4;
    fill_options.verify_every = 0;
    const bench::PhaseResult filled = bench::RunAddPhase(fill, *adds, fill_options);
    ASSERT_EQ(filled.items_ok, kEntries) << Describe(filled.errors);

    // The whole first entry tile, as every range is checked against it.
    absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE((*c)->Send(HttpGet("/tile/entries/000")).ok());
    absl::StatusOr<HttpAnswer> tile = (*c)->Read(kIo);
    ASSERT_TRUE(tile.ok()) << tile.status();
    ASSERT_EQ(tile->status, 200);
    tile_ = new std::string(tile->body);
    ASSERT_GT(tile_->size(), 256u * 10);

    // The honest client alone: warm-up, then the idle baseline.
    bench::RunHonestHttp(Honest(), absl::Milliseconds(500));
    bench::HonestHttpResult idle = bench::RunHonestHttp(Honest(), absl::Seconds(3));
    ASSERT_EQ(idle.failures, 0u) << Describe(idle.errors);
    idle_p99_ms_ = bench::Summarize(idle.latencies_ms).p99_ms;
    std::printf("idle: honest p99 %.2f ms over %llu requests\n", idle_p99_ms_,
                static_cast<unsigned long long>(idle.requests));
  }

  static void TearDownTestSuite() {
    if (child_ != nullptr) {
      EXPECT_TRUE(child_->Stop().ok());
    }
    delete child_;
    delete tile_;
  }

  static bench::HonestHttpOptions Honest() {
    bench::HonestHttpOptions options;
    options.port = port_;
    return options;
  }

  static absl::StatusOr<std::unique_ptr<HttpClientConnection>> Connect(
      absl::string_view source = "127.0.0.1") {
    return HttpClientConnection::Connect(port_, source);
  }

  // Sends `request` on a new connection and reads one answer.
  static absl::StatusOr<HttpAnswer> Ask(const std::string& request) {
    absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
    if (!c.ok()) return c.status();
    absl::Status sent = (*c)->Send(request);
    if (!sent.ok()) return sent;
    return (*c)->Read(kIo);
  }

  static bench::LogChild* child_;
  static int port_;
  static std::string* tile_;
  static double idle_p99_ms_;
};

bench::LogChild* HttpAttacksTest::child_ = nullptr;
int HttpAttacksTest::port_ = 0;
std::string* HttpAttacksTest::tile_ = nullptr;
double HttpAttacksTest::idle_p99_ms_ = 0;

TEST_F(HttpAttacksTest, SlowlorisLeavesHonestClientServedAndIsClosedAtTheDeadline) {
  bench::SlowlorisOptions flood;
  flood.port = port_;
  flood.connections = 2000;
  // Three header deadlines and more: every connection is closed at its
  // deadline and reopened (an attacker keeping the flood up).
  flood.duration = absl::Seconds(10);
  flood.reconnect = true;
  bench::SlowlorisResult attack;
  bench::HonestHttpResult honest =
      bench::RunHonestHttpBeside(Honest(), [&] { attack = bench::RunSlowloris(flood); });

  std::vector<double> held = attack.held_seconds;
  std::sort(held.begin(), held.end());
  std::vector<double> latencies = honest.latencies_ms;
  const bench::LatencySummary summary = bench::Summarize(latencies);
  const double bound = std::max(4 * idle_p99_ms_, idle_p99_ms_ + 200);
  std::printf("slowloris: %d opened, %d connect failures, %d closed by the server "
              "(held %.2f..%.2f s), %d still open, %llu bytes trickled; honest "
              "%llu requests, p99 %.2f ms max %.2f ms (idle %.2f, bound %.2f)\n",
              attack.opened, attack.connect_failures, attack.closed_by_server,
              held.empty() ? 0 : held.front(), held.empty() ? 0 : held.back(),
              attack.still_open, static_cast<unsigned long long>(attack.bytes_sent),
              static_cast<unsigned long long>(honest.requests), summary.p99_ms, summary.max_ms,
              idle_p99_ms_, bound);

  // 2,000 at first, each reopened at least twice (closed at 3 s and 6 s).
  EXPECT_GE(attack.opened, 3 * 2000);
  EXPECT_EQ(attack.connect_failures, 0);
  // The honest client: every request answered, in time.
  EXPECT_GT(honest.requests, 100u);
  EXPECT_EQ(honest.failures, 0u) << Describe(honest.errors);
  EXPECT_EQ(honest.answered_ok, honest.requests);
  EXPECT_LT(summary.p99_ms, bound);
  // Every slowloris connection held until the header deadline (none refused
  // on a limit), then closed, however it trickled; those open at the end
  // were closed by the flood.
  EXPECT_EQ(attack.closed_by_server + attack.still_open, attack.opened);
  EXPECT_GE(attack.closed_by_server, 2 * 2000);
  EXPECT_EQ(attack.still_open, 2000);
  ASSERT_FALSE(held.empty());
  EXPECT_GE(held.front(), absl::ToDoubleSeconds(kHeaderTimeout) - 0.5);
  EXPECT_LE(held.back(), absl::ToDoubleSeconds(kHeaderTimeout) + 2.5);
}

TEST_F(HttpAttacksTest, ManyRangesGetTheTileOnceWithinBoundedMemory) {
  std::vector<std::string> ranges(2700, "0-");
  const std::string request =
      HttpGet("/tile/entries/000", absl::StrCat("Range: bytes=", absl::StrJoin(ranges, ","), "\r\n"));
  const pid_t pid = child_->pid();
  // Resets the peak RSS (proc(5), clear_refs "5"), so VmHWM is this test's.
  {
    std::ofstream clear(absl::StrCat("/proc/", pid, "/clear_refs"));
    clear << "5";
  }
  const int64_t before_kib = ProcStatusKiB(pid, "VmRSS");
  ASSERT_GT(before_kib, 0);
  // Ten times on one keep-alive connection: the old server built 211 MB per
  // request.
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  int status = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*c)->Send(request).ok()) << "request " << i;
    absl::StatusOr<HttpAnswer> answer = (*c)->Read(absl::Seconds(10));
    ASSERT_TRUE(answer.ok()) << "request " << i << ": " << answer.status();
    status = answer->status;
    if (answer->status == 200) {
      EXPECT_EQ(answer->body, *tile_);
    } else {
      // One range at most: a single 206 with one Content-Range.
      ASSERT_EQ(answer->status, 206) << answer->body.substr(0, 200);
      ASSERT_NE(answer->Header("content-range"), nullptr);
      EXPECT_LE(answer->body.size(), tile_->size());
      EXPECT_EQ(answer->Header("content-type") == nullptr ||
                    !absl::StartsWith(*answer->Header("content-type"), "multipart/"),
                true);
    }
  }
  const int64_t peak_kib = ProcStatusKiB(pid, "VmHWM");
  const int64_t after_kib = ProcStatusKiB(pid, "VmRSS");
  std::printf("2,700 ranges x10: answered %d (%zu-byte tile); RSS %lld KiB before, %lld "
              "after, peak %lld\n",
              status, tile_->size(), static_cast<long long>(before_kib), static_cast<long long>(after_kib),
              static_cast<long long>(peak_kib));
  EXPECT_LT(peak_kib, before_kib + 100 * 1024);
  EXPECT_LT(after_kib, before_kib + 100 * 1024);
}

TEST_F(HttpAttacksTest, OneRangeIsServedAndAnUnsatisfiableOneRefused) {
  absl::StatusOr<HttpAnswer> slice = Ask(HttpGet("/tile/entries/000", "Range: bytes=10-99\r\n"));
  ASSERT_TRUE(slice.ok()) << slice.status();
  EXPECT_EQ(slice->status, 206);
  ASSERT_NE(slice->Header("content-range"), nullptr);
  EXPECT_EQ(*slice->Header("content-range"), absl::StrCat("bytes 10-99/", tile_->size()));
  EXPECT_EQ(slice->body, tile_->substr(10, 90));

  absl::StatusOr<HttpAnswer> beyond = Ask(
      HttpGet("/tile/entries/000", absl::StrCat("Range: bytes=", tile_->size(), "-\r\n")));
  ASSERT_TRUE(beyond.ok()) << beyond.status();
  EXPECT_EQ(beyond->status, 416);
}

TEST_F(HttpAttacksTest, ContentLengthWithTransferEncodingIsRefusedAndClosed) {
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  // The smuggled request hides in a chunked body that Content-Length would
  // frame differently; it arrives in a later segment.
  ASSERT_TRUE((*c)->Send("GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n")
                  .ok());
  absl::StatusOr<HttpAnswer> answer = (*c)->Read(kIo);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 400);
  // The server may have closed already: a failed send is fine.
  (*c)->Send("0\r\n\r\n" + HttpGet("/healthz")).IgnoreError();
  // Closed, and nothing more answered (the old server answered the body as
  // a second request).
  EXPECT_TRUE((*c)->WaitClosed(kIo).ok());
}

TEST_F(HttpAttacksTest, SmuggledBodyInALaterSegmentIsNeverAnswered) {
  // Both segments sent before reading anything: whatever the server does
  // between them, exactly one answer (400) and then the close.
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->Send("GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n")
                  .ok());
  absl::SleepFor(absl::Milliseconds(100));
  (*c)->Send("0\r\n\r\n" + HttpGet("/healthz")).IgnoreError();
  absl::StatusOr<HttpAnswer> answer = (*c)->Read(kIo);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE((*c)->WaitClosed(kIo).ok());
}

TEST_F(HttpAttacksTest, GetWithABodyIsRefusedAndClosed) {
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->Send("GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Length: 5\r\n\r\nhello")
                  .ok());
  absl::StatusOr<HttpAnswer> answer = (*c)->Read(kIo);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE((*c)->WaitClosed(kIo).ok());
}

TEST_F(HttpAttacksTest, PipelinedRequestsAreAnsweredInOrder) {
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect();
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE((*c)->Send(HttpGet("/checkpoint") + HttpGet("/tile/entries/000") +
                         HttpGet("/healthz"))
                  .ok());
  absl::StatusOr<HttpAnswer> checkpoint = (*c)->Read(kIo);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->status, 200);
  EXPECT_TRUE(absl::StartsWith(checkpoint->body, absl::StrCat(kOrigin, "\n")))
      << checkpoint->body;
  absl::StatusOr<HttpAnswer> tile = (*c)->Read(kIo);
  ASSERT_TRUE(tile.ok()) << tile.status();
  EXPECT_EQ(tile->status, 200);
  EXPECT_EQ(tile->body, *tile_);
  absl::StatusOr<HttpAnswer> health = (*c)->Read(kIo);
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(absl::StartsWith(health->body, "ok")) << health->body;
  // Still open for a fourth.
  ASSERT_TRUE((*c)->Send(HttpGet("/healthz")).ok());
  absl::StatusOr<HttpAnswer> fourth = (*c)->Read(kIo);
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  EXPECT_EQ(fourth->status, 200);
}

TEST_F(HttpAttacksTest, OneAddressCannotTakeEveryConnection) {
  constexpr int kOpened = 600;
  std::vector<std::unique_ptr<HttpClientConnection>> held;
  for (int i = 0; i < kOpened; ++i) {
    absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = Connect("127.0.0.3");
    ASSERT_TRUE(c.ok()) << "connection " << i << ": " << c.status();
    held.push_back(*std::move(c));
  }
  absl::SleepFor(absl::Milliseconds(500));
  int closed = 0;
  std::vector<HttpClientConnection*> open;
  for (auto& c : held) {
    if (c->WaitClosed(absl::Milliseconds(1)).ok()) {
      ++closed;
    } else {
      open.push_back(c.get());
    }
  }
  std::printf("600 connections from 127.0.0.3: %d closed by the server, %zu open\n", closed,
              open.size());
  EXPECT_EQ(closed, kOpened - kPerAddress);
  EXPECT_EQ(static_cast<int>(open.size()), kPerAddress);

  // Another address is served meanwhile, and so is a held connection.
  absl::StatusOr<HttpAnswer> other = Ask(HttpGet("/checkpoint"));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->status, 200);
  ASSERT_FALSE(open.empty());
  ASSERT_TRUE(open.front()->Send(HttpGet("/healthz")).ok());
  absl::StatusOr<HttpAnswer> from_held = open.front()->Read(kIo);
  ASSERT_TRUE(from_held.ok()) << from_held.status();
  EXPECT_EQ(from_held->status, 200);

  // Released connections free the address's share again.
  held.clear();
  absl::SleepFor(absl::Milliseconds(500));
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> again = Connect("127.0.0.3");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE((*again)->Send(HttpGet("/healthz")).ok());
  absl::StatusOr<HttpAnswer> answer = (*again)->Read(kIo);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 200);
}

}  // namespace
}  // namespace vitrine::tests
