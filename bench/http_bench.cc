// Issue 12's benchmark: HTTP tile GETs/s with 256 keep-alive connections
// (wrk) against three servers holding the same bytes, in one run:
//   new:   a real vitrine-log's HTTP port (the Boost.Beast front);
//   old:   cpp-httplib 0.11.4 configured as common/http_listener was before
//          issue 12 (8 workers, a worker per connection, 2 s keep-alive),
//          serving the same tiles from memory, in this process;
//   nginx: nginx serving the same tiles as static files (generated config
//          in a temp folder, 2 workers = the machine's cores);
//   front: common/http_front alone serving the same tiles from memory in
//          this process (what the front costs without the log's handler).
// Rounds interleave the four (rotating the order); medians are printed,
// with new/nginx (goal >= 0.5) and new/old. Then an honest keep-alive client
// (/checkpoint and a tile in turn, 10 ms apart) is timed on the new server
// idle and beside a slowloris flood of 2,000 connections (8 source
// addresses, one header byte per 1-3 s, reopened when closed): p99 ratio,
// goal <= 2.
//
//   scripts/setup_bench.sh   # wrk and nginx-light, if missing
//   bazel run -c opt //bench:http_bench -- --entries=16384 --seconds=10
//
// wrk, the servers and the flood share the machine's cores: the figures
// are for one box, all three servers measured the same way.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/internal/attack_loops.h"
#include "bench/internal/http_loops.h"
#include "bench/internal/wrk.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/log_child.h"
#include "bench/internal/nginx_child.h"
#include "common/http_front.h"
#include "log/note/keys.h"
#include "log/note/signer.h"

ABSL_FLAG(std::string, log_binary, "",
          "vitrine-log to spawn; default: the one in this binary's runfiles");
ABSL_FLAG(uint64_t, entries, 16384, "entries logged (entries/256 full tiles)");
ABSL_FLAG(int, connections, 256, "wrk's keep-alive connections");
ABSL_FLAG(int, wrk_threads, 2, "wrk's threads");
ABSL_FLAG(int, seconds, 10, "length of one wrk run");
ABSL_FLAG(int, rounds, 2, "rounds of the three servers, order rotated");
ABSL_FLAG(int, slowloris_seconds, 15, "length of the idle and slowloris phases");
ABSL_FLAG(int, flood_nice, 0,
          "nice value of the slowloris thread (10: an attacker on another machine)");
ABSL_FLAG(double, ramp_seconds, 1,
          "the steady-state p99 leaves out requests sent this soon after the flood starts");
ABSL_FLAG(std::vector<std::string>, serve_flags, {},
          "extra `vitrine-log serve` flags, e.g. --http_header_timeout_ms=30000");
ABSL_FLAG(std::string, nginx, "/usr/sbin/nginx", "nginx binary");
ABSL_FLAG(std::string, wrk, "/usr/bin/wrk", "wrk binary");

namespace vitrine::bench {
namespace {

std::string DefaultLogBinary() {
  const char* runfiles = std::getenv("RUNFILES_DIR");
  if (runfiles != nullptr) {
    const std::string in_runfiles = absl::StrCat(runfiles, "/vitrine/log/server/vitrine-log");
    if (std::filesystem::exists(in_runfiles)) return in_runfiles;
  }
  std::error_code error;
  return std::filesystem::read_symlink("/proc/self/exe", error).string() +
         ".runfiles/vitrine/log/server/vitrine-log";
}

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "http_bench: %s\n", why.c_str());
  std::exit(1);
}

// The tiles a full tile of entries makes: every entry bundle and level-0
// hash tile (tlog-tiles paths, 3-digit indexes below 1000).
std::vector<std::string> TilePaths(uint64_t entries) {
  std::vector<std::string> paths;
  for (uint64_t n = 0; n < entries / 256 && n < 1000; ++n) {
    paths.push_back(absl::StrFormat("/tile/entries/%03d", n));
    paths.push_back(absl::StrFormat("/tile/0/%03d", n));
  }
  return paths;
}

// cpp-httplib as common/http_listener configured it before issue 12.
class OldServer {
 public:
  explicit OldServer(const std::map<std::string, std::string>* files) : files_(files) {
    http_.new_task_queue = [] { return new httplib::ThreadPool(8); };
    http_.set_read_timeout(5, 0);
    http_.set_write_timeout(10, 0);
    http_.set_keep_alive_timeout(2);
    http_.set_payload_max_length(4096);
    http_.set_tcp_nodelay(true);
    http_.set_pre_routing_handler([this](const httplib::Request& request,
                                         httplib::Response& response) {
      auto it = files_->find(request.path);
      if (it == files_->end()) {
        response.status = 404;
        response.set_content("not found\n", "text/plain");
      } else {
        response.status = 200;
        response.set_header("Cache-Control", "public, max-age=31536000, immutable");
        response.set_content(it->second, "application/octet-stream");
      }
      return httplib::Server::HandlerResponse::Handled;
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) Die("old server: cannot bind");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) absl::SleepFor(absl::Milliseconds(5));
  }
  ~OldServer() {
    http_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  const std::map<std::string, std::string>* files_;
  httplib::Server http_;
  int port_ = 0;
  std::thread thread_;
};

// common/http_front serving the same tiles from memory, in this process:
// the front alone, without the log's handler (RocksDB reads, metrics).
std::unique_ptr<HttpFront> StartFront(const std::map<std::string, std::string>* files) {
  HttpFrontOptions options;
  absl::StatusOr<std::unique_ptr<HttpFront>> front = HttpFront::Start(
      options, [files](const HttpRequest& request, HttpResponse& response) {
        auto it = files->find(request.path);
        if (it == files->end()) {
          response.status = 404;
          response.body = "not found\n";
          return;
        }
        response.SetHeader("Cache-Control", "public, max-age=31536000, immutable");
        response.SetHeader("Content-Type", "application/octet-stream");
        response.body = it->second;
      });
  if (!front.ok()) Die(front.status().ToString());
  return *std::move(front);
}

// Reads every path from the new server; dies unless all are 200.
std::map<std::string, std::string> ReadTiles(int port, const std::vector<std::string>& paths) {
  std::map<std::string, std::string> files;
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> c = HttpClientConnection::Connect(port);
  if (!c.ok()) Die(c.status().ToString());
  for (const std::string& path : paths) {
    if (!(*c)->Send(HttpGet(path)).ok()) Die("send " + path);
    absl::StatusOr<HttpAnswer> answer = (*c)->Read(absl::Seconds(10));
    if (!answer.ok() || answer->status != 200) Die("cannot read " + path);
    files[path] = answer->body;
  }
  return files;
}

// Checks that `port` serves exactly `files` (reconnecting when the server
// ends a connection: httplib closes one after 5 requests).
void CheckSameBytes(const std::string& name, int port,
                    const std::map<std::string, std::string>& files) {
  std::unique_ptr<HttpClientConnection> c;
  for (const auto& [path, bytes] : files) {
    if (c == nullptr) {
      absl::StatusOr<std::unique_ptr<HttpClientConnection>> made =
          HttpClientConnection::Connect(port);
      if (!made.ok()) Die(name + ": " + made.status().ToString());
      c = *std::move(made);
    }
    if (!c->Send(HttpGet(path)).ok()) Die(name + ": send " + path);
    absl::StatusOr<HttpAnswer> answer = c->Read(absl::Seconds(10));
    if (!answer.ok()) Die(absl::StrCat(name, " at ", path, ": ", answer.status().ToString()));
    if (answer->status != 200 || answer->body != bytes) {
      Die(absl::StrCat(name, " serves other bytes at ", path, " (status ", answer->status, ")"));
    }
    const std::string* connection = answer->Header("connection");
    if (connection != nullptr && absl::AsciiStrToLower(*connection) == "close") c.reset();
  }
}

// Prints the medians and the ratios the issue asks for.
void PrintRates(std::map<std::string, std::vector<double>>& rates) {
  const double new_rate = Median(rates["new"]);
  const double old_rate = Median(rates["old"]);
  const double nginx_rate = Median(rates["nginx"]);
  const double front_rate = Median(rates["front"]);
  std::printf("tile GETs/s (median of %d): new %.0f, old %.0f, nginx %.0f, front alone %.0f; "
              "new/nginx %.2f (goal >= 0.5), new/old %.2f, front/nginx %.2f\n",
              absl::GetFlag(FLAGS_rounds), new_rate, old_rate, nginx_rate, front_rate,
              new_rate / nginx_rate, new_rate / old_rate, front_rate / nginx_rate);
}

int Main() {
  rlimit files_limit{};
  getrlimit(RLIMIT_NOFILE, &files_limit);
  files_limit.rlim_cur = std::min<rlim_t>(files_limit.rlim_max, 16384);
  setrlimit(RLIMIT_NOFILE, &files_limit);

  const uint64_t entries = absl::GetFlag(FLAGS_entries);
  if (entries < 256) Die("--entries must be at least 256");
  absl::StatusOr<note::GeneratedKey> key =
      note::GenerateKey("http-bench.example/vendor", note::SignatureType::kEd25519);
  if (!key.ok()) Die(key.status().ToString());
  absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(key->signer_key);
  if (!signer.ok()) Die(signer.status().ToString());
  std::vector<std::unique_ptr<note::Signer>> vendors;
  vendors.push_back(*std::move(signer));
  absl::StatusOr<std::vector<vitrine::v1::AddRequest>> adds =
      PresignAdds(vendors, entries, 100, "http-bench");
  if (!adds.ok()) Die(adds.status().ToString());

  LogChildOptions options;
  options.binary = absl::GetFlag(FLAGS_log_binary).empty() ? DefaultLogBinary()
                                                           : absl::GetFlag(FLAGS_log_binary);
  options.origin = "http-bench.example/log";
  options.vendor_keys = {key->verifier_key};
  options.serve_flags = absl::GetFlag(FLAGS_serve_flags);
  absl::StatusOr<std::unique_ptr<LogChild>> log = LogChild::Spawn(options);
  if (!log.ok()) Die(log.status().ToString());
  int new_port = 0;
  const std::string& http = (*log)->http_address();
  if (!absl::SimpleAtoi(http.substr(http.rfind(':') + 1), &new_port)) Die("HTTP address " + http);
  LoadTarget fill = ConnectLoadTarget((*log)->grpc_address(), 2);
  AddPhaseOptions fill_options;
  fill_options.clients = 8;
  fill_options.verify_every = 0;
  const PhaseResult filled = RunAddPhase(fill, *adds, fill_options);
  if (filled.items_ok != entries) Die(absl::StrCat("logged ", filled.items_ok, " of ", entries));

  const std::vector<std::string> paths = TilePaths(entries);
  const std::map<std::string, std::string> tiles = ReadTiles(new_port, paths);
  uint64_t total_bytes = 0;
  for (const auto& [path, bytes] : tiles) total_bytes += bytes.size();

  // The same bytes as static files, and wrk's path list.
  char pattern[] = "/tmp/vitrine-http-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) Die("mkdtemp");
  const std::string dir = pattern;
  // nginx's workers run as nobody when started by root: they must read it.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all |
                                        std::filesystem::perms::group_read |
                                        std::filesystem::perms::group_exec |
                                        std::filesystem::perms::others_read |
                                        std::filesystem::perms::others_exec);
  for (const auto& [path, bytes] : tiles) {
    const std::filesystem::path file = dir + "/www" + path;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << bytes;
  }
  const std::string script = dir + "/paths.lua";
  if (absl::Status s = WriteWrkScript(script, paths); !s.ok()) Die(s.ToString());

  std::printf("http_bench: %zu tiles (%llu bytes, %.1f KiB a GET on average) from a %llu-entry "
              "log; wrk -t%d -c%d, %d s a run, %d rounds, order rotated\n",
              tiles.size(), static_cast<unsigned long long>(total_bytes),
              total_bytes / 1024.0 / tiles.size(), static_cast<unsigned long long>(entries),
              absl::GetFlag(FLAGS_wrk_threads), absl::GetFlag(FLAGS_connections),
              absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_rounds));
  std::fflush(stdout);

  std::map<std::string, std::vector<double>> rates;
  {
    OldServer old(&tiles);
    absl::StatusOr<std::unique_ptr<NginxChild>> started =
        NginxChild::StartStatic(absl::GetFlag(FLAGS_nginx), dir, dir + "/www");
    if (!started.ok()) Die(started.status().ToString());
    NginxChild& nginx = **started;
    std::unique_ptr<HttpFront> front = StartFront(&tiles);
    CheckSameBytes("old", old.port(), tiles);
    CheckSameBytes("nginx", nginx.port(), tiles);
    CheckSameBytes("front", front->port(), tiles);
    const std::vector<std::pair<std::string, int>> servers = {
        {"new", new_port}, {"old", old.port()}, {"nginx", nginx.port()}, {"front", front->port()}};
    for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
      for (size_t k = 0; k < servers.size(); ++k) {
        const auto& [name, port] = servers[(k + round) % servers.size()];
        absl::StatusOr<WrkFigures> run = RunWrk(
            {absl::GetFlag(FLAGS_wrk), absl::GetFlag(FLAGS_wrk_threads),
             absl::GetFlag(FLAGS_connections), absl::GetFlag(FLAGS_seconds), script, port});
        if (!run.ok()) Die(run.status().ToString());
        const WrkFigures& figures = *run;
        rates[name].push_back(figures.gets_per_second);
        std::printf("  round %d %-5s %10.0f GETs/s  non-2xx %llu  %s%s  [%s]\n", round + 1,
                    name.c_str(), figures.gets_per_second,
                    static_cast<unsigned long long>(figures.non_2xx),
                    figures.socket_errors.empty() ? "" : "socket errors: ",
                    figures.socket_errors.c_str(), figures.latency.c_str());
        std::fflush(stdout);
      }
    }
  }
  if (absl::GetFlag(FLAGS_rounds) > 0) PrintRates(rates);

  // Honest p99, idle and beside 2,000 slowloris connections.
  HonestHttpOptions honest;
  honest.port = new_port;
  honest.paths = {"/checkpoint", "/tile/entries/000"};
  const absl::Duration phase = absl::Seconds(absl::GetFlag(FLAGS_slowloris_seconds));
  RunHonestHttp(honest, absl::Seconds(1));  // warm-up
  const double cpu_0 = (*log)->CpuSeconds();
  HonestHttpResult idle = RunHonestHttp(honest, phase);
  const double cpu_1 = (*log)->CpuSeconds();
  SlowlorisOptions flood;
  flood.port = new_port;
  flood.connections = 2000;
  flood.duration = phase;
  flood.reconnect = true;
  flood.nice = absl::GetFlag(FLAGS_flood_nice);
  SlowlorisResult attack;
  HonestHttpResult under = RunHonestHttpBeside(honest, [&] { attack = RunSlowloris(flood); });
  const double cpu_2 = (*log)->CpuSeconds();
  // Past the ramp: the flood's 2,000 connects are over (the deadline's
  // closes and reconnects, every 10 s by default, stay in).
  std::vector<double> steady;
  for (size_t i = 0; i < under.latencies_ms.size(); ++i) {
    if (under.sent_at_seconds[i] >= absl::GetFlag(FLAGS_ramp_seconds)) {
      steady.push_back(under.latencies_ms[i]);
    }
  }
  const LatencySummary steady_summary = Summarize(steady);
  const LatencySummary idle_summary = Summarize(idle.latencies_ms);
  const LatencySummary under_summary = Summarize(under.latencies_ms);
  std::printf("honest client (keep-alive, /checkpoint and a tile in turn, 10 ms apart), %d s "
              "phases:\n  idle:      %llu requests, %llu failed, p50 %.2f ms, p99 %.2f ms, max "
              "%.2f ms\n  slowloris: %llu requests, %llu failed, p50 %.2f ms, p99 %.2f ms, max "
              "%.2f ms; p99 ratio %.2f (goal <= 2)\n  flood: 2,000 connections over 8 "
              "addresses, %d opened in all, %d closed by the server (header deadline), %d "
              "connect failures, %llu bytes trickled\n",
              absl::GetFlag(FLAGS_slowloris_seconds),
              static_cast<unsigned long long>(idle.requests),
              static_cast<unsigned long long>(idle.failures), idle_summary.p50_ms,
              idle_summary.p99_ms, idle_summary.max_ms,
              static_cast<unsigned long long>(under.requests),
              static_cast<unsigned long long>(under.failures), under_summary.p50_ms,
              under_summary.p99_ms, under_summary.max_ms,
              under_summary.p99_ms / idle_summary.p99_ms, attack.opened,
              attack.closed_by_server, attack.connect_failures,
              static_cast<unsigned long long>(attack.bytes_sent));
  std::printf("  slowloris after the first %.1f s (the flood's connects): %zu requests, p99 "
              "%.2f ms, max %.2f ms; p99 ratio %.2f; flood thread at nice %d\n",
              absl::GetFlag(FLAGS_ramp_seconds), steady.size(), steady_summary.p99_ms,
              steady_summary.max_ms, steady_summary.p99_ms / idle_summary.p99_ms,
              absl::GetFlag(FLAGS_flood_nice));
  const double seconds = absl::ToDoubleSeconds(phase);
  std::printf("  vitrine-log CPU: idle %.3f cores, slowloris %.3f cores\n",
              (cpu_1 - cpu_0) / seconds, (cpu_2 - cpu_1) / seconds);

  if (!(*log)->Stop().ok()) std::fprintf(stderr, "http_bench: vitrine-log did not stop cleanly\n");
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
