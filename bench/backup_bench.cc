// Online backup of a large log (issue 14): how long `vitrine-log backup`
// takes and how fast it copies while the log keeps taking adds, what it
// costs those adds, and how long `vitrine-log restore` takes.
//
//   bazel run -c opt --jobs=2 //bench:backup_bench -- [--entries=10000000]
//       [--data=/tmp/vitrine-backup-bench/log] [--window=30s]
//
// How it measures, all in one run:
//   1. Fill: `vitrine-log init` makes the log's key in --data, then the
//      store is filled in this process through the real Sequencer up to
//      --entries synthetic release statements (bench/internal/log_fill.h:
//      ~420 bytes, with digest and statement indexes). The folder is kept:
//      the next run reuses it (and finds it grown by the adds below).
//   2. Serve: a real `vitrine-log serve` on that folder (log_child.h), the
//      generated vendor keys registered, vendor rate limits raised. Before
//      each phase the benchmark waits (up to --settle_max) until the log's
//      CPU falls under 5% of a core, so that compactions left by the fill
//      or the previous phase do not land in the next one.
//   3. Phases, each with its own statements signed beforehand
//      (presigned.h): --clients closed loops of Adds of --per_request
//      statements (load_phases.h):
//        baseline      --window of adds, no backup;
//        full backup   `vitrine-log backup --data --to` started as a child
//                      (the running log backs itself up, asked over its
//                      admin socket), adds started right after it and
//                      stopped when it exits: the add window lies inside
//                      the backup, and the overlap is printed;
//        between       --window of adds, no backup (more adds for the
//                      incremental, and a second baseline);
//        incremental   a second backup into the same folder, as the full.
//      Per phase: adds/s, p50/p99/max latency; the log's CPU (cores) in
//      all and by thread name (backup_engine: the backup's copy threads;
//      rocksdb:low/high: compactions and flushes; gRPC's threads verify the
//      vendor signatures) and its disk writes (/proc/<pid>/io: the backup
//      is written by the log's process); the data folder's block device
//      (/proc/diskstats: everyone's I/O); the sequencer's commits from
//      the log's /metrics (count, entries each, mean and p99 time); and the
//      CPU of every other process on the machine (/proc/stat's busy time
//      less the log's and this process's): other engineers' builds.
//   4. Restore: the log stopped, `vitrine-log restore --from --data` into a
//      fresh folder (verifies every file's checksum, copies, opens the
//      store), timed. Backups and the restored copy are then removed.
// Backup MB/s is the bytes the backup copied over its wall time (child
// start to exit); restore MB/s is the backup's total bytes over the
// restore's wall time. The share of the store in the page cache when each
// backup starts is printed: a store read from memory copies faster than one
// read from disk.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/child_process.h"
#include "bench/internal/disk_usage.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "bench/internal/log_child.h"
#include "bench/internal/log_fill.h"
#include "bench/internal/log_metrics.h"
#include "bench/internal/presigned.h"
#include "bench/internal/thread_cpu.h"
#include "log/server/config.h"

ABSL_FLAG(uint64_t, entries, 10000000, "fill the log to at least this many entries");
ABSL_FLAG(std::string, data, "",
          "the log's data folder, kept for the next run; default: "
          "$TMPDIR (or /tmp)/vitrine-backup-bench/log");
ABSL_FLAG(std::string, scratch, "",
          "where backups and the restored copy go (emptied before and after); default: "
          "beside --data");
ABSL_FLAG(bool, keep_backups, false, "leave the backups and the restored copy");
ABSL_FLAG(int, backup_rate_mib, 0,
          "passed to `vitrine-log backup`: MiB/s the copy may go at (0: unlimited)");
ABSL_FLAG(std::string, log_binary, "",
          "vitrine-log; default: the one in this binary's runfiles");
ABSL_FLAG(int, clients, 16, "concurrent Adds (closed loops)");
ABSL_FLAG(int, channels, 4, "HTTP/2 connections the clients are spread over");
ABSL_FLAG(int, per_request, 10, "statements per Add");
ABSL_FLAG(int, vendors, 4, "vendor keys to generate");
ABSL_FLAG(absl::Duration, window, absl::Seconds(30), "each add phase without a backup");
ABSL_FLAG(double, max_rate, 30000,
          "statements/s the no-backup phases are signed for (they end early beyond it)");
ABSL_FLAG(absl::Duration, backup_adds_max, absl::Seconds(150),
          "adds during the full backup are signed for this long at 1.5x the baseline's "
          "rate (the incremental's for the full backup's time + 30 s): a longer backup "
          "outlasts them (the overlap says so)");
ABSL_FLAG(absl::Duration, backup_timeout, absl::Minutes(30), "a backup or restore is killed after this");
ABSL_FLAG(absl::Duration, settle_max, absl::Seconds(120),
          "before each phase, wait up to this for the log's CPU to fall under 5% of a core");
ABSL_FLAG(absl::Duration, deadline, absl::Hours(3), "the whole run; past it, exit 3");

namespace vitrine::bench {
namespace {

constexpr double kMB = 1e6;

[[noreturn]] void Die(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "backup_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

std::string Grouped(uint64_t n) {
  std::string digits = absl::StrCat(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

std::string LoadAverage() { return DescribeMachine().load_average; }

// One add phase's figures.
struct AddFigures {
  std::string name;
  PhaseResult result;
  LatencySummary latency;
  double server_cores = 0;
  double server_write_mb_s = 0;
  uint64_t tree_size = 0;  // at the phase's end
  std::string load_start;
  double settle_seconds = 0;
  absl::Time began, ended;
  CommitFigures commits;  // the sequencer's, in the phase
  double client_cores = 0;  // this process: the add clients
  double other_cores = 0;   // the machine's busy CPU beyond the log and us
  std::map<std::string, double> thread_cores;  // the log's CPU by thread name
  // The data folder's block device over the phase (everyone's I/O on it).
  double device_read_mb_s = 0, device_write_mb_s = 0, device_busy = 0;
};


// One backup's figures, from its child and what it printed.
struct BackupFigures {
  int exit_code = -1;
  double wall_seconds = 0;  // child start to exit
  double log_seconds = 0;   // what the log measured for Store::Backup
  uint64_t id = 0, files = 0, bytes = 0, copied = 0, tree_size = 0;
  double overlap_seconds = 0;  // of the add phase with the backup
  double cached_fraction = 0;  // of the store, when the backup began
  uint64_t store_bytes = 0;
  std::string output;
};

// The run's fixed parts: the log child, its connection, the keys.
struct Bench {
  std::string binary;
  std::string data;
  Vendors vendors;
  std::unique_ptr<LogChild> log;
  LoadTarget target;
  AddPhaseOptions add_options;
  uint64_t seed = 0;
  int pools = 0;  // pools signed so far: each gets a distinct run number
};

std::vector<vitrine::v1::AddRequest> Sign(Bench& bench, uint64_t statements) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<vitrine::v1::AddRequest>> requests = PresignRequests(
      bench.vendors, statements, absl::GetFlag(FLAGS_per_request), bench.seed + bench.pools++);
  if (!requests.ok()) Die("signing", requests.status());
  std::fprintf(stderr, "  signed %s statements in %.1f s\n", Grouped(statements).c_str(),
               absl::ToDoubleSeconds(absl::Now() - start));
  return *std::move(requests);
}

// Waits until the log uses under 5% of a core over 2 s, or `max`; returns
// the seconds waited.
double Settle(const LogChild& log, absl::Duration max) {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < max) {
    const double before = log.CpuSeconds();
    absl::SleepFor(absl::Seconds(2));
    if ((log.CpuSeconds() - before) / 2.0 < 0.05) break;
  }
  return absl::ToDoubleSeconds(absl::Now() - start);
}

// Runs one add phase over `requests`, stopped by the window or `stop`.
AddFigures RunAdds(Bench& bench, const std::string& name,
                   const std::vector<vitrine::v1::AddRequest>& requests, absl::Duration limit,
                   const std::atomic<bool>* stop) {
  AddFigures figures;
  figures.name = name;
  figures.load_start = LoadAverage();
  AddPhaseOptions options = bench.add_options;
  options.limit = limit;
  options.stop = stop;
  const CommitMetrics commits_before = ScrapeCommitMetrics(bench.log->http_address());
  const double cpu_before = bench.log->CpuSeconds();
  const uint64_t written_before = DiskWriteBytesOf(bench.log->pid());
  const DeviceCounters device_before = DeviceCountersOf(bench.data);
  const double machine_before = MachineBusyCpuSeconds();
  const double self_before = CpuSecondsOf(getpid());
  ThreadCpuSampler threads(bench.log->pid(), absl::Milliseconds(200));
  figures.began = absl::Now();
  figures.result = RunAddPhase(bench.target, requests, options);
  figures.ended = absl::Now();
  const DeviceCounters device_after = DeviceCountersOf(bench.data);
  const double machine_cpu = MachineBusyCpuSeconds() - machine_before;
  const double self_cpu = CpuSecondsOf(getpid()) - self_before;
  const double seconds = std::max(1e-9, figures.result.seconds);
  const double wall = std::max(1e-9, absl::ToDoubleSeconds(figures.ended - figures.began));
  figures.device_read_mb_s =
      static_cast<double>(device_after.read_bytes - device_before.read_bytes) / kMB / wall;
  figures.device_write_mb_s =
      static_cast<double>(device_after.written_bytes - device_before.written_bytes) / kMB / wall;
  figures.device_busy =
      static_cast<double>(device_after.busy_ms - device_before.busy_ms) / 1000.0 / wall;
  double log_cpu = 0;
  for (const auto& [name, cpu] : threads.Stop()) {
    figures.thread_cores[name] = cpu / wall;
    log_cpu += cpu;
  }
  figures.client_cores = self_cpu / wall;
  figures.other_cores = std::max(0.0, (machine_cpu - log_cpu - self_cpu) / wall);
  figures.commits =
      CommitsBetween(commits_before, ScrapeCommitMetrics(bench.log->http_address()));
  figures.server_cores = (bench.log->CpuSeconds() - cpu_before) / seconds;
  figures.server_write_mb_s =
      static_cast<double>(DiskWriteBytesOf(bench.log->pid()) - written_before) / kMB / seconds;
  figures.latency = Summarize(figures.result.latencies_ms);
  figures.tree_size = TreeSize(bench.target).value_or(0);
  std::fprintf(stderr, "  %s: %s adds in %.1f s: %.0f/s, p99 %.1f ms\n", name.c_str(),
               Grouped(figures.result.items_ok).c_str(), figures.result.seconds,
               static_cast<double>(figures.result.items_ok) / seconds, figures.latency.p99_ms);
  return figures;
}

// Reads "backup N in DIR: tree size >= T, F files, B bytes (C copied) in S s".
void ParseBackupLine(const std::string& output, BackupFigures& figures) {
  static const std::regex kLine(
      R"(backup (\d+) in \S+: tree size >= (\d+), (\d+) files, (\d+) bytes \((\d+) copied\) in ([0-9.]+) s)");
  std::smatch match;
  if (!std::regex_search(output, match, kLine)) return;
  figures.id = std::strtoull(match[1].str().c_str(), nullptr, 10);
  figures.tree_size = std::strtoull(match[2].str().c_str(), nullptr, 10);
  figures.files = std::strtoull(match[3].str().c_str(), nullptr, 10);
  figures.bytes = std::strtoull(match[4].str().c_str(), nullptr, 10);
  figures.copied = std::strtoull(match[5].str().c_str(), nullptr, 10);
  figures.log_seconds = std::strtod(match[6].str().c_str(), nullptr);
}

// Backs the running log up into `to` with `vitrine-log backup` while adds
// from `requests` run; the adds stop when the backup ends.
std::pair<BackupFigures, AddFigures> BackupUnderLoad(
    Bench& bench, const std::string& name, const std::string& to,
    const std::vector<vitrine::v1::AddRequest>& requests) {
  server::LogConfig config;
  config.data = bench.data;
  BackupFigures backup;
  const FolderUsage store = MeasureFolder(config.StorePath(), /*page_cache=*/true);
  backup.store_bytes = store.bytes;
  backup.cached_fraction =
      store.bytes == 0 ? 0 : static_cast<double>(store.cached_bytes) / static_cast<double>(store.bytes);
  const std::string load_start = LoadAverage();
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({bench.binary, "backup", "--data=" + bench.data, "--to=" + to,
                           absl::StrCat("--backup_rate_mib=", absl::GetFlag(FLAGS_backup_rate_mib))});
  if (!child.ok()) Die("starting vitrine-log backup", child.status());
  std::atomic<bool> stop{false};
  const absl::Duration timeout = absl::GetFlag(FLAGS_backup_timeout);
  std::thread watcher([&] {
    (*child)->Wait(timeout);
    stop.store(true);
  });
  AddFigures adds = RunAdds(bench, name, requests, timeout, &stop);
  adds.load_start = load_start;
  watcher.join();
  backup.exit_code = *(*child)->Poll();
  backup.wall_seconds = absl::ToDoubleSeconds((*child)->exited() - (*child)->started());
  backup.output = (*child)->Output();
  ParseBackupLine(backup.output, backup);
  const absl::Time overlap_end = std::min(adds.ended, (*child)->exited());
  const absl::Time overlap_begin = std::max(adds.began, (*child)->started());
  backup.overlap_seconds = std::max(0.0, absl::ToDoubleSeconds(overlap_end - overlap_begin));
  std::fprintf(stderr, "  %s: exit %d after %.1f s: %s", name.c_str(), backup.exit_code,
               backup.wall_seconds, backup.output.c_str());
  if (backup.exit_code != 0) Die(name, absl::InternalError("vitrine-log backup failed"));
  return {backup, adds};
}

double PerSecond(const AddFigures& f) {
  return f.result.seconds > 0 ? static_cast<double>(f.result.items_ok) / f.result.seconds : 0;
}

void PrintPhases(const std::vector<AddFigures>& phases) {
  auto row = [&](const char* label, auto value) {
    std::printf("%-34s", label);
    for (const AddFigures& f : phases) std::printf("%16s", value(f).c_str());
    std::printf("\n");
  };
  row("", [](const AddFigures& f) { return f.name; });
  row("load average at start (1 min)", [](const AddFigures& f) {
    return f.load_start.substr(0, f.load_start.find(' '));
  });
  row("settled first (s)", [](const AddFigures& f) { return absl::StrFormat("%.0f", f.settle_seconds); });
  row("seconds of adds", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.result.seconds); });
  row("statements added", [](const AddFigures& f) { return Grouped(f.result.items_ok); });
  row("adds/s", [](const AddFigures& f) { return Grouped(static_cast<uint64_t>(PerSecond(f) + 0.5)); });
  row("latency p50 ms", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.latency.p50_ms); });
  row("latency p99 ms", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.latency.p99_ms); });
  row("latency max ms", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.latency.max_ms); });
  row("failed / duplicates", [](const AddFigures& f) {
    return absl::StrCat(f.result.items_failed, " / ", f.result.duplicates);
  });
  row("log CPU (cores)", [](const AddFigures& f) { return absl::StrFormat("%.2f", f.server_cores); });
  row("load generator CPU (cores)", [](const AddFigures& f) { return absl::StrFormat("%.2f", f.client_cores); });
  row("other processes' CPU (cores)", [](const AddFigures& f) { return absl::StrFormat("%.2f", f.other_cores); });
  row("log disk writes MB/s", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.server_write_mb_s); });
  row("device reads MB/s (all processes)", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.device_read_mb_s); });
  row("device writes MB/s (all processes)", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.device_write_mb_s); });
  row("device busy", [](const AddFigures& f) { return absl::StrFormat("%.0f%%", 100 * f.device_busy); });
  row("tree size at end", [](const AddFigures& f) { return Grouped(f.tree_size); });
  row("commits (synced batches)", [](const AddFigures& f) { return Grouped(static_cast<uint64_t>(f.commits.commits)); });
  row("entries per commit", [](const AddFigures& f) { return absl::StrFormat("%.0f", f.commits.entries_per_commit); });
  row("commit mean ms", [](const AddFigures& f) { return absl::StrFormat("%.1f", f.commits.mean_ms); });
  row("commit p99 ms (bucket bound)", [](const AddFigures& f) { return absl::StrFormat("%.0f", f.commits.p99_ms); });
  // The log's CPU by thread name, for every name that used 2% of a core.
  std::map<std::string, bool> names;
  for (const AddFigures& f : phases) {
    for (const auto& [name, cores] : f.thread_cores) {
      if (cores >= 0.02) names[name] = true;
    }
  }
  for (const auto& [name, unused] : names) {
    const std::string label = absl::StrCat("  cores: ", name, " threads");
    row(label.c_str(), [&name = name](const AddFigures& f) {
      auto it = f.thread_cores.find(name);
      return absl::StrFormat("%.2f", it == f.thread_cores.end() ? 0.0 : it->second);
    });
  }
  for (const AddFigures& f : phases) {
    for (const auto& [what, count] : f.result.errors) {
      std::printf("  %s: %s x%llu\n", f.name.c_str(), what.c_str(),
                  static_cast<unsigned long long>(count));
    }
  }
}

void PrintBackup(const char* name, const BackupFigures& b, const AddFigures& adds) {
  std::printf("%s: %.1f s wall (the log's own %.1f s), backup %llu: %s files, %.1f MB in all, "
              "%.1f MB copied: %.1f MB/s; tree size >= %s; store %.1f MB, %.0f%% in the page "
              "cache at start; adds overlapped %.1f s of it (%.1f s of adds)\n",
              name, b.wall_seconds, b.log_seconds, static_cast<unsigned long long>(b.id),
              Grouped(b.files).c_str(), static_cast<double>(b.bytes) / kMB,
              static_cast<double>(b.copied) / kMB,
              b.wall_seconds > 0 ? static_cast<double>(b.copied) / kMB / b.wall_seconds : 0,
              Grouped(b.tree_size).c_str(), static_cast<double>(b.store_bytes) / kMB,
              100.0 * b.cached_fraction, b.overlap_seconds, adds.result.seconds);
}

int Run(const char* argv0) {
  const absl::Time run_start = absl::Now();
  std::thread([deadline = absl::GetFlag(FLAGS_deadline)] {
    absl::SleepFor(deadline);
    std::fprintf(stderr, "backup_bench: past --deadline; exiting (children stop with us)\n");
    std::_Exit(3);
  }).detach();

  const char* tmp = std::getenv("TMPDIR");
  const std::string root = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/vitrine-backup-bench");
  Bench bench;
  bench.data = absl::GetFlag(FLAGS_data).empty() ? root + "/log" : absl::GetFlag(FLAGS_data);
  bench.data = std::filesystem::absolute(bench.data).lexically_normal().string();
  std::string scratch = absl::GetFlag(FLAGS_scratch);
  if (scratch.empty()) scratch = std::filesystem::path(bench.data).parent_path().string() + "/scratch";
  scratch = std::filesystem::absolute(scratch).lexically_normal().string();
  const std::string backups = scratch + "/backup";
  const std::string restored = scratch + "/restored";
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  std::filesystem::create_directories(scratch, ignored);
  std::filesystem::create_directories(bench.data, ignored);
  bench.binary = absl::GetFlag(FLAGS_log_binary).empty() ? DefaultLogBinary(argv0)
                                                         : absl::GetFlag(FLAGS_log_binary);
  bench.seed = absl::Uniform<uint64_t>(absl::BitGen());

  const MachineInfo machine = DescribeMachine();
  std::printf("backup_bench: %s\nmachine: %u x %s; load average %s at start\n",
              bench.data.c_str(), machine.cores, machine.cpu_model.c_str(),
              machine.load_average.c_str());

  // 1. Fill.
  LogChildOptions child_options;
  child_options.binary = bench.binary;
  child_options.data = bench.data;
  child_options.start_timeout = absl::Minutes(10);
  absl::StatusOr<std::string> log_key = LogChild::Init(child_options, bench.data);
  if (!log_key.ok()) Die("vitrine-log init", log_key.status());
  FillOptions fill;
  fill.data = bench.data;
  fill.entries = absl::GetFlag(FLAGS_entries);
  fill.progress = [](uint64_t entries, double seconds) {
    std::fprintf(stderr, "  fill: %s entries, %.0f s\n", Grouped(entries).c_str(), seconds);
  };
  std::fprintf(stderr, "backup_bench: filling %s to %s entries...\n", bench.data.c_str(),
               Grouped(fill.entries).c_str());
  absl::StatusOr<FillResult> filled = FillLog(fill);
  if (!filled.ok()) Die("filling the log", filled.status());
  server::LogConfig config;
  config.data = bench.data;
  const uint64_t added = filled->entries_after - filled->entries_before;
  if (added > 0) {
    std::printf("fill: %s entries added to %s in %.1f s: %s entries/s (mean leaf %.0f B; "
                "sequencer start %.1f s)\n",
                Grouped(added).c_str(), Grouped(filled->entries_before).c_str(),
                filled->add_seconds, Grouped(static_cast<uint64_t>(added / filled->add_seconds)).c_str(),
                static_cast<double>(filled->leaf_bytes) / static_cast<double>(added),
                filled->start_seconds);
  } else {
    std::printf("fill: the store already holds %s entries (reused)\n",
                Grouped(filled->entries_after).c_str());
  }
  const FolderUsage store_usage = MeasureFolder(config.StorePath());
  std::printf("store: %s entries, %.1f MB on disk (%s files; Store::DiskBytes %.1f MB), "
              "%.0f B per entry\n",
              Grouped(filled->entries_after).c_str(), static_cast<double>(store_usage.bytes) / kMB,
              Grouped(store_usage.files).c_str(), static_cast<double>(filled->disk_bytes) / kMB,
              static_cast<double>(store_usage.bytes) / static_cast<double>(filled->entries_after));
  std::fflush(stdout);

  // 2. Serve.
  absl::StatusOr<Vendors> vendors = LoadVendors("", absl::GetFlag(FLAGS_vendors));
  if (!vendors.ok()) Die("vendor keys", vendors.status());
  bench.vendors = *std::move(vendors);
  child_options.vendor_keys = bench.vendors.verifier_keys;
  const absl::Time spawning = absl::Now();
  absl::StatusOr<std::unique_ptr<LogChild>> log = LogChild::Spawn(child_options);
  if (!log.ok()) Die("starting vitrine-log", log.status());
  bench.log = *std::move(log);
  std::printf("log: started in %.1f s (the store verified at start)\n",
              absl::ToDoubleSeconds(absl::Now() - spawning));
  bench.target = ConnectLoadTarget(bench.log->grpc_address(), absl::GetFlag(FLAGS_channels));
  bench.add_options.clients = absl::GetFlag(FLAGS_clients);
  bench.add_options.log_key = bench.log->verifier_key();
  bench.add_options.log_origin = bench.log->origin();

  // 3. Phases.
  const absl::Duration window = absl::GetFlag(FLAGS_window);
  const absl::Duration settle_max = absl::GetFlag(FLAGS_settle_max);
  const uint64_t window_pool =
      static_cast<uint64_t>(absl::GetFlag(FLAGS_max_rate) * absl::ToDoubleSeconds(window));
  std::vector<AddFigures> phases;
  {
    std::vector<vitrine::v1::AddRequest> warm = Sign(bench, 20000);
    RunAdds(bench, "warm-up", warm, absl::Seconds(5), nullptr);
  }
  {
    std::vector<vitrine::v1::AddRequest> pool = Sign(bench, window_pool);
    const double settled = Settle(*bench.log, settle_max);
    phases.push_back(RunAdds(bench, "baseline", pool, window, nullptr));
    phases.back().settle_seconds = settled;
  }
  const uint64_t backup_pool = static_cast<uint64_t>(
      1.5 * PerSecond(phases[0]) * absl::ToDoubleSeconds(absl::GetFlag(FLAGS_backup_adds_max)));
  std::vector<BackupFigures> backup_figures;
  {
    std::vector<vitrine::v1::AddRequest> pool = Sign(bench, backup_pool);
    const double settled = Settle(*bench.log, settle_max);
    auto [backup, adds] = BackupUnderLoad(bench, "full backup", backups, pool);
    adds.settle_seconds = settled;
    backup_figures.push_back(backup);
    phases.push_back(std::move(adds));
  }
  {
    std::vector<vitrine::v1::AddRequest> pool = Sign(bench, window_pool);
    const double settled = Settle(*bench.log, settle_max);
    phases.push_back(RunAdds(bench, "between", pool, window, nullptr));
    phases.back().settle_seconds = settled;
  }
  {
    // An incremental copies less: its adds are signed for the full
    // backup's time (plus 30 s), not --backup_adds_max.
    const double seconds = std::min(absl::ToDoubleSeconds(absl::GetFlag(FLAGS_backup_adds_max)),
                                    backup_figures[0].wall_seconds + 30);
    std::vector<vitrine::v1::AddRequest> pool =
        Sign(bench, static_cast<uint64_t>(1.5 * PerSecond(phases[0]) * seconds));
    const double settled = Settle(*bench.log, settle_max);
    auto [backup, adds] = BackupUnderLoad(bench, "incremental", backups, pool);
    adds.settle_seconds = settled;
    backup_figures.push_back(backup);
    phases.push_back(std::move(adds));
  }
  const std::string load_end = LoadAverage();
  absl::Status stopped = bench.log->Stop();
  if (!stopped.ok()) Die("stopping vitrine-log", stopped);

  // 4. Restore.
  const absl::Time restoring = absl::Now();
  absl::StatusOr<std::unique_ptr<ChildProcess>> restore = ChildProcess::Start(
      {bench.binary, "restore", "--from=" + backups, "--data=" + restored});
  if (!restore.ok()) Die("starting vitrine-log restore", restore.status());
  const int restore_code = (*restore)->Wait(absl::GetFlag(FLAGS_backup_timeout));
  const double restore_seconds = absl::ToDoubleSeconds(absl::Now() - restoring);
  server::LogConfig restored_config;
  restored_config.data = restored;
  const FolderUsage restored_usage = MeasureFolder(restored_config.StorePath());

  // Report.
  std::printf("\nadds: %d clients x %d statements per Add over %d connections, every vendor "
              "signature verified by the log; windows of %s without a backup\n",
              bench.add_options.clients, absl::GetFlag(FLAGS_per_request),
              absl::GetFlag(FLAGS_channels), absl::FormatDuration(window).c_str());
  PrintPhases(phases);
  std::printf("\n");
  PrintBackup("full backup", backup_figures[0], phases[1]);
  PrintBackup("incremental backup", backup_figures[1], phases[3]);
  const double baseline = (PerSecond(phases[0]) + PerSecond(phases[2])) / 2;
  const double p99_baseline = (phases[0].latency.p99_ms + phases[2].latency.p99_ms) / 2;
  std::printf("adds/s during the full backup: %.2f of the no-backup mean (%.0f/s); p99 %.1fx\n",
              PerSecond(phases[1]) / baseline, baseline, phases[1].latency.p99_ms / p99_baseline);
  std::printf("adds/s during the incremental: %.2f of the no-backup mean; p99 %.1fx\n",
              PerSecond(phases[3]) / baseline, phases[3].latency.p99_ms / p99_baseline);
  std::printf("restore (verify every file's checksum, copy, open; the log stopped): exit %d, "
              "%.1f s for %.1f MB: %.1f MB/s; restored store %.1f MB\n%s",
              restore_code, restore_seconds,
              static_cast<double>(backup_figures[1].bytes) / kMB,
              static_cast<double>(backup_figures[1].bytes) / kMB / std::max(1e-9, restore_seconds),
              static_cast<double>(restored_usage.bytes) / kMB, (*restore)->Output().c_str());
  std::printf("load average at end %s; whole run %.0f s\n", load_end.c_str(),
              absl::ToDoubleSeconds(absl::Now() - run_start));

  if (!absl::GetFlag(FLAGS_keep_backups)) std::filesystem::remove_all(scratch, ignored);
  bool passed = restore_code == 0;
  for (const AddFigures& f : phases) {
    const double attempted =
        static_cast<double>(f.result.items_ok + f.result.items_failed + f.result.duplicates);
    if (f.result.items_failed + f.result.duplicates > 0.001 * attempted) passed = false;
    for (const auto& [what, count] : f.result.errors) {
      if (what.rfind("bad answer", 0) == 0) passed = false;
    }
  }
  std::printf("%s\n", passed ? "PASS" : "FAIL");
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  // As vitrine-log and vitrine-loadgen: no lock-order graph on gRPC's mutexes.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Times vitrine-log backup (full, then incremental) of a large log while it takes adds, "
      "the adds/s it costs, and vitrine-log restore.\n  backup_bench [--entries=N] [--data=DIR]");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  return vitrine::bench::Run(argv[0]);
}
