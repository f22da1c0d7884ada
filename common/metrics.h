// Counters, gauges and histograms for the servers' /metrics endpoints, rendered
// in the Prometheus text exposition format (version 0.0.4).
//
//   MetricsRegistry metrics;
//   Counter& added = metrics.GetCounter(
//       "vitrine_statements_total", "Statements submitted, by result.",
//       {{"code", "OK"}});
//   added.Increment();
//   Histogram& latency = metrics.GetHistogram(
//       "vitrine_add_latency_seconds", "Submit to durable acknowledgement.",
//       {}, Histogram::LatencyBuckets());
//   latency.Observe(0.004);
//   std::string text = metrics.RenderPrometheus();
//
// Thread-safety: everything is thread-safe. Get* returns a reference that
// stays valid for the registry's lifetime, so hot paths look a metric up
// once and then only touch atomics.
#ifndef VITRINE_COMMON_METRICS_H_
#define VITRINE_COMMON_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vitrine {

// Label name -> value, e.g. {{"method", "Add"}, {"code", "OK"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  // Raises the value to `total` when it is below it, else leaves it: for a
  // count kept elsewhere (a component's statistics, read at each scrape).
  void RaiseTo(uint64_t total);
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // Upper bounds of the buckets, ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  // 100 us .. 10 s, roughly x2.5 apart: request latencies.
  static std::vector<double> LatencyBuckets();
  // 1 .. 65536, powers of 4: batch sizes.
  static std::vector<double> SizeBuckets();

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then the +Inf count; and the sum.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

class MetricsRegistry {
 public:
  // Out of line: Family is defined only in metrics.cc.
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Returns the metric named `name` with `labels`, creating it on first use.
  // `help` is kept from the first call. Names and labels are the caller's
  // constants (not user input); label values are escaped when rendered.
  Counter& GetCounter(absl::string_view name, absl::string_view help,
                      const Labels& labels = {});
  Gauge& GetGauge(absl::string_view name, absl::string_view help,
                  const Labels& labels = {});
  Histogram& GetHistogram(absl::string_view name, absl::string_view help,
                          const Labels& labels, std::vector<double> bounds);
  // Sets the counter named `name` with `labels` to `total`, a count kept
  // elsewhere since the process started (a component's statistics, copied
  // at each scrape): GetCounter(name, help, labels).RaiseTo(total). A
  // counter never goes down: a smaller `total` leaves it as it is.
  void SetCounter(absl::string_view name, absl::string_view help,
                  const Labels& labels, uint64_t total);

  // Renders every metric, grouped by name with one # HELP and # TYPE line.
  std::string RenderPrometheus() const;

 private:
  struct Family;
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_METRICS_H_
