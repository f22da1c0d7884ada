// Independent rebuilders (issue 15): from a release being logged to both
// rebuild statements being logged, without the recipe's own time, and the
// rebuilders' throughput with a no-op recipe.
//
//   bazel run -c opt --jobs=2 //bench:rebuilder_bench -- [--sandbox=off]
//       [--latency_releases=300] [--latency_rate=10]
//       [--throughput_releases=10000] [--batch_delay_ms=50]
//       [--poll_interval_ms=100] [--timeout=30m]
//
// What runs, all children of this process on loopback, in a fresh folder
// under $TMPDIR (or /tmp) removed at the end:
//   - a real vitrine-log (log_child.h) with one generated vendor key and the
//     two rebuilders' keys registered (<data>/rebuilders, written before
//     serve), vendor and rebuilder rate limits raised;
//   - two vitrine-rebuilder processes (rebuilder_child.h; `init`, then
//     `serve --vendor=<the vendor> --sandbox=... --batch_delay_ms=...
//     --poll_interval_ms=...`), each following the log, with the no-op
//     recipe below;
//   - a watcher (rebuild_watcher.h) following the log from outside, which
//     stamps when each release and rebuild statement first appears in a
//     checkpoint the log publishes.
// Every release names a distinct version V, its sha256 is SHA-256(V), and
// the recipe writes V to the artifact, so every rebuild matches:
//   printf %s "$VITRINE_VERSION" > "$VITRINE_OUTPUT/$VITRINE_ARTIFACT"
//
// Phases (statements signed before each, presigned.h):
//   warm-up     a few releases, until both rebuilders logged theirs;
//   latency     --latency_releases Adds of one release, one at a time at
//               --latency_rate/s. t0 = when Add returned (the release is
//               logged); t1 = when the watcher first saw the later of the
//               two rebuild statements. The recipe's time is taken per
//               release from the build log of the rebuilder that came last
//               (<data>/logs/<leaf>.log: "built: ... (DURATION)", the
//               runner's spawn-to-reap time), and, as a check, as that
//               rebuilder's mean over the phase (vitrine_rebuilder_
//               build_seconds sum / count).
//   throughput  --throughput_releases releases in Adds of --per_add, as fast
//               as the log takes them; from the first Add until each
//               rebuilder's last rebuild statement is seen. Rebuilds/s per
//               rebuilder and overall, the recipe's share (build_seconds sum
//               over the wall time), CPU by process, the log's commits.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/child_process.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "bench/internal/log_child.h"
#include "bench/internal/log_metrics.h"
#include "bench/internal/presigned.h"
#include "bench/internal/rebuild_phases.h"
#include "bench/internal/rebuild_watcher.h"
#include "bench/internal/rebuilder_child.h"

ABSL_FLAG(int, latency_releases, 300, "releases of the latency phase (0: skip it)");
ABSL_FLAG(double, latency_rate, 10, "releases per second in the latency phase, one Add each");
ABSL_FLAG(int, throughput_releases, 10000, "releases of the throughput phase (0: skip it)");
ABSL_FLAG(int, per_add, 1000, "statements per Add in the throughput phase (the log takes 1000)");
ABSL_FLAG(int, add_clients, 2, "concurrent Adds in the throughput phase");
ABSL_FLAG(std::string, sandbox, "off", "the rebuilders' --sandbox: off, auto or on");
ABSL_FLAG(int, batch_delay_ms, 50, "the rebuilders' --batch_delay_ms");
ABSL_FLAG(int, batch_size, 100, "the rebuilders' --batch_size");
ABSL_FLAG(int, poll_interval_ms, 100, "the rebuilders' --poll_interval_ms");
ABSL_FLAG(int, log_batch_delay_ms, 1, "the log's --batch_delay_ms (group commit wait)");
ABSL_FLAG(absl::Duration, phase_timeout, absl::Minutes(15),
          "give up waiting for a phase's rebuilds this long after its last Add");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(40),
          "the whole run; past it the children are stopped, the folder removed, exit 3");
ABSL_FLAG(bool, keep, false, "keep the temp folder (the log, build logs, the rebuilders' stderr)");
ABSL_FLAG(std::string, log_binary, "", "vitrine-log; default: the one in the runfiles");
ABSL_FLAG(std::string, rebuilder_binary, "", "vitrine-rebuilder; default: the one in the runfiles");

namespace vitrine::bench {
namespace {

constexpr int kWarmUpReleases = 4;

// What is left to clean up when the run dies or overruns --timeout.
struct Cleanup {
  absl::Mutex mu;
  std::string root;
  std::vector<pid_t> pids;
};
Cleanup& TheCleanup() {
  static Cleanup* cleanup = new Cleanup();
  return *cleanup;
}

void Track(pid_t pid) {
  absl::MutexLock lock(&TheCleanup().mu);
  TheCleanup().pids.push_back(pid);
}

// Stops the children (SIGTERM, 3 s) and removes the temp folder.
void CleanUpNow() {
  Cleanup& cleanup = TheCleanup();
  absl::MutexLock lock(&cleanup.mu);
  for (pid_t pid : cleanup.pids) kill(pid, SIGTERM);
  absl::SleepFor(absl::Seconds(3));
  std::error_code ignored;
  if (!cleanup.root.empty()) std::filesystem::remove_all(cleanup.root, ignored);
}

[[noreturn]] void Die(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "rebuilder_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::fflush(stdout);
  if (!absl::GetFlag(FLAGS_keep)) CleanUpNow();
  std::_Exit(1);
}

std::string Binary(const char* argv0, const std::string& flag, const char* path) {
  return flag.empty() ? RunfilesBinary(argv0, path) : flag;
}

// Makes both rebuilders' keys; returns their verifier keys.
std::vector<std::string> InitRebuilders(RebuildBench& bench, const std::string& root,
                                        const std::string& binary) {
  std::vector<std::string> keys;
  for (int k = 1; k <= 2; ++k) {
    Rebuilder r{absl::StrCat("bench.example/rebuilder-", k), absl::StrCat(root, "/r", k),
                nullptr};
    absl::StatusOr<std::string> vkey = RebuilderChild::Init(binary, r.data, r.name);
    if (!vkey.ok()) Die("vitrine-rebuilder init", vkey.status());
    keys.push_back(*vkey);
    bench.rebuilders.push_back(std::move(r));
  }
  return keys;
}

// Starts the rebuilders and waits until each follows the log's stream.
void StartRebuilders(RebuildBench& bench, const std::string& binary,
                     const std::vector<std::string>& rebuilder_keys) {
  RebuilderChildOptions options;
  options.binary = binary;
  options.log_address = bench.log->grpc_address();
  options.log_key = bench.log->verifier_key();
  options.vendors = {bench.vendors.signers[0]->Name()};
  options.vendor_keys = bench.vendors.verifier_keys;
  options.rebuilder_keys = rebuilder_keys;
  options.recipe = kNoOpRecipe;
  options.serve_flags = {
      "--sandbox=" + absl::GetFlag(FLAGS_sandbox),
      absl::StrCat("--batch_delay_ms=", absl::GetFlag(FLAGS_batch_delay_ms)),
      absl::StrCat("--batch_size=", absl::GetFlag(FLAGS_batch_size)),
      absl::StrCat("--poll_interval_ms=", absl::GetFlag(FLAGS_poll_interval_ms))};
  for (Rebuilder& r : bench.rebuilders) {
    options.data = r.data;
    absl::StatusOr<std::unique_ptr<RebuilderChild>> child = RebuilderChild::Spawn(options);
    if (!child.ok()) Die("starting " + r.name, child.status());
    r.child = *std::move(child);
    Track(r.child->pid());
  }
  const std::string watching =
      absl::StrCat("vitrine_rebuilder_watching{origin=\"", bench.log->origin(), "\"}");
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (const Rebuilder& r : bench.rebuilders) {
    while (ScrapeMetrics(r.child->http_address())[watching] != 1) {
      if (absl::Now() > deadline) Die(r.name, absl::DeadlineExceededError("not watching the log"));
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  std::printf("rebuilders: %s, %s; sandbox: %s\nrecipe: %s\n",
              bench.rebuilders[0].name.c_str(), bench.rebuilders[1].name.c_str(),
              bench.rebuilders[0].child->sandbox().c_str(), kNoOpRecipe);
  std::printf("rebuilder options: --sandbox=%s --batch_delay_ms=%d --batch_size=%d "
              "--poll_interval_ms=%d (the rest at their defaults: max_pending 1000, "
              "entries_per_fetch 1000)\nthe log: --batch_delay_ms=%d (group commit), vendor and "
              "rebuilder rate limits 1,000,000/s\n",
              absl::GetFlag(FLAGS_sandbox).c_str(), absl::GetFlag(FLAGS_batch_delay_ms),
              absl::GetFlag(FLAGS_batch_size), absl::GetFlag(FLAGS_poll_interval_ms),
              absl::GetFlag(FLAGS_log_batch_delay_ms));
}

// Stops the watcher and every child; returns whether all stopped cleanly.
bool StopAll(RebuildBench& bench) {
  bool clean = true;
  bench.watcher->Stop();
  for (Rebuilder& r : bench.rebuilders) {
    if (absl::Status stopped = r.child->Stop(); !stopped.ok()) {
      std::printf("%s: %s\n", r.name.c_str(), stopped.ToString().c_str());
      clean = false;
    }
  }
  if (absl::Status stopped = bench.log->Stop(); !stopped.ok()) {
    std::printf("vitrine-log: %s\n", stopped.ToString().c_str());
    clean = false;
  }
  return clean;
}

int Run(const char* argv0) {
  std::thread([timeout = absl::GetFlag(FLAGS_timeout)] {
    absl::SleepFor(timeout);
    std::fprintf(stderr, "rebuilder_bench: past --timeout; stopping the children\n");
    CleanUpNow();
    std::_Exit(3);
  }).detach();
  const absl::Time run_start = absl::Now();
  const MachineInfo machine = DescribeMachine();
  std::printf("rebuilder_bench: %u x %s; load average %s at start\n", machine.cores,
              machine.cpu_model.c_str(), machine.load_average.c_str());

  const char* tmp = std::getenv("TMPDIR");
  std::string root =
      absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/vitrine-rebuilder-bench-XXXXXX");
  if (mkdtemp(root.data()) == nullptr) Die("mkdtemp", absl::InternalError(std::strerror(errno)));
  {
    absl::MutexLock lock(&TheCleanup().mu);
    TheCleanup().root = root;
  }
  RebuildBench bench;
  bench.run = absl::Uniform<uint32_t>(absl::BitGen());
  bench.phase_timeout = absl::GetFlag(FLAGS_phase_timeout);
  absl::StatusOr<Vendors> vendors = LoadVendors("", 1);
  if (!vendors.ok()) Die("vendor key", vendors.status());
  bench.vendors = *std::move(vendors);
  const std::string rebuilder_binary =
      Binary(argv0, absl::GetFlag(FLAGS_rebuilder_binary), "rebuilder/vitrine-rebuilder");
  const std::vector<std::string> rebuilder_keys = InitRebuilders(bench, root, rebuilder_binary);

  LogChildOptions log_options;
  log_options.binary = Binary(argv0, absl::GetFlag(FLAGS_log_binary), "log/server/vitrine-log");
  log_options.data = root + "/log";
  log_options.vendor_keys = bench.vendors.verifier_keys;
  log_options.rebuilder_keys = rebuilder_keys;
  log_options.serve_flags = {
      absl::StrCat("--batch_delay_ms=", absl::GetFlag(FLAGS_log_batch_delay_ms))};
  absl::StatusOr<std::unique_ptr<LogChild>> log = LogChild::Spawn(log_options);
  if (!log.ok()) Die("starting vitrine-log", log.status());
  Track((*log)->pid());
  bench.log = log->get();
  bench.target = ConnectLoadTarget(bench.log->grpc_address(), 1);
  absl::StatusOr<std::unique_ptr<RebuildWatcher>> watcher =
      RebuildWatcher::Start(bench.log->grpc_address(), 0);
  if (!watcher.ok()) Die("watcher", watcher.status());
  bench.watcher = *std::move(watcher);
  std::printf("log: %s, data in %s; vendor %s\n", bench.log->grpc_address().c_str(),
              root.c_str(), bench.vendors.signers[0]->Name().c_str());
  StartRebuilders(bench, rebuilder_binary, rebuilder_keys);

  if (absl::Status warm = RunWarmUp(bench, kWarmUpReleases); !warm.ok()) Die("warm-up", warm);
  if (absl::GetFlag(FLAGS_latency_releases) > 0) {
    absl::Status latency = RunLatency(
        bench, {absl::GetFlag(FLAGS_latency_releases), absl::GetFlag(FLAGS_latency_rate)});
    if (!latency.ok()) Die("latency", latency);
  }
  if (absl::GetFlag(FLAGS_throughput_releases) > 0) {
    absl::Status throughput =
        RunThroughput(bench, {absl::GetFlag(FLAGS_throughput_releases),
                              absl::GetFlag(FLAGS_per_add), absl::GetFlag(FLAGS_add_clients)});
    if (!throughput.ok()) Die("throughput", throughput);
  }

  bool passed = true;
  std::printf("\n");
  for (const Rebuilder& r : bench.rebuilders) {
    const RebuilderSample s = SampleRebuilder(r);
    if (s.mismatches > 0 || s.failed > 0) passed = false;
    std::printf("%s: stderr lines beyond the routine: %s\n", r.name.c_str(),
                StderrTroubles(r).c_str());
  }
  const std::string load_end = DescribeMachine().load_average;
  passed = StopAll(bench) && passed;
  std::error_code ignored;
  if (absl::GetFlag(FLAGS_keep)) {
    std::printf("kept %s\n", root.c_str());
  } else {
    std::filesystem::remove_all(root, ignored);
  }
  std::printf("load average at end %s; whole run %.0f s\n%s\n", load_end.c_str(),
              absl::ToDoubleSeconds(absl::Now() - run_start), passed ? "PASS" : "FAIL");
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  // As vitrine-log: no lock-order graph on gRPC's mutexes.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Times two vitrine-rebuilders with a no-op recipe against a real vitrine-log: release "
      "logged to both rebuild statements logged, and rebuilds/s.\n  rebuilder_bench [--sandbox=off]");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  return vitrine::bench::Run(argv[0]);
}
