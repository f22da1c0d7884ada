// vitrine-loadgen's report: the machine, the flags and each phase's figures,
// as a table for people and as JSON for scripts.
//
//   LoadReport report;
//   report.machine = DescribeMachine();
//   report.flags = {{"clients", "32"}, ...};
//   report.phases.push_back({"adds", adds, Summarize(adds.latencies_ms)});
//   std::fputs(FormatTable(report).c_str(), stdout);
//   WriteJson(report, "out.json");
//
// Thread-safety: plain functions over values; thread-safe.
#ifndef VITRINE_BENCH_INTERNAL_LOAD_REPORT_H_
#define VITRINE_BENCH_INTERNAL_LOAD_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "bench/internal/load_phases.h"

namespace vitrine::bench {

struct MachineInfo {
  std::string cpu_model;  // /proc/cpuinfo "model name"
  unsigned cores = 0;     // std::thread::hardware_concurrency
  std::string load_average;  // /proc/loadavg's first three fields
};

// Reads the CPU model, core count and current load average.
MachineInfo DescribeMachine();

struct PhaseReport {
  std::string name;  // "adds" or "proofs"
  PhaseResult result;
  LatencySummary latency;  // Summarize(result.latencies_ms)
  // The spawned server's CPU seconds in the phase; < 0 when not known
  // (--target).
  double server_cpu_seconds = -1;
  uint64_t tree_size = 0;  // the log's size when the phase ended
};

struct LoadReport {
  MachineInfo machine_start;
  std::string load_average_end;
  std::string target;  // the gRPC address
  bool spawned = false;
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<PhaseReport> phases;
  bool passed = true;
  std::vector<std::string> failures;  // why passed is false
};

// Returns the report as an aligned text table, one column per phase.
std::string FormatTable(const LoadReport& report);

// Returns "what: count, ..." for a phase's errors, or "none".
std::string FormatErrors(const std::map<std::string, uint64_t>& errors);

// Returns one line for a read phase (proof RPCs): calls/s, p50/p99 latency,
// proofs verified, errors and the client's CPU. Sorts the latencies.
std::string DescribeReadPhase(PhaseResult& result);

// Writes the report as JSON to `path`.
absl::Status WriteJson(const LoadReport& report, const std::string& path);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_LOAD_REPORT_H_
