#include "rebuilder/rebuilder_metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace vitrine::rebuilder {
namespace {

RebuilderSnapshot Healthy() {
  RebuilderSnapshot s;
  s.origin = "example.com/log";
  s.evidence_dir = "d/evidence";
  s.follower.verified_size = 42;
  s.follower.watching = true;
  s.cursor = 40;
  s.worker.releases_seen = 5;
  s.worker.matches = 3;
  s.worker.mismatches = 1;
  s.worker.failed = 1;
  s.worker.building = 39;
  s.submitter.pending = 2;
  s.submitter.logged_new = 2;
  s.submitter.logged_duplicate = 1;
  s.sandboxed = true;
  return s;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(RebuilderMetricsTest, RendersEverySeries) {
  RebuilderMetrics metrics;
  metrics.build_seconds().Observe(2.5);
  const std::string text = metrics.Render(Healthy());
  for (const char* line : {
           "vitrine_rebuilder_verified_size{origin=\"example.com/log\"} 42",
           "vitrine_rebuilder_alarm{origin=\"example.com/log\"} 0",
           "vitrine_rebuilder_cursor 40",
           "vitrine_rebuilder_releases_seen_total 5",
           "vitrine_rebuilder_rebuilds_total{result=\"match\"} 3",
           "vitrine_rebuilder_rebuilds_total{result=\"mismatch\"} 1",
           "vitrine_rebuilder_rebuilds_total{result=\"failed\"} 1",
           "vitrine_rebuilder_rebuilds_total{result=\"timeout\"} 0",
           "vitrine_rebuilder_mismatches_total 1",
           "vitrine_rebuilder_building 1",
           "vitrine_rebuilder_statements_submitted_total{result=\"new\"} 2",
           "vitrine_rebuilder_statements_submitted_total{result=\"duplicate\"} 1",
           "vitrine_rebuilder_pending_statements 2",
           "vitrine_rebuilder_sandboxed 1",
           "vitrine_rebuilder_build_seconds_count 1",
       }) {
    EXPECT_TRUE(Has(text, line)) << line << " in\n" << text;
  }
  // Counters follow the parts' totals across scrapes.
  RebuilderSnapshot later = Healthy();
  later.worker.mismatches = 2;
  EXPECT_TRUE(Has(metrics.Render(later), "vitrine_rebuilder_mismatches_total 2"));
}

TEST(RebuilderMetricsTest, HealthyWhenFollowingAndSubmitting) {
  std::string text;
  EXPECT_TRUE(HealthText(Healthy(), &text));
  EXPECT_EQ(text,
            "ok\n"
            "example.com/log: verified 42, watching\n"
            "rebuilds: cursor 40, building release 39, 3 match, 1 mismatch, 1 failed, "
            "0 timed out\n"
            "submitting: 2 pending, 3 logged\n");
}

TEST(RebuilderMetricsTest, UnhealthyNamesEachReasonFirst) {
  RebuilderSnapshot s = Healthy();
  s.submitter.last_error = "UNAVAILABLE: Add: connection refused";
  std::string text;
  EXPECT_FALSE(HealthText(s, &text));
  EXPECT_EQ(text.rfind("submitting: UNAVAILABLE: Add: connection refused\n", 0), 0u) << text;

  s = Healthy();
  s.halted = true;
  s.store_failure = "RESOURCE_EXHAUSTED: disk full";
  s.follower.last_error = "log unreachable";
  s.worker.last_error = "no build starts: disk nearly full";
  EXPECT_FALSE(HealthText(s, &text));
  EXPECT_EQ(text.rfind("ALARM: example.com/log: evidence of misbehaviour, not following (see "
                       "d/evidence)\n"
                       "writes refused: progress store: RESOURCE_EXHAUSTED: disk full\n"
                       "following: log unreachable\n"
                       "rebuilding: no build starts: disk nearly full\n",
                       0),
            0u)
      << text;
}

}  // namespace
}  // namespace vitrine::rebuilder
