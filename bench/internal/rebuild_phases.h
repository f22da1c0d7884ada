// The timed phases of rebuilder_bench (issue 15), over a running vitrine-log,
// two vitrine-rebuilders with a no-op recipe and a RebuildWatcher: each
// signs its releases first, sends them, waits for both rebuild statements
// of every release, and prints its figures on stdout.
//
//   RebuildBench bench;    // children started, watcher following the log
//   VITRINE_RETURN_IF_ERROR(RunWarmUp(bench, 4));
//   VITRINE_RETURN_IF_ERROR(RunLatency(bench, {300, 10.0}));
//   VITRINE_RETURN_IF_ERROR(RunThroughput(bench, {10000, 1000, 2}));
//
// Every release names its own version V, its sha256 is SHA-256(V), and the
// recipe (kNoOpRecipe) writes V to the artifact, so every rebuild matches.
// Thread-safety: run one phase at a time, from one thread.
#ifndef VITRINE_BENCH_INTERNAL_REBUILD_PHASES_H_
#define VITRINE_BENCH_INTERNAL_REBUILD_PHASES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/log_child.h"
#include "bench/internal/presigned.h"
#include "bench/internal/rebuild_watcher.h"
#include "bench/internal/rebuilder_child.h"

namespace vitrine::bench {

// Writes the release's version to the artifact it names: the cheapest
// recipe that rebuilds every benchmark release to its digest.
inline constexpr char kNoOpRecipe[] =
    R"(printf %s "$VITRINE_VERSION" > "$VITRINE_OUTPUT/$VITRINE_ARTIFACT")";

struct Rebuilder {
  std::string name;  // its key's name, the rebuild statements' rebuilder line
  std::string data;  // its data folder (build logs in <data>/logs)
  std::unique_ptr<RebuilderChild> child;
};

// The running parts the phases use; not owned unless a unique_ptr.
struct RebuildBench {
  uint64_t run = 0;  // makes this run's versions unique
  Vendors vendors;   // the releases are signed by the first
  LogChild* log = nullptr;
  LoadTarget target;  // one connection to the log
  std::unique_ptr<RebuildWatcher> watcher;
  std::vector<Rebuilder> rebuilders;
  // How long a phase waits for its rebuild statements after its Adds.
  absl::Duration phase_timeout = absl::Minutes(15);
};

// A rebuilder's counters at one moment (its /metrics and /proc).
struct RebuilderSample {
  double build_sum = 0, build_count = 0;  // vitrine_rebuilder_build_seconds
  double logged_new = 0;  // statements the log answered as new
  double matches = 0, mismatches = 0, failed = 0;  // failed: failed + timeout
  // CPU seconds; recipe_cpu is what the daemon reaped (bwrap's inner
  // processes are reaped inside its pid namespace and do not count).
  double daemon_cpu = 0, recipe_cpu = 0;
};
RebuilderSample SampleRebuilder(const Rebuilder& rebuilder);

// Sends `releases` releases in one Add and waits for their rebuilds.
// DeadlineExceeded when they do not come within phase_timeout.
absl::Status RunWarmUp(RebuildBench& bench, int releases);

struct LatencyOptions {
  int releases = 300;
  double per_second = 10;  // one release per Add, at this rate
};
// Times release logged (Add returned) to both rebuild statements seen, with
// and without the recipe's time (the build log's, per release; and the
// phase's mean from /metrics). Unavailable when an Add fails.
absl::Status RunLatency(RebuildBench& bench, const LatencyOptions& options);

struct ThroughputOptions {
  int releases = 10000;
  int per_add = 1000;
  int clients = 2;  // concurrent Adds
};
// Sends the releases as fast as the log takes them and times until each
// rebuilder's last rebuild statement is seen: rebuilds/s, the recipe's
// share of the time, CPU by process, the log's commits.
absl::Status RunThroughput(RebuildBench& bench, const ThroughputOptions& options);

// Counts a rebuilder's stderr lines that are not routine (alarms, failed
// rebuilds, submit and worker errors): "none" when there are none.
std::string StderrTroubles(const Rebuilder& rebuilder);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_REBUILD_PHASES_H_
