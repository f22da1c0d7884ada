// A Google Benchmark reporter that remembers each benchmark's rate so that a
// benchmark program can print ratios between runs measured in the same
// process (for example "compact-range append / raw SHA-256"), which is what
// the targets are stated in: absolute numbers on a shared machine are noisy.
//
//   RatioReporter reporter;
//   benchmark::RunSpecifiedBenchmarks(&reporter);
//   reporter.PrintRatio("BM_Append/300", "BM_RawSha256/300", 0.7);
//   reporter.PrintSideBySide("BM_SodiumVerify", "BM_EvpVerify");
//
// With --benchmark_repetitions, each benchmark's median is used.
//
// Not thread-safe; Google Benchmark calls reporters from one thread.
#ifndef VITRINE_BENCH_RATIO_REPORTER_H_
#define VITRINE_BENCH_RATIO_REPORTER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "benchmark/benchmark.h"

namespace vitrine::bench {

// Initializes Google Benchmark from `args` (argv, possibly filtered) with
// 5 repetitions, random interleaving and aggregates-only reports put first,
// so flags given by the user still override them. The machine is shared: a
// ratio of two benchmarks run minutes apart would measure the neighbours.
void InitializeInterleaved(std::vector<char*> args);

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override;

  // Prints items/s of `name` divided by items/s of `baseline` and whether it
  // meets `at_least`. Returns false when a run is missing or below target.
  bool PrintRatio(absl::string_view name, absl::string_view baseline,
                  double at_least);
  // Prints the same ratio with no target: a figure shown beside the
  // targets (for example one library against another), never a failure.
  void PrintSideBySide(absl::string_view name, absl::string_view baseline);
  // Prints the mean real time per iteration of `name` against a ceiling in
  // nanoseconds. Returns false when missing or above.
  bool PrintTimeCeiling(absl::string_view name, double at_most_ns);

 private:
  struct Figures {
    double items_per_second = 0;
    double real_ns_per_iteration = 0;
  };
  // Returns items/s of `name` / `baseline`, or prints MISSING and returns 0.
  double Ratio(absl::string_view name, absl::string_view baseline) const;

  std::map<std::string, Figures, std::less<>> figures_;
  std::set<std::string> medians_;
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_RATIO_REPORTER_H_
