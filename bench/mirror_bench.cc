// Issue 16's benchmarks, in one run on this machine: tile GETs/s with 256
// keep-alive connections from vitrine-log, from a vitrine-monitor mirror,
// through the shipped nginx cache (warm) and from nginx serving the same
// bytes as static files (the physical limit here); then inclusion-proof
// RPCs/s from the mirror against the log at 1M entries.
//
//   bazel run -c opt --jobs=2 //bench:mirror_bench -- [--entries=1000000]
//       [--data=/tmp/vitrine-mirror-bench/log] [--seconds=10s] [--rounds=2]
//
// How it measures:
//   1. Fill: `vitrine-log init` in --data, the store filled in process up
//      to --entries synthetic statements (bench/internal/log_fill.h; their
//      vendor signatures are not real, so the monitor runs with
//      --check_vendor_signatures=false). The folder is kept for the next
//      run. `vitrine-log export --to` writes the static copy (stopped log).
//   2. vitrine-log serve on it; a fresh vitrine-monitor following it over
//      gRPC (mirror mode on its HTTP port, the default), timed until its
//      verified size (the mirror's GetCheckpoint) equals the log's (the
//      copy then writes its catch-up to table files: VerifiedCopy's
//      FlushIfLarge); --restart_mirror restarts it after that.
//   3. nginx with deploy/nginx/vitrine-cache.conf in front of the log's
//      HTTP port, and nginx serving the export statically (nginx_child.h).
//      One pass over every full tile and entry bundle through each endpoint
//      warms it (nginx's cache, page cache, RocksDB) and checks that every
//      endpoint serves the log's bytes; each endpoint's /checkpoint is
//      opened under the log key.
//   4. --rounds rounds of the four tile endpoints (order rotated), each
//      --seconds of RunTileLoad (tile_load.h: --connections keep-alive
//      connections, one GET in flight each, --threads epoll threads, a
//      sample verified against the checkpoint), then rounds of the proof
//      phase (load_phases.h) against the log and the mirror alike.
//   With --pin (the default), every server runs on the last CPU and this
//   client on the others, so that the rates compare servers that each had
//   one core to themselves, not servers sharing cores with the generator.
//   Before each phase, 3 s of quiet measure the machine's busy CPU beyond
//   this benchmark's processes (other engineers' builds); during it, the
//   server's CPU, this client's (it shares the 2 cores) and the rest.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/child_process.h"
#include "bench/internal/cpu_pinning.h"
#include "bench/internal/http_loops.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "bench/internal/log_child.h"
#include "bench/internal/log_fill.h"
#include "bench/internal/nginx_child.h"
#include "bench/internal/thread_cpu.h"
#include "bench/internal/tile_load.h"
#include "bench/internal/wrk.h"

ABSL_FLAG(uint64_t, entries, 1000000, "fill the log to at least this many entries");
ABSL_FLAG(std::string, data, "",
          "the log's data folder, kept for the next run; default: "
          "$TMPDIR (or /tmp)/vitrine-mirror-bench/log");
ABSL_FLAG(int, connections, 256, "keep-alive connections of the tile phases");
ABSL_FLAG(int, threads, 2, "the tile client's epoll threads");
ABSL_FLAG(absl::Duration, seconds, absl::Seconds(10), "length of one tile phase");
ABSL_FLAG(int, rounds, 2, "rounds of every phase, order rotated");
ABSL_FLAG(uint64_t, sample_every, 1000, "tile answers: verify every Nth");
ABSL_FLAG(int, proof_clients, 32, "concurrent GetInclusionProof calls");
ABSL_FLAG(int, channels, 4, "HTTP/2 connections the proof calls are spread over");
ABSL_FLAG(absl::Duration, proof_seconds, absl::Seconds(10), "length of one proof phase");
ABSL_FLAG(uint64_t, verify_every, 100, "proofs: verify every Nth");
ABSL_FLAG(absl::Duration, catch_up_max, absl::Minutes(20), "the monitor's catch-up, at most");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(60), "the whole run; past it, exit 3");
ABSL_FLAG(std::string, nginx, "/usr/sbin/nginx", "nginx binary");
ABSL_FLAG(bool, pin, true,
          "after the catch-up, pin every server (log, monitor, nginx) to the last CPU and "
          "this client to the others, so that no phase's server shares a core with its "
          "load generator (needs 2 CPUs or more)");
ABSL_FLAG(bool, restart_mirror, false,
          "restart the monitor once it has caught up (before the copy flushed a large "
          "catch-up to table files itself, its one write batch stayed in a RocksDB memtable "
          "until the next write or a restart)");

namespace vitrine::bench {
namespace {

[[noreturn]] void Die(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "mirror_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

int PortOf(const std::string& address) {
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port)) {
    Die("address", absl::InvalidArgumentError(address));
  }
  return port;
}

// The processes of this benchmark, for telling its CPU from the machine's.
struct Processes {
  pid_t log = -1, monitor = -1;
  NginxChild* cache = nullptr;
  NginxChild* files = nullptr;
  double Cpu() const {
    double seconds = CpuSecondsOf(getpid()) + CpuSecondsOf(log) + CpuSecondsOf(monitor);
    if (cache != nullptr) seconds += cache->CpuSeconds();
    if (files != nullptr) seconds += files->CpuSeconds();
    return seconds;
  }
};

// Cores busy beyond ours over `window` of quiet.
double OthersCores(const Processes& ours, absl::Duration window) {
  const double machine = MachineBusyCpuSeconds();
  const double mine = ours.Cpu();
  absl::SleepFor(window);
  return (MachineBusyCpuSeconds() - machine - (ours.Cpu() - mine)) /
         absl::ToDoubleSeconds(window);
}

// GETs every path once on one connection (reopened when closed); fills
// `reference` when it is empty, else dies unless every body equals it.
double WarmPass(const std::string& name, int port, const std::vector<std::string>& paths,
                std::map<std::string, std::string>& reference) {
  const absl::Time start = absl::Now();
  const bool fill = reference.empty();
  std::unique_ptr<HttpClientConnection> c;
  for (const std::string& path : paths) {
    if (c == nullptr) {
      absl::StatusOr<std::unique_ptr<HttpClientConnection>> made =
          HttpClientConnection::Connect(port);
      if (!made.ok()) Die(name, made.status());
      c = *std::move(made);
    }
    if (absl::Status sent = c->Send(HttpGet(path)); !sent.ok()) Die(name + " " + path, sent);
    absl::StatusOr<HttpAnswer> answer = c->Read(absl::Seconds(30));
    if (!answer.ok()) Die(name + " " + path, answer.status());
    if (answer->status != 200) {
      Die(name + " " + path, absl::InternalError(absl::StrCat("status ", answer->status)));
    }
    if (fill) {
      reference[path] = std::move(answer->body);
    } else if (reference[path] != answer->body) {
      Die(name, absl::DataLossError(absl::StrCat("other bytes than the log's at ", path)));
    }
    const std::string* connection = answer->Header("connection");
    if (connection != nullptr && *connection == "close") c.reset();
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

struct Endpoint {
  std::string name;
  int port = 0;                          // HTTP (tile phases)
  std::string grpc;                      // gRPC (proof phases), may be empty
  std::function<double()> server_cpu;    // the processes serving it
};

// Figures of one phase beside its load line.
std::string CpuLine(double server, double client, double busy, double seconds) {
  return absl::StrFormat("server %.2f cores, client %.2f, machine busy %.2f (others %.2f)",
                         server / seconds, client / seconds, busy / seconds,
                         (busy - server - client) / seconds);
}

int Main(const char* argv0) {
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_timeout);
  std::thread([deadline] {
    absl::SleepFor(deadline - absl::Now());
    std::fprintf(stderr, "mirror_bench: --timeout reached; children stop with us\n");
    std::fflush(stdout);
    std::_Exit(3);
  }).detach();

  const MachineInfo machine = DescribeMachine();
  std::string data = absl::GetFlag(FLAGS_data);
  if (data.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    data = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/vitrine-mirror-bench/log");
  }
  const std::string scratch = data + "-run";
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  std::filesystem::create_directories(scratch);
  std::filesystem::create_directories(data);
  std::printf("mirror_bench: %s, %u cores, load %s\n  --entries=%llu --connections=%d "
              "--threads=%d --seconds=%s --rounds=%d --proof_clients=%d --channels=%d "
              "--proof_seconds=%s --sample_every=%llu --verify_every=%llu\n",
              machine.cpu_model.c_str(), machine.cores, machine.load_average.c_str(),
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_entries)),
              absl::GetFlag(FLAGS_connections), absl::GetFlag(FLAGS_threads),
              absl::FormatDuration(absl::GetFlag(FLAGS_seconds)).c_str(),
              absl::GetFlag(FLAGS_rounds), absl::GetFlag(FLAGS_proof_clients),
              absl::GetFlag(FLAGS_channels),
              absl::FormatDuration(absl::GetFlag(FLAGS_proof_seconds)).c_str(),
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_sample_every)),
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_verify_every)));
  std::fflush(stdout);

  // 1. Fill and export.
  LogChildOptions log_options;
  log_options.binary = DefaultLogBinary(argv0);
  log_options.origin = "mirror-bench.example/log";
  log_options.data = data;
  log_options.start_timeout = absl::Minutes(10);
  absl::StatusOr<std::string> log_key = LogChild::Init(log_options, data);
  if (!log_key.ok()) Die("vitrine-log init", log_key.status());
  FillOptions fill;
  fill.data = data;
  fill.entries = absl::GetFlag(FLAGS_entries);
  fill.progress = [](uint64_t entries, double seconds) {
    std::fprintf(stderr, "  fill: %llu entries, %.0f s\n",
                 static_cast<unsigned long long>(entries), seconds);
  };
  absl::StatusOr<FillResult> filled = FillLog(fill);
  if (!filled.ok()) Die("filling the log", filled.status());
  std::printf("fill: %llu -> %llu entries in %.1f s\n",
              static_cast<unsigned long long>(filled->entries_before),
              static_cast<unsigned long long>(filled->entries_after), filled->add_seconds);
  const std::string www = scratch + "/www";
  const absl::Time export_start = absl::Now();
  absl::StatusOr<std::string> exported = RunForLine(
      {log_options.binary, "export", "--data=" + data, "--to=" + www}, "exported",
      absl::Minutes(30));
  if (!exported.ok()) Die("vitrine-log export", exported.status());
  std::printf("export: %.1f s: exported%s\n", absl::ToDoubleSeconds(absl::Now() - export_start),
              exported->c_str());

  // 2. The log and a fresh mirror following it.
  absl::StatusOr<std::unique_ptr<LogChild>> log = LogChild::Spawn(log_options);
  if (!log.ok()) Die("vitrine-log serve", log.status());
  LoadTarget log_target = ConnectLoadTarget((*log)->grpc_address(), absl::GetFlag(FLAGS_channels));
  absl::StatusOr<uint64_t> size = TreeSize(log_target);
  if (!size.ok()) Die("the log's size", size.status());
  Processes ours;
  ours.log = (*log)->pid();
  std::printf("others before the catch-up: %.2f cores busy beyond this benchmark\n",
              OthersCores(ours, absl::Seconds(3)));
  const std::string monitor_binary = RunfilesBinary(argv0, "monitor/server/vitrine-monitor");
  int monitor_out = -1;
  const double log_cpu_0 = (*log)->CpuSeconds();
  const double self_cpu_0 = CpuSecondsOf(getpid());
  const double busy_0 = MachineBusyCpuSeconds();
  const absl::Time catch_up_start = absl::Now();
  // A monitor on the copy in scratch/monitor; sets its pid, gRPC and HTTP.
  std::string monitor_grpc, monitor_http;
  auto start_monitor = [&](pid_t& pid) {
    absl::StatusOr<pid_t> started = StartChild(
        {monitor_binary, "serve", "--data=" + scratch + "/monitor", "--init_if_missing",
         "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
         "--log=" + *log_key + "@" + (*log)->grpc_address(), "--check_vendor_signatures=false"},
        &monitor_out, scratch + "/monitor.stderr");
    if (!started.ok()) Die("vitrine-monitor", started.status());
    pid = *started;
    std::string banner_text;
    const std::map<std::string, std::string> banner =
        ReadBanner(monitor_out, absl::Now() + absl::Seconds(60), "data", banner_text);
    close(monitor_out);
    if (banner.count("gRPC") == 0 || banner.count("HTTP") == 0) {
      Die("vitrine-monitor banner", absl::InternalError(banner_text));
    }
    monitor_grpc = banner.at("gRPC");
    monitor_grpc = monitor_grpc.substr(0, monitor_grpc.find(' '));
    monitor_http = HostPortOfUrl(banner.at("HTTP"));
  };
  pid_t monitor = -1;
  start_monitor(monitor);
  ours.monitor = monitor;
  LoadTarget mirror_target = ConnectLoadTarget(monitor_grpc, absl::GetFlag(FLAGS_channels));
  for (;;) {
    absl::StatusOr<uint64_t> verified = TreeSize(mirror_target);
    if (verified.ok() && *verified == *size) break;
    if (absl::Now() - catch_up_start > absl::GetFlag(FLAGS_catch_up_max)) {
      Die("catch-up", absl::DeadlineExceededError(
                          verified.ok() ? absl::StrCat("verified ", *verified)
                                        : verified.status().ToString()));
    }
    absl::SleepFor(absl::Milliseconds(250));
  }
  const double catch_up = absl::ToDoubleSeconds(absl::Now() - catch_up_start);
  const double monitor_cpu = CpuSecondsOf(monitor);
  const double log_cpu = (*log)->CpuSeconds() - log_cpu_0;
  const double busy = MachineBusyCpuSeconds() - busy_0;
  std::printf("catch-up: the mirror verified %llu entries in %.1f s (%.0f entries/s; "
              "monitor %.1f CPU s = %.0f us/entry, log %.1f CPU s; machine busy %.2f cores, "
              "others %.2f), default entries_per_fetch, vendor signatures not checked\n",
              static_cast<unsigned long long>(*size), catch_up,
              static_cast<double>(*size) / catch_up, monitor_cpu,
              monitor_cpu * 1e6 / static_cast<double>(*size), log_cpu, busy / catch_up,
              (busy - monitor_cpu - log_cpu - (CpuSecondsOf(getpid()) - self_cpu_0)) / catch_up);
  std::fflush(stdout);
  if (absl::GetFlag(FLAGS_restart_mirror)) {
    const absl::Time restart_start = absl::Now();
    const int code = TerminateChild(monitor, absl::Minutes(2));
    if (code != 0) Die("vitrine-monitor stop", absl::InternalError(absl::StrCat("exit ", code)));
    start_monitor(monitor);
    ours.monitor = monitor;
    mirror_target = ConnectLoadTarget(monitor_grpc, absl::GetFlag(FLAGS_channels));
    for (;;) {
      absl::StatusOr<uint64_t> verified = TreeSize(mirror_target);
      if (verified.ok() && *verified == *size) break;
      if (absl::Now() - restart_start > absl::Minutes(5)) {
        Die("mirror restart", absl::DeadlineExceededError(
                                  verified.ok() ? absl::StrCat("verified ", *verified)
                                                : verified.status().ToString()));
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    std::printf("mirror restarted: serving size %llu again after %.1f s (its copy now in "
                "table files, as a long-running mirror's)\n",
                static_cast<unsigned long long>(*size),
                absl::ToDoubleSeconds(absl::Now() - restart_start));
    std::fflush(stdout);
  }

  // 3. nginx in front, nginx static; warm passes, same bytes everywhere.
  absl::StatusOr<std::unique_ptr<NginxChild>> cache = NginxChild::StartCache(
      absl::GetFlag(FLAGS_nginx), scratch + "/nginx-cache",
      RunfilesBinary(argv0, "deploy/nginx/vitrine-cache.conf"), (*log)->http_address());
  if (!cache.ok()) Die("nginx cache", cache.status());
  absl::StatusOr<std::unique_ptr<NginxChild>> files =
      NginxChild::StartStatic(absl::GetFlag(FLAGS_nginx), scratch + "/nginx-static", www);
  if (!files.ok()) Die("nginx static", files.status());
  ours.cache = cache->get();
  ours.files = files->get();
  NginxChild* cache_ptr = cache->get();
  NginxChild* files_ptr = files->get();
  LogChild* log_ptr = log->get();
  const pid_t monitor_pid = monitor;
  const std::vector<Endpoint> endpoints = {
      {"direct", PortOf((*log)->http_address()), (*log)->grpc_address(),
       [log_ptr] { return log_ptr->CpuSeconds(); }},
      {"mirror", PortOf(monitor_http), monitor_grpc,
       [monitor_pid] { return CpuSecondsOf(monitor_pid); }},
      {"nginx-cache", cache_ptr->port(), "",
       [cache_ptr, log_ptr] { return cache_ptr->CpuSeconds() + log_ptr->CpuSeconds(); }},
      {"nginx-static", files_ptr->port(), "", [files_ptr] { return files_ptr->CpuSeconds(); }},
  };
  if (absl::GetFlag(FLAGS_pin)) {
    const int cpus = static_cast<int>(std::thread::hardware_concurrency());
    if (cpus < 2) Die("--pin", absl::FailedPreconditionError("needs 2 CPUs or more"));
    std::vector<int> client_cpus, server_cpus = {cpus - 1};
    for (int cpu = 0; cpu < cpus - 1; ++cpu) client_cpus.push_back(cpu);
    for (pid_t server : {(*log)->pid(), monitor, cache_ptr->pid(), files_ptr->pid()}) {
      if (absl::Status pinned = PinProcessTree(server, server_cpus); !pinned.ok()) {
        Die("--pin", pinned);
      }
    }
    if (absl::Status pinned = PinThreads(getpid(), client_cpus); !pinned.ok()) {
      Die("--pin", pinned);
    }
    std::printf("pinned: servers (log, monitor, both nginx) on CPU %s, this client on CPU %s\n",
                DescribeCpus(server_cpus).c_str(), DescribeCpus(client_cpus).c_str());
  }
  std::vector<VerifiedTree> trees;
  for (const Endpoint& endpoint : endpoints) {
    absl::StatusOr<VerifiedTree> tree =
        FetchVerifiedTree(endpoint.port, *log_key, log_options.origin);
    if (!tree.ok()) Die(endpoint.name + " /checkpoint", tree.status());
    if (tree->size != *size) {
      Die(endpoint.name, absl::InternalError(absl::StrCat("serves size ", tree->size)));
    }
    trees.push_back(*tree);
  }
  const std::vector<std::string> paths = ImmutableTilePaths(*size);
  std::map<std::string, std::string> reference;
  uint64_t bytes = 0;
  for (const Endpoint& endpoint : endpoints) {
    const double seconds = WarmPass(endpoint.name, endpoint.port, paths, reference);
    std::printf("warm pass %-12s %zu GETs in %.1f s, same bytes as the log's\n",
                endpoint.name.c_str(), paths.size(), seconds);
    std::fflush(stdout);
  }
  for (const auto& [path, body] : reference) bytes += body.size();
  reference.clear();
  std::printf("tile phases: %zu paths (every full tile and entry bundle), %.1f KiB a GET on "
              "average\n",
              paths.size(), static_cast<double>(bytes) / 1024.0 / paths.size());
  std::fflush(stdout);

  // 4. Tile phases, then proof phases.
  std::map<std::string, std::vector<double>> rates;
  // Server CPU per answer, microseconds: what a core of the server buys,
  // whatever the load generator and the rest of the machine took meanwhile.
  std::map<std::string, std::vector<double>> cpu_us;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    for (size_t k = 0; k < endpoints.size(); ++k) {
      const size_t e = (k + static_cast<size_t>(round)) % endpoints.size();
      const Endpoint& endpoint = endpoints[e];
      const double others = OthersCores(ours, absl::Seconds(3));
      TileLoadOptions options;
      options.port = endpoint.port;
      options.paths = paths;
      options.connections = absl::GetFlag(FLAGS_connections);
      options.threads = absl::GetFlag(FLAGS_threads);
      options.duration = absl::GetFlag(FLAGS_seconds);
      options.sample_every = absl::GetFlag(FLAGS_sample_every);
      const double server_0 = endpoint.server_cpu();
      const double busy_before = MachineBusyCpuSeconds();
      TileLoadResult load = RunTileLoad(options);
      const double busy_phase = MachineBusyCpuSeconds() - busy_before;
      const double server = endpoint.server_cpu() - server_0;
      const TileCheck check = CheckTileSamples(endpoint.port, trees[e], load.samples);
      rates[endpoint.name].push_back(static_cast<double>(load.answered_ok) / load.seconds);
      cpu_us[endpoint.name].push_back(server * 1e6 / static_cast<double>(load.answered_ok));
      std::printf("round %d tiles %-12s %s\n    %s; others before %.2f cores\n", round + 1,
                  endpoint.name.c_str(), DescribeTileLoad(load, check).c_str(),
                  CpuLine(server, load.client_cpu_seconds, busy_phase, load.seconds).c_str(),
                  others);
      for (const std::string& failure : check.failures) {
        std::printf("    NOT VERIFIED %s\n", failure.c_str());
      }
      std::fflush(stdout);
    }
  }
  std::map<std::string, std::vector<double>> proof_rates, proof_cpu_us;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    for (size_t k = 0; k < 2; ++k) {
      const Endpoint& endpoint = endpoints[(k + static_cast<size_t>(round)) % 2];
      LoadTarget& target = endpoint.name == "direct" ? log_target : mirror_target;
      absl::BitGen random;
      std::vector<uint64_t> indexes;
      for (int i = 0; i < 64; ++i) indexes.push_back(absl::Uniform<uint64_t>(random, 0, *size));
      absl::StatusOr<std::vector<KnownLeaf>> known = FetchKnownLeaves(target, indexes);
      if (!known.ok()) Die(endpoint.name + " GetEntries", known.status());
      const double others = OthersCores(ours, absl::Seconds(3));
      ProofPhaseOptions options;
      options.clients = absl::GetFlag(FLAGS_proof_clients);
      options.rpcs = UINT64_MAX;
      options.tree_size = *size;
      options.limit = absl::GetFlag(FLAGS_proof_seconds);
      options.verify_every = absl::GetFlag(FLAGS_verify_every);
      options.log_key = *log_key;
      options.log_origin = log_options.origin;
      options.known_leaves = *std::move(known);
      const double server_0 = endpoint.server_cpu();
      const double busy_before = MachineBusyCpuSeconds();
      PhaseResult proofs = RunProofPhase(target, options);
      const double busy_phase = MachineBusyCpuSeconds() - busy_before;
      const double server = endpoint.server_cpu() - server_0;
      proof_rates[endpoint.name].push_back(static_cast<double>(proofs.calls_ok) / proofs.seconds);
      proof_cpu_us[endpoint.name].push_back(server * 1e6 / static_cast<double>(proofs.calls_ok));
      const double client = proofs.client_cpu_seconds;
      const double seconds = proofs.seconds;
      std::printf("round %d proofs %-6s %s\n    %s; others before %.2f cores\n", round + 1,
                  endpoint.name == "direct" ? "log" : "mirror",
                  DescribeReadPhase(proofs).c_str(),
                  CpuLine(server, client, busy_phase, seconds).c_str(), others);
      std::fflush(stdout);
    }
  }

  const double direct = Median(rates["direct"]), mirror = Median(rates["mirror"]);
  const double cached = Median(rates["nginx-cache"]), statics = Median(rates["nginx-static"]);
  std::printf("\ntile GETs/s (median of %d, %d connections): direct %.0f, mirror %.0f, "
              "nginx cache %.0f, nginx static %.0f\n  nginx cache / direct %.2f (goal >= 5); "
              "direct / static %.2f; mirror / static %.2f; cache / static %.2f\n",
              absl::GetFlag(FLAGS_rounds), absl::GetFlag(FLAGS_connections), direct, mirror,
              cached, statics, cached / direct, direct / statics, mirror / statics,
              cached / statics);
  const double proofs_log = Median(proof_rates["direct"]);
  const double proofs_mirror = Median(proof_rates["mirror"]);
  std::printf("inclusion proofs/s at %llu entries (median of %d, %d clients): log %.0f, mirror "
              "%.0f; mirror / log %.2f (goal >= 0.9)\n",
              static_cast<unsigned long long>(*size), absl::GetFlag(FLAGS_rounds),
              absl::GetFlag(FLAGS_proof_clients), proofs_log, proofs_mirror,
              proofs_mirror / proofs_log);
  // The lower of the rounds: the cost with the least interference.
  auto least = [](const std::vector<double>& values) {
    return *std::min_element(values.begin(), values.end());
  };
  const double direct_us = least(cpu_us["direct"]), cached_us = least(cpu_us["nginx-cache"]);
  std::printf("server CPU per tile GET (least of %d): direct %.1f us, mirror %.1f us, nginx cache "
              "%.1f us (nginx and the log), nginx static %.1f us\n  GETs per server core: "
              "nginx cache / direct %.2f (goal >= 5)\n",
              absl::GetFlag(FLAGS_rounds), direct_us, least(cpu_us["mirror"]), cached_us,
              least(cpu_us["nginx-static"]), direct_us / cached_us);
  const double proof_log_us = least(proof_cpu_us["direct"]);
  const double proof_mirror_us = least(proof_cpu_us["mirror"]);
  std::printf("server CPU per inclusion proof (least of %d): log %.1f us, mirror %.1f us\n  "
              "proofs per server core: mirror / log %.2f (goal >= 0.9)\n",
              absl::GetFlag(FLAGS_rounds), proof_log_us, proof_mirror_us,
              proof_log_us / proof_mirror_us);
  std::printf("load average at the end: %s\n", DescribeMachine().load_average.c_str());
  std::fflush(stdout);

  cache->reset();
  files->reset();
  TerminateChild(monitor, absl::Seconds(30));
  if (absl::Status stopped = (*log)->Stop(); !stopped.ok()) Die("vitrine-log stop", stopped);
  std::filesystem::remove_all(scratch, ignored);
  return 0;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return vitrine::bench::Main(argv[0]);
}
