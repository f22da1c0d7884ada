// Issue 16: a real nginx (Debian's) with the shipped deploy/nginx/
// vitrine-cache.conf in front of a real vitrine-log on loopback. The tile
// audit through nginx equals the one direct, byte for byte; after the log
// grows, nginx serves the new checkpoint within the documented 2 s; a full
// tile is fetched from the log once and then served from the cache (nginx's
// access log and the log's /metrics agree); under Debian's `sendfile on;
// tcp_nopush on` cached entry bundles come without a delayed-ACK wait on a
// keep-alive connection. Skipped when nginx is absent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/cache/tile_audit.h"
#include "tests/client/cli_harness.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {
namespace {

constexpr char kNginx[] = "/usr/sbin/nginx";
constexpr char kOrigin[] = "cache.test/log";

// An nginx child: `-p <dir> -c <conf> -g 'daemon off;'`, stopped (SIGQUIT,
// then SIGKILL) and reaped by the destructor.
class NginxProcess {
 public:
  // Writes the main config around the shipped template (placeholders
  // replaced) into `dir` and starts nginx on 127.0.0.1:`port` in front of
  // `upstream`. running() tells whether it answers.
  NginxProcess(const std::string& dir, int port, const std::string& upstream)
      : dir_(dir) {
    const std::string tmpl = ReadFileOrEmpty(TemplatePath());
    EXPECT_FALSE(tmpl.empty()) << "no template at " << TemplatePath();
    WriteFileOrDie(
        dir + "/vitrine-cache.conf",
        absl::StrReplaceAll(
            tmpl, {{"__UPSTREAM__", upstream},
                   {"__LISTEN__", absl::StrCat("127.0.0.1:", port)},
                   {"__CACHE_DIR__", dir + "/cache"},
                   {"__ACCESS_LOG__", access_log()}}));
    // Everything nginx writes stays in `dir`; as root, workers stay root so
    // they can reach TEST_TMPDIR (nobody cannot).
    WriteFileOrDie(
        dir + "/nginx.conf",
        absl::StrCat(geteuid() == 0 ? "user root;\n" : "",
                     "worker_processes 1;\n"
                     "pid ", dir, "/nginx.pid;\n"
                     "error_log ", dir, "/error.log info;\n"
                     "events { worker_connections 256; }\n"
                     "http {\n"
                     // As Debian's /etc/nginx/nginx.conf: the template
                     // must stay fast under these (see KeepAliveGets).
                     "  sendfile on;\n"
                     "  tcp_nopush on;\n"
                     "  client_body_temp_path ", dir, "/client_temp;\n"
                     "  proxy_temp_path ", dir, "/proxy_temp;\n"
                     "  fastcgi_temp_path ", dir, "/fastcgi_temp;\n"
                     "  uwsgi_temp_path ", dir, "/uwsgi_temp;\n"
                     "  scgi_temp_path ", dir, "/scgi_temp;\n"
                     "  include ", dir, "/vitrine-cache.conf;\n"
                     "}\n"));
    pid_ = fork();
    if (pid_ == 0) {
      const std::string conf = dir + "/nginx.conf";
      const std::string error_log = dir + "/error.log";
      execl(kNginx, kNginx, "-p", dir.c_str(), "-e", error_log.c_str(), "-c",
            conf.c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
      _exit(127);
    }
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(0, 200000);
    running_ = WaitFor([&] { return static_cast<bool>(client.Get("/")); },
                       absl::Seconds(10));
  }

  ~NginxProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGQUIT);  // graceful: the master stops its workers
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      usleep(50000);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  bool running() const { return running_; }
  std::string access_log() const { return dir_ + "/access.log"; }
  std::string error_log() const { return ReadFileOrEmpty(dir_ + "/error.log"); }

  static std::string TemplatePath() {
    return absl::StrCat(getenv("TEST_SRCDIR"), "/", getenv("TEST_WORKSPACE"),
                        "/deploy/nginx/vitrine-cache.conf");
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  bool running_ = false;
};

// GET `path` on `client`: the body of a 200, a failure otherwise.
struct Fetched {
  int status = 0;
  std::string body;
  std::string cache_control;
};
Fetched Get(httplib::Client& client, const std::string& path) {
  auto r = client.Get(path.c_str());
  if (!r) return {};
  return {r->status, r->body, r->get_header_value("Cache-Control")};
}

// The access log's lines for `path` ("GET <path> HTTP/1.1"), in order, each
// reduced to its cache=... field.
std::vector<std::string> CacheStatuses(const std::string& access_log,
                                       const std::string& path) {
  std::vector<std::string> out;
  const std::string request = absl::StrCat("\"GET ", path, " HTTP/1.1\"");
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrEmpty(access_log), '\n')) {
    if (!absl::StrContains(line, request)) continue;
    const size_t at = line.find("cache=");
    out.push_back(std::string(
        line.substr(at, line.find(' ', at) - at)));
  }
  return out;
}

// CacheStatuses once it has `count` lines: nginx writes a request's line
// after its answer, so the client can be a moment ahead of the file.
std::vector<std::string> LoggedStatuses(const std::string& access_log,
                                        const std::string& path,
                                        size_t count) {
  WaitFor([&] { return CacheStatuses(access_log, path).size() >= count; },
          absl::Seconds(5));
  return CacheStatuses(access_log, path);
}

// Seconds for `count` GETs of `path` on one keep-alive connection to
// 127.0.0.1:`port` (TCP_NODELAY, 64 KiB reads, bodies by Content-Length),
// or -1 when one fails.
double KeepAliveGets(int port, const std::string& path, int count) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const absl::Time start = absl::Now();
  for (int i = 0; i < count; ++i) {
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      close(fd);
      return -1;
    }
    std::string answer;
    size_t want = std::string::npos;
    char chunk[65536];
    while (answer.size() < want) {
      const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        close(fd);
        return -1;
      }
      answer.append(chunk, static_cast<size_t>(n));
      const size_t head = answer.find("\r\n\r\n");
      const size_t field = answer.find("Content-Length: ");
      if (want == std::string::npos && head != std::string::npos &&
          field != std::string::npos && field < head) {
        want = head + 4 + std::stoul(answer.substr(field + 16));
      }
    }
  }
  close(fd);
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// Tile answers (code 200) the log itself sent, from its /metrics.
double LogTileFetches(const ServerProcess& log) {
  return Metric(log, "vitrine_http_requests_total{code=\"200\",path=\"tile\"}");
}

TEST(NginxCacheTest, CachesTheTileApiAsItsHeadersSay) {
  struct stat st;
  if (stat(kNginx, &st) != 0) {
    GTEST_SKIP() << kNginx << " is absent (Debian's nginx package: "
                 << "scripts/setup.sh installs it)";
  }
  const VendorKey vendor = MakeVendorKey("cache.test/acme");
  const LogAndMonitorData data =
      MakeLogAndMonitorData("nginx_cache", kOrigin, {vendor.vkey});
  ASSERT_FALSE(data.log_vkey.empty());
  ServerProcess log = StartLog(data.log_data);
  ASSERT_TRUE(log.running()) << log.startup_output();
  // Two full level-0 tiles and bundles, and a partial one of each.
  ASSERT_TRUE(AddStatements(log.grpc_address(),
                            MakeStatements(vendor, 0, 600, "one")));

  const std::string nginx_dir = FreshDir("nginx");
  const int port = ReservePort();
  NginxProcess nginx(nginx_dir, port, log.http_address());
  ASSERT_TRUE(nginx.running()) << nginx.error_log();
  httplib::Client cached("127.0.0.1", port);
  const size_t colon = log.http_address().rfind(':');
  httplib::Client direct(log.http_address().substr(0, colon),
                         std::stoi(log.http_address().substr(colon + 1)));

  // The audit through nginx equals the audit direct, byte for byte.
  absl::StatusOr<TileAudit> audited_through = AuditTiles(
      absl::StrCat("127.0.0.1:", port), kOrigin, data.log_vkey);
  ASSERT_TRUE(audited_through.ok()) << audited_through.status();
  absl::StatusOr<TileAudit> audited_straight =
      AuditTiles(log.http_address(), kOrigin, data.log_vkey);
  ASSERT_TRUE(audited_straight.ok()) << audited_straight.status();
  const TileAudit& through = *audited_through;
  TileAudit& straight = *audited_straight;
  ASSERT_EQ(through.size, 600u);
  EXPECT_EQ(through.checkpoint, straight.checkpoint);
  EXPECT_EQ(through.files, straight.files);
  EXPECT_EQ(through.files.size(), 7u);  // 0/000 0/001 0/002.p 1/000.p, 3 bundles

  // A full tile: fetched from the log once (the audit's MISS), then HITs,
  // and the log sees none of them.
  const double log_fetches = LogTileFetches(log);
  ASSERT_GT(log_fetches, 0);
  for (int i = 0; i < 3; ++i) {
    Fetched again = Get(cached, "/tile/0/000");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, straight.files["/tile/0/000"]);
    EXPECT_EQ(again.cache_control, "public, max-age=31536000, immutable");
  }
  EXPECT_EQ(LoggedStatuses(nginx.access_log(), "/tile/0/000", 4),
            (std::vector<std::string>{"cache=MISS", "cache=HIT", "cache=HIT",
                                      "cache=HIT"}));
  EXPECT_EQ(LoggedStatuses(nginx.access_log(), "/tile/entries/001", 1),
            (std::vector<std::string>{"cache=MISS"}));
  EXPECT_EQ(LogTileFetches(log), log_fetches);

  // Cached full entry bundles, one keep-alive connection: no wait for a
  // delayed ACK. With the template's `tcp_nopush off` missing, Debian's
  // `sendfile on; tcp_nopush on` (above) cost ~40 ms per bundle (67 KiB
  // here, ~100 KiB in bench/RESULTS.md's issue 16 runs): these 20 GETs took
  // 0.75 s, 1.3 ms with it.
  const std::string bundle = straight.files["/tile/entries/000"];
  std::printf("a full entry bundle: %zu bytes\n", bundle.size());
  const double gets = KeepAliveGets(port, "/tile/entries/000", 20);
  EXPECT_GE(gets, 0);
  EXPECT_LT(gets, 0.4) << "20 keep-alive GETs of a cached entry bundle";
  std::printf("20 keep-alive GETs of a cached entry bundle: %.1f ms\n", gets * 1e3);

  // Errors are not cached: beyond the tree twice, the log asked twice.
  EXPECT_EQ(Get(cached, "/tile/0/003").status, 404);
  EXPECT_EQ(Get(cached, "/tile/0/003").status, 404);
  EXPECT_EQ(LoggedStatuses(nginx.access_log(), "/tile/0/003", 2),
            (std::vector<std::string>{"cache=MISS", "cache=MISS"}));

  // The log grows: nginx serves the new checkpoint within the documented
  // bound: max-age=2 s on /checkpoint, plus up to 1 s because nginx counts
  // lifetimes in whole seconds.
  EXPECT_EQ(Get(cached, "/checkpoint").body, straight.checkpoint);
  ASSERT_TRUE(AddStatements(log.grpc_address(),
                            MakeStatements(vendor, 600, 100, "one")));
  std::string new_checkpoint;
  ASSERT_TRUE(WaitFor([&] {
    new_checkpoint = Get(direct, "/checkpoint").body;
    return !new_checkpoint.empty() && new_checkpoint != straight.checkpoint;
  }));
  const absl::Time grown = absl::Now();
  ASSERT_TRUE(WaitFor(
      [&] { return Get(cached, "/checkpoint").body == new_checkpoint; },
      absl::Seconds(10)));
  const absl::Duration seen_after = absl::Now() - grown;
  EXPECT_LE(seen_after, absl::Seconds(3)) << seen_after;
  std::printf("new checkpoint through nginx %s after the log had it\n",
              absl::FormatDuration(seen_after).c_str());
  // The wider partial tile is a new URL: served at once, same bytes.
  Fetched wider = Get(cached, "/tile/0/002.p/188");
  EXPECT_EQ(wider.status, 200);
  EXPECT_EQ(wider.body, Get(direct, "/tile/0/002.p/188").body);
}

}  // namespace
}  // namespace vitrine::tests
