#include "bench/ratio_reporter.h"

#include <cstdio>

namespace vitrine::bench {

void InitializeInterleaved(std::vector<char*> args) {
  static char repetitions[] = "--benchmark_repetitions=5";
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  static char aggregates[] = "--benchmark_report_aggregates_only=true";
  args.insert(args.begin() + (args.empty() ? 0 : 1),
              {repetitions, interleave, aggregates});
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
}

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run& run : runs) {
    if (run.error_occurred) continue;
    // With repetitions, the median of the repetitions stands for the
    // benchmark; single runs are kept only when no median comes.
    const bool median =
        run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
    if (run.run_type == Run::RT_Aggregate && !median) continue;
    const std::string name = run.run_name.str();
    if (!median && medians_.count(name) > 0) continue;
    if (median) medians_.insert(name);
    Figures& f = figures_[name];
    auto items = run.counters.find("items_per_second");
    if (items != run.counters.end()) f.items_per_second = items->second;
    f.real_ns_per_iteration =
        run.GetAdjustedRealTime() *
        (run.time_unit == benchmark::kNanosecond    ? 1
         : run.time_unit == benchmark::kMicrosecond ? 1e3
         : run.time_unit == benchmark::kMillisecond ? 1e6
                                                    : 1e9);
  }
}

double RatioReporter::Ratio(absl::string_view name,
                            absl::string_view baseline) const {
  auto a = figures_.find(name);
  auto b = figures_.find(baseline);
  if (a == figures_.end() || b == figures_.end() ||
      a->second.items_per_second == 0 || b->second.items_per_second == 0) {
    std::printf("ratio %.*s / %.*s: MISSING (run both in one process)\n",
                static_cast<int>(name.size()), name.data(),
                static_cast<int>(baseline.size()), baseline.data());
    return 0;
  }
  const double ratio = a->second.items_per_second / b->second.items_per_second;
  std::printf("ratio %s / %s = %.3f (%.0f / %.0f items/s)", a->first.c_str(),
              b->first.c_str(), ratio, a->second.items_per_second,
              b->second.items_per_second);
  return ratio;
}

bool RatioReporter::PrintRatio(absl::string_view name,
                               absl::string_view baseline, double at_least) {
  const double ratio = Ratio(name, baseline);
  if (ratio == 0) return false;
  const bool ok = ratio >= at_least;
  std::printf("; target >= %.2f: %s\n", at_least, ok ? "met" : "NOT MET");
  return ok;
}

void RatioReporter::PrintSideBySide(absl::string_view name,
                                    absl::string_view baseline) {
  if (Ratio(name, baseline) != 0) std::printf("; no target\n");
}

bool RatioReporter::PrintTimeCeiling(absl::string_view name,
                                     double at_most_ns) {
  auto a = figures_.find(name);
  if (a == figures_.end()) {
    std::printf("%.*s: MISSING\n", static_cast<int>(name.size()), name.data());
    return false;
  }
  bool ok = a->second.real_ns_per_iteration <= at_most_ns;
  std::printf("%s = %.0f ns per call; target <= %.0f ns: %s\n",
              a->first.c_str(), a->second.real_ns_per_iteration, at_most_ns,
              ok ? "met" : "NOT MET");
  return ok;
}

}  // namespace vitrine::bench
