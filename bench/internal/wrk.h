// Driving wrk (Debian's `wrk`, installed by scripts/setup_bench.sh) from the
// HTTP benchmarks: a Lua script cycling through paths, one run's figures
// parsed from its output, and the median of several rounds.
//
//   WriteWrkScript(dir + "/paths.lua", {"/tile/0/000", "/tile/0/001"});
//   absl::StatusOr<WrkFigures> run = RunWrk({.script = dir + "/paths.lua",
//                                            .port = port});
//
// Not thread-safe: one run at a time.
#ifndef VITRINE_BENCH_INTERNAL_WRK_H_
#define VITRINE_BENCH_INTERNAL_WRK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vitrine::bench {

struct WrkRun {
  std::string binary = "/usr/bin/wrk";
  int threads = 2;
  int connections = 256;  // keep-alive
  int seconds = 10;
  std::string script;  // from WriteWrkScript
  int port = 0;        // on 127.0.0.1
};

struct WrkFigures {
  double gets_per_second = 0;
  uint64_t non_2xx = 0;
  std::string socket_errors;  // wrk's "Socket errors:" line, if any
  std::string latency;        // wrk's "Latency" line
};

// Writes a wrk Lua script that requests `paths` in turn, round and round.
absl::Status WriteWrkScript(const std::string& file,
                            const std::vector<std::string>& paths);

// Runs wrk once; Internal when it cannot start or prints no rate.
absl::StatusOr<WrkFigures> RunWrk(const WrkRun& run);

// The median of `values` (the upper one of an even count); 0 for none.
double Median(std::vector<double> values);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_WRK_H_
