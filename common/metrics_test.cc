#include "common/metrics.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

using ::testing::ElementsAre;

TEST(MetricsTest, EmptyRegistryRendersNothing) {
  MetricsRegistry metrics;
  EXPECT_EQ(metrics.RenderPrometheus(), "");
}

TEST(MetricsTest, CountersRenderAsIntegersGroupedByName) {
  MetricsRegistry metrics;
  metrics.GetCounter("vitrine_b_total", "B things.", {{"code", "OK"}})
      .Increment(3);
  metrics
      .GetCounter("vitrine_b_total", "ignored later help",
                  {{"code", "INVALID_ARGUMENT"}})
      .Increment();
  // Big enough that a double would print it in exponent form.
  metrics.GetCounter("vitrine_a_total", "A things.").Increment(12345678901ULL);
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP vitrine_a_total A things.\n"
            "# TYPE vitrine_a_total counter\n"
            "vitrine_a_total 12345678901\n"
            "# HELP vitrine_b_total B things.\n"
            "# TYPE vitrine_b_total counter\n"
            "vitrine_b_total{code=\"INVALID_ARGUMENT\"} 1\n"
            "vitrine_b_total{code=\"OK\"} 3\n");
}

TEST(MetricsTest, SetCounterFollowsATotalAndNeverGoesDown) {
  MetricsRegistry metrics;
  metrics.SetCounter("s_total", "S.", {{"k", "v"}}, 5);
  metrics.SetCounter("s_total", "S.", {{"k", "v"}}, 7);
  Counter& counter = metrics.GetCounter("s_total", "S.", {{"k", "v"}});
  EXPECT_EQ(counter.value(), 7u);
  metrics.SetCounter("s_total", "S.", {{"k", "v"}}, 3);  // a restarted part
  EXPECT_EQ(counter.value(), 7u);
  counter.RaiseTo(7);
  EXPECT_EQ(counter.value(), 7u);
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP s_total S.\n"
            "# TYPE s_total counter\n"
            "s_total{k=\"v\"} 7\n");
}

TEST(MetricsTest, ConcurrentRaisesKeepTheLargest) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&counter, t] {
      for (uint64_t i = 0; i < 1000; ++i) counter.RaiseTo(i * 8 + t);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(counter.value(), 999u * 8 + 7);
}

TEST(MetricsTest, SameLabelsReturnTheSameMetricWhateverTheirOrder) {
  MetricsRegistry metrics;
  Counter& a = metrics.GetCounter("c_total", "h", {{"x", "1"}, {"y", "2"}});
  Counter& b = metrics.GetCounter("c_total", "h", {{"y", "2"}, {"x", "1"}});
  EXPECT_EQ(&a, &b);
  a.Increment();
  b.Increment();
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP c_total h\n"
            "# TYPE c_total counter\n"
            "c_total{x=\"1\",y=\"2\"} 2\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry metrics;
  metrics.GetCounter("e_total", "back\\slash \"quoted\"\nsecond line",
                     {{"v", "a\\b\"c\nd"}});
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP e_total back\\\\slash \"quoted\"\\nsecond line\n"
            "# TYPE e_total counter\n"
            "e_total{v=\"a\\\\b\\\"c\\nd\"} 0\n");
}

TEST(MetricsTest, GaugesRenderShortestRoundTripValues) {
  MetricsRegistry metrics;
  metrics.GetGauge("g", "G.", {{"k", "size"}}).Set(1234567);
  metrics.GetGauge("g", "G.", {{"k", "frac"}}).Set(0.1);
  metrics.GetGauge("g", "G.", {{"k", "inf"}})
      .Set(std::numeric_limits<double>::infinity());
  metrics.GetGauge("g", "G.", {{"k", "neg"}}).Set(-2.5);
  metrics.GetGauge("g", "G.", {{"k", "nan"}}).Set(std::nan(""));
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP g G.\n"
            "# TYPE g gauge\n"
            "g{k=\"frac\"} 0.1\n"
            "g{k=\"inf\"} +Inf\n"
            "g{k=\"nan\"} NaN\n"
            "g{k=\"neg\"} -2.5\n"
            "g{k=\"size\"} 1234567\n");
}

TEST(MetricsTest, HistogramRendersCumulativeBucketsSumAndCount) {
  MetricsRegistry metrics;
  Histogram& h = metrics.GetHistogram("lat_seconds", "Latency.",
                                      {{"method", "Add"}}, {0.5, 0.125, 1});
  // Binary fractions, so that the sum is exact.
  h.Observe(0.0625);
  h.Observe(0.125);  // on a bound: counted in le="0.125" (v <= le)
  h.Observe(0.75);
  h.Observe(3);
  EXPECT_THAT(h.bounds(), ElementsAre(0.125, 0.5, 1));
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(2, 2, 3, 4));
  EXPECT_EQ(h.sum(), 3.9375);
  metrics.GetHistogram("empty", "No labels.", {}, {2});
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP empty No labels.\n"
            "# TYPE empty histogram\n"
            "empty_bucket{le=\"2\"} 0\n"
            "empty_bucket{le=\"+Inf\"} 0\n"
            "empty_sum 0\n"
            "empty_count 0\n"
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{method=\"Add\",le=\"0.125\"} 2\n"
            "lat_seconds_bucket{method=\"Add\",le=\"0.5\"} 2\n"
            "lat_seconds_bucket{method=\"Add\",le=\"1\"} 3\n"
            "lat_seconds_bucket{method=\"Add\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{method=\"Add\"} 3.9375\n"
            "lat_seconds_count{method=\"Add\"} 4\n");
}

TEST(MetricsTest, HistogramBoundsAreCleanedUp) {
  Histogram h({2, 1, 2, std::numeric_limits<double>::infinity(), std::nan("")});
  EXPECT_THAT(h.bounds(), ElementsAre(1, 2));
  h.Observe(std::nan(""));  // not below any bound: only in +Inf
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(0, 0, 1));
}

TEST(MetricsTest, StandardBuckets) {
  EXPECT_THAT(Histogram::LatencyBuckets(),
              ElementsAre(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                          0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10));
  EXPECT_THAT(Histogram::SizeBuckets(),
              ElementsAre(1, 4, 16, 64, 256, 1024, 4096, 16384, 65536));
}

TEST(MetricsTest, TypeClashIsKeptButNotExported) {
  MetricsRegistry metrics;
  metrics.GetCounter("m", "Counter first.").Increment();
  Gauge& clash = metrics.GetGauge("m", "Gauge second.");
  clash.Set(7);  // the reference is usable
  EXPECT_EQ(metrics.RenderPrometheus(),
            "# HELP m Counter first.\n"
            "# TYPE m counter\n"
            "m 1\n"
            "# vitrine: 1 series of m registered with another type are not "
            "exported\n");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 1000; ++i) {
        metrics.GetCounter("n_total", "N.", {{"k", "v"}}).Increment();
        metrics.GetHistogram("h", "H.", {}, {1}).Observe(0.5);
        metrics.RenderPrometheus();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(metrics.GetCounter("n_total", "N.", {{"k", "v"}}).value(), 8000u);
  Histogram& h = metrics.GetHistogram("h", "H.", {}, {1});
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(8000, 8000));
  EXPECT_DOUBLE_EQ(h.sum(), 4000);
}

}  // namespace
}  // namespace vitrine
