#include "bench/internal/rebuild_phases.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/internal/child_process.h"
#include "bench/internal/log_metrics.h"
#include "bench/internal/thread_cpu.h"
#include "common/status_macros.h"
#include "log/merkle/hash.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::bench {
namespace {

constexpr char kArtifact[] = "bench-artifact.bin";

std::vector<std::string> Versions(const char* phase, uint64_t run, int count) {
  std::vector<std::string> versions;
  for (int i = 0; i < count; ++i) versions.push_back(absl::StrFormat("%s.%x.%d", phase, run, i));
  return versions;
}

absl::StatusOr<std::vector<vitrine::v1::AddRequest>> Sign(const RebuildBench& bench,
                                                          const std::vector<std::string>& versions,
                                                          int per_request) {
  return PresignStatements(bench.vendors, versions.size(), per_request,
                           [&versions](const std::string& vendor, uint64_t i) {
                             const std::string& version = versions[i];
                             return note::Statement{
                                 vendor, kArtifact, version, merkle::Sha256(version),
                                 absl::StrCat("https://src.example/bench/", version)};
                           });
}

// Waits until every rebuilder's statement about every version was seen;
// DeadlineExceeded at `deadline`.
absl::Status WaitForRebuilds(const RebuildBench& bench, const std::vector<std::string>& versions,
                             absl::Time deadline) {
  size_t next = 0;  // the versions before it are rebuilt by all
  auto rebuilt = [&](const std::string& version) {
    return std::all_of(bench.rebuilders.begin(), bench.rebuilders.end(), [&](const Rebuilder& r) {
      return bench.watcher->RebuildSeen(r.name, version).has_value();
    });
  };
  while (next < versions.size()) {
    if (rebuilt(versions[next])) {
      ++next;
      continue;
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(versions.size() - next, " releases not rebuilt by both in time (watcher: ",
                       bench.watcher->last_error(), ")"));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::OkStatus();
}

// Returns the recipe's time for release `leaf` from a rebuilder's build log,
// whose last line is "vitrine-rebuilder: built: sha256 ... (DURATION)".
std::optional<double> RecipeMs(const Rebuilder& r, uint64_t leaf) {
  std::ifstream in(absl::StrCat(r.data, "/logs/", leaf, ".log"));
  std::optional<double> ms;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("vitrine-rebuilder: built: ", 0) != 0) continue;
    const size_t open = line.rfind('('), close = line.rfind(')');
    absl::Duration duration;
    if (open != std::string::npos && close > open &&
        absl::ParseDuration(line.substr(open + 1, close - open - 1), &duration)) {
      ms = absl::ToDoubleMilliseconds(duration);
    }
  }
  return ms;
}

std::string Percentiles(std::vector<double> ms) {
  if (ms.empty()) return "(none)";
  const LatencySummary s = Summarize(ms);
  return absl::StrFormat("p50 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms (n=%d)", s.p50_ms,
                         s.p99_ms, s.max_ms, s.mean_ms, static_cast<int>(ms.size()));
}

// Sends one Add; returns the leaf index of its first statement.
absl::StatusOr<uint64_t> AddOne(RebuildBench& bench, const vitrine::v1::AddRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  vitrine::v1::AddResponse response;
  const grpc::Status status = bench.target.stubs[0]->Add(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(absl::StrCat("Add: ", status.error_message()));
  if (response.results_size() < 1 || !response.results(0).has_bundle()) {
    return absl::UnavailableError(absl::StrCat("Add refused: ", response.ShortDebugString()));
  }
  return response.results(0).bundle().leaf_index();
}

// One latency release: when it was logged, where, and what the watcher saw.
struct LatencyRelease {
  std::string version;
  absl::Time t0;
  uint64_t leaf = 0;
};

void PrintLatency(const RebuildBench& bench, const std::vector<LatencyRelease>& releases,
                  const std::vector<double>& mean_recipe_ms) {
  const size_t n = bench.rebuilders.size();
  std::vector<double> total, without, without_mean, recipe_last, release_seen;
  std::vector<std::vector<double>> each(n), each_recipe(n);
  for (const LatencyRelease& release : releases) {
    std::optional<absl::Time> t1;
    std::optional<double> recipe;  // the later rebuilder's
    size_t last = 0;
    for (size_t k = 0; k < n; ++k) {
      const std::optional<absl::Time> seen =
          bench.watcher->RebuildSeen(bench.rebuilders[k].name, release.version);
      if (!seen.has_value()) continue;
      const std::optional<double> ms = RecipeMs(bench.rebuilders[k], release.leaf);
      each[k].push_back(absl::ToDoubleMilliseconds(*seen - release.t0));
      if (ms.has_value()) each_recipe[k].push_back(*ms);
      if (!t1.has_value() || *seen > *t1) {
        t1 = seen;
        recipe = ms;
        last = k;
      }
    }
    if (std::optional<absl::Time> seen = bench.watcher->ReleaseSeen(release.version)) {
      release_seen.push_back(absl::ToDoubleMilliseconds(*seen - release.t0));
    }
    if (!t1.has_value()) continue;
    const double ms = absl::ToDoubleMilliseconds(*t1 - release.t0);
    total.push_back(ms);
    without_mean.push_back(ms - mean_recipe_ms[last]);
    if (recipe.has_value()) {
      recipe_last.push_back(*recipe);
      without.push_back(ms - *recipe);
    }
  }
  std::printf("  t0 = Add returned (logged); t1 = the later of the two rebuild statements first "
              "seen by the watcher in a published checkpoint\n");
  std::printf("  t1 - t0:                      %s\n", Percentiles(total).c_str());
  std::printf("  t1 - t0 - recipe, per release (the later rebuilder's build log): %s\n",
              Percentiles(without).c_str());
  std::printf("  t1 - t0 - recipe, mean (the later rebuilder's build_seconds sum/count over the "
              "phase): %s\n",
              Percentiles(without_mean).c_str());
  std::printf("  recipe (the later rebuilder): %s\n", Percentiles(recipe_last).c_str());
  std::printf("  release seen by the watcher - t0 (< 0: the checkpoint came before Add's "
              "answer): %s\n",
              Percentiles(release_seen).c_str());
  for (size_t k = 0; k < n; ++k) {
    std::printf("  %s: its statement seen - t0: %s; recipe: %s (mean %.2f ms)\n",
                bench.rebuilders[k].name.c_str(), Percentiles(each[k]).c_str(),
                Percentiles(each_recipe[k]).c_str(), mean_recipe_ms[k]);
  }
}

// CPU seconds at one moment: the whole machine's busy time, this process's,
// the log's.
struct CpuSample {
  double machine = 0, self = 0, log = 0;
};

CpuSample SampleCpu(const RebuildBench& bench) {
  return {MachineBusyCpuSeconds(), CpuSecondsOf(getpid()), bench.log->CpuSeconds()};
}

// Returns the cores the machine is busy with beyond this benchmark's
// processes over `window` while they are idle: other engineers' work.
double OthersWhileIdle(const RebuildBench& bench, absl::Duration window) {
  auto ours = [&bench] {
    const CpuSample cpu = SampleCpu(bench);
    double seconds = cpu.self + cpu.log;
    for (const Rebuilder& r : bench.rebuilders) {
      seconds += r.child->CpuSeconds() + r.child->RecipeCpuSeconds();
    }
    return std::make_pair(cpu.machine, seconds);
  };
  const auto [machine_before, ours_before] = ours();
  absl::SleepFor(window);
  const auto [machine_after, ours_after] = ours();
  return std::max(0.0, machine_after - machine_before - (ours_after - ours_before)) /
         absl::ToDoubleSeconds(window);
}

// The log's calls answered OK so far (its /metrics).
struct LogCalls {
  double adds = 0, add_seconds = 0, get_entries = 0;
  LogCalls operator-(const LogCalls& o) const {
    return {adds - o.adds, add_seconds - o.add_seconds, get_entries - o.get_entries};
  }
};

LogCalls SampleLogCalls(const RebuildBench& bench) {
  std::map<std::string, double> m = ScrapeMetrics(bench.log->http_address());
  return {m["vitrine_grpc_requests_total{code=\"OK\",method=\"Add\"}"],
          m["vitrine_add_latency_seconds_sum"],
          m["vitrine_grpc_requests_total{code=\"OK\",method=\"GetEntries\"}"]};
}

}  // namespace

RebuilderSample SampleRebuilder(const Rebuilder& rebuilder) {
  const std::map<std::string, double> m = ScrapeMetrics(rebuilder.child->http_address());
  auto get = [&m](const std::string& name) {
    auto it = m.find(name);
    return it == m.end() ? 0.0 : it->second;
  };
  auto rebuilds = [&get](const char* result) {
    return get(absl::StrCat("vitrine_rebuilder_rebuilds_total{result=\"", result, "\"}"));
  };
  RebuilderSample s;
  s.build_sum = get("vitrine_rebuilder_build_seconds_sum");
  s.build_count = get("vitrine_rebuilder_build_seconds_count");
  s.logged_new = get("vitrine_rebuilder_statements_submitted_total{result=\"new\"}");
  s.matches = rebuilds("match");
  s.mismatches = rebuilds("mismatch");
  s.failed = rebuilds("failed") + rebuilds("timeout");
  s.daemon_cpu = rebuilder.child->CpuSeconds();
  s.recipe_cpu = rebuilder.child->RecipeCpuSeconds();
  return s;
}

absl::Status RunWarmUp(RebuildBench& bench, int releases) {
  const std::vector<std::string> versions = Versions("warm", bench.run, releases);
  VITRINE_ASSIGN_OR_RETURN(const std::vector<vitrine::v1::AddRequest> requests,
                           Sign(bench, versions, releases));
  const absl::Time start = absl::Now();
  VITRINE_RETURN_IF_ERROR(AddOne(bench, requests[0]).status());
  VITRINE_RETURN_IF_ERROR(WaitForRebuilds(bench, versions, start + bench.phase_timeout));
  std::printf("warm-up: %d releases in one Add, both rebuilders logged theirs after %.0f ms\n",
              releases, absl::ToDoubleMilliseconds(absl::Now() - start));
  return absl::OkStatus();
}

absl::Status RunLatency(RebuildBench& bench, const LatencyOptions& options) {
  const std::vector<std::string> versions = Versions("lat", bench.run, options.releases);
  VITRINE_ASSIGN_OR_RETURN(const std::vector<vitrine::v1::AddRequest> requests,
                           Sign(bench, versions, 1));
  std::vector<RebuilderSample> before;
  for (const Rebuilder& r : bench.rebuilders) before.push_back(SampleRebuilder(r));
  std::vector<LatencyRelease> releases;
  const absl::Time start = absl::Now();
  for (int i = 0; i < options.releases; ++i) {
    const absl::Time due = start + absl::Seconds(i / options.per_second);
    if (due > absl::Now()) absl::SleepFor(due - absl::Now());
    VITRINE_ASSIGN_OR_RETURN(const uint64_t leaf, AddOne(bench, requests[i]));
    releases.push_back({versions[i], absl::Now(), leaf});
  }
  const absl::Time sent = absl::Now();
  const absl::Status complete = WaitForRebuilds(bench, versions, sent + bench.phase_timeout);
  std::vector<double> mean_recipe_ms;
  for (size_t k = 0; k < bench.rebuilders.size(); ++k) {
    const RebuilderSample after = SampleRebuilder(bench.rebuilders[k]);
    const double builds = after.build_count - before[k].build_count;
    mean_recipe_ms.push_back(builds > 0 ? 1000 * (after.build_sum - before[k].build_sum) / builds
                                        : 0);
  }
  std::printf("\nlatency: %d releases, one per Add, at %.0f/s (%.1f s of Adds)%s\n",
              options.releases, options.per_second, absl::ToDoubleSeconds(sent - start),
              complete.ok() ? "" : absl::StrCat("; ", complete.ToString()).c_str());
  PrintLatency(bench, releases, mean_recipe_ms);
  std::fflush(stdout);
  return complete;
}

absl::Status RunThroughput(RebuildBench& bench, const ThroughputOptions& options) {
  const int count = options.releases;
  const std::vector<std::string> versions = Versions("tp", bench.run, count);
  VITRINE_ASSIGN_OR_RETURN(const std::vector<vitrine::v1::AddRequest> requests,
                           Sign(bench, versions, options.per_add));
  const double others_idle = OthersWhileIdle(bench, absl::Seconds(3));
  std::vector<RebuilderSample> before;
  for (const Rebuilder& r : bench.rebuilders) before.push_back(SampleRebuilder(r));
  const CpuSample cpu_before = SampleCpu(bench);
  const CommitMetrics commits_before = ScrapeCommitMetrics(bench.log->http_address());
  const LogCalls calls_before = SampleLogCalls(bench);
  const uint64_t size_before = TreeSize(bench.target).value_or(0);

  AddPhaseOptions add_options;
  add_options.clients = options.clients;
  add_options.log_key = bench.log->verifier_key();
  add_options.log_origin = bench.log->origin();
  const absl::Time start = absl::Now();
  const PhaseResult adds = RunAddPhase(bench.target, requests, add_options);
  const absl::Time added = absl::Now();
  // Done by each rebuilder's own count (its /metrics, polled every 100 ms).
  std::vector<double> metrics_done(bench.rebuilders.size(), -1);
  const absl::Time deadline = added + bench.phase_timeout;
  while (absl::Now() < deadline &&
         std::find(metrics_done.begin(), metrics_done.end(), -1) != metrics_done.end()) {
    for (size_t k = 0; k < bench.rebuilders.size(); ++k) {
      if (metrics_done[k] < 0 &&
          SampleRebuilder(bench.rebuilders[k]).logged_new - before[k].logged_new >= count) {
        metrics_done[k] = absl::ToDoubleSeconds(absl::Now() - start);
      }
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  const absl::Status complete = WaitForRebuilds(bench, versions, deadline);
  const absl::Time ended = absl::Now();
  const CpuSample cpu_after = SampleCpu(bench);
  const CommitFigures commits =
      CommitsBetween(commits_before, ScrapeCommitMetrics(bench.log->http_address()));
  const LogCalls calls = SampleLogCalls(bench) - calls_before;
  const uint64_t size_after = TreeSize(bench.target).value_or(0);

  std::printf("\nthroughput: %d releases in Adds of %d (%d at a time): logged in %.2f s "
              "(%.0f/s; %llu ok, %llu failed, %llu duplicates)%s\n",
              count, options.per_add, options.clients, adds.seconds,
              static_cast<double>(adds.items_ok) / std::max(1e-9, adds.seconds),
              static_cast<unsigned long long>(adds.items_ok),
              static_cast<unsigned long long>(adds.items_failed),
              static_cast<unsigned long long>(adds.duplicates),
              complete.ok() ? "" : absl::StrCat("; ", complete.ToString()).c_str());
  double last_done = 0, builds_total = 0, rebuilders_cpu = 0;
  for (size_t k = 0; k < bench.rebuilders.size(); ++k) {
    const Rebuilder& r = bench.rebuilders[k];
    absl::Time first = absl::InfiniteFuture(), done = absl::InfinitePast();
    for (const std::string& version : versions) {
      if (std::optional<absl::Time> seen = bench.watcher->RebuildSeen(r.name, version)) {
        first = std::min(first, *seen);
        done = std::max(done, *seen);
      }
    }
    const RebuilderSample after = SampleRebuilder(r);
    const double wall = std::max(1e-9, absl::ToDoubleSeconds(done - start));
    const double builds = after.build_count - before[k].build_count;
    const double recipe = after.build_sum - before[k].build_sum;
    const double daemon_cpu = after.daemon_cpu - before[k].daemon_cpu;
    const double recipe_cpu = after.recipe_cpu - before[k].recipe_cpu;
    last_done = std::max(last_done, wall);
    builds_total += builds;
    rebuilders_cpu += daemon_cpu + recipe_cpu;
    std::printf("  %s: %.0f rebuilds (%.0f match, %.0f mismatch, %.0f failed), %.0f statements "
                "logged (its /metrics; done there at %.1f s); its rebuild statements seen from "
                "%.2f s to %.2f s after the first Add: %.0f rebuilds/s\n",
                r.name.c_str(), builds, after.matches - before[k].matches,
                after.mismatches - before[k].mismatches, after.failed - before[k].failed,
                after.logged_new - before[k].logged_new, metrics_done[k],
                absl::ToDoubleSeconds(first - start), wall, count / wall);
    std::printf("    recipe (spawn to reap): %.2f s in all, %.2f ms each, %.0f%% of the wall "
                "time; CPU %.3f ms per release in the daemon, %.3f ms in the recipe (%.2f + "
                "%.2f cores)\n",
                recipe, 1000 * recipe / std::max(1.0, builds), 100 * recipe / wall,
                1000 * daemon_cpu / std::max(1.0, builds),
                1000 * recipe_cpu / std::max(1.0, builds), daemon_cpu / wall, recipe_cpu / wall);
  }
  const double wall = absl::ToDoubleSeconds(ended - start);
  const double log_cpu = cpu_after.log - cpu_before.log;
  const double self_cpu = cpu_after.self - cpu_before.self;
  const double machine_cpu = cpu_after.machine - cpu_before.machine;
  std::printf("  overall: %.0f rebuild statements logged %.2f s after the first Add: %.0f "
              "rebuilds/s (both rebuilders); the Adds took the first %.2f s\n",
              builds_total, last_done, builds_total / std::max(1e-9, last_done),
              absl::ToDoubleSeconds(added - start));
  std::printf("  CPU over %.1f s (cores): log %.2f, rebuilders with their recipes %.2f, this "
              "benchmark (Adds, watcher, polling) %.2f, the rest of the machine %.2f (kernel "
              "threads, other engineers, and with bwrap the sandbox's inner processes, which "
              "no rebuilder reaps itself; %.2f in the 3 s before, all of ours idle); busy %.2f "
              "of %u\n",
              wall, log_cpu / wall, rebuilders_cpu / wall, self_cpu / wall,
              std::max(0.0, machine_cpu - log_cpu - rebuilders_cpu - self_cpu) / wall,
              others_idle, machine_cpu / wall, std::thread::hardware_concurrency());
  std::printf("  log: tree %llu -> %llu; %.0f commits (synced batches), %.1f entries each, "
              "mean %.1f ms, p99 bucket <= %.0f ms\n",
              static_cast<unsigned long long>(size_before),
              static_cast<unsigned long long>(size_after), commits.commits,
              commits.entries_per_commit, commits.mean_ms, commits.p99_ms);
  const double rebuilder_adds = calls.adds - static_cast<double>(requests.size());
  std::printf("  log: %.0f Add calls from the rebuilders (%.1f statements each), Add mean %.1f ms "
              "on the log (all Adds); %.0f GetEntries calls (rebuilders and watcher)\n",
              rebuilder_adds, builds_total / std::max(1.0, rebuilder_adds),
              calls.adds > 0 ? 1000 * calls.add_seconds / calls.adds : 0.0, calls.get_entries);
  std::fflush(stdout);
  return complete;
}

std::string StderrTroubles(const Rebuilder& rebuilder) {
  std::ifstream in(rebuilder.child->stderr_path());
  std::map<std::string, int> counts;
  for (std::string line; std::getline(in, line);) {
    for (const char* what : {"ALARM", "rebuild failed", "submit:", "worker:", "not rebuilding"}) {
      if (line.find(what) != std::string::npos) ++counts[what];
    }
  }
  if (counts.empty()) return "none";
  std::vector<std::string> parts;
  for (const auto& [what, n] : counts) parts.push_back(absl::StrCat(n, " x '", what, "'"));
  return absl::StrJoin(parts, ", ");
}

}  // namespace vitrine::bench
