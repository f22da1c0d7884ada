// What vitrine-rebuilder reports on /metrics and /healthz, from a snapshot
// of its parts' statistics taken at each scrape (as vitrine-monitor's
// monitor_metrics.h); only the build-time histogram is fed directly, by
// the worker.
//
//   RebuilderMetrics metrics;
//   worker_parts.build_seconds = &metrics.build_seconds();
//   std::string text = metrics.Render(snapshot);   // Prometheus 0.0.4
//   std::string health;
//   bool ok = HealthText(snapshot, &health);
//
// Series (labels in braces; counters count since the process started):
//   vitrine_rebuilder_verified_size{origin}      the verified tree size
//   vitrine_rebuilder_alarm{origin}              1 once evidence against the
//                                                log exists: it is not followed
//   vitrine_rebuilder_watching{origin}           1 on the stream, 0 polling
//   vitrine_rebuilder_statements_total{origin,verdict}  the follower's audit:
//       bad_grammar, unknown_vendor, bad_vendor_signature, unknown_rebuilder,
//       bad_rebuilder_signature
//   vitrine_rebuilder_cursor                     the next entry to look at
//   vitrine_rebuilder_releases_seen_total        releases taken to rebuild
//   vitrine_rebuilder_releases_skipped_total{reason}  no_source, unverified
//   vitrine_rebuilder_rebuilds_total{result}     match, mismatch, failed,
//                                                timeout
//   vitrine_rebuilder_mismatches_total           the alarm: digests that
//                                                differ from the release's
//   vitrine_rebuilder_building                   1 while a recipe runs
//   vitrine_rebuilder_build_seconds              histogram of build times
//   vitrine_rebuilder_statements_submitted_total{result}  new, duplicate
//   vitrine_rebuilder_statements_refused_total   refusals of one statement
//   vitrine_rebuilder_submit_failures_total      Add calls that failed
//   vitrine_rebuilder_pending_statements         signed, not yet answered
//   vitrine_rebuilder_sandboxed                  1 when recipes run in bwrap
//
// Thread-safety: Render may be called from several threads.
#ifndef VITRINE_REBUILDER_REBUILDER_METRICS_H_
#define VITRINE_REBUILDER_REBUILDER_METRICS_H_

#include <cstdint>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "monitor/follow/follower.h"
#include "rebuilder/rebuild_worker.h"
#include "rebuilder/submitter.h"

namespace vitrine::rebuilder {

struct RebuilderSnapshot {
  std::string origin;
  monitor::FollowerStats follower;
  bool halted = false;         // evidence against the log exists
  std::string evidence_dir;    // where it is, for /healthz
  uint64_t cursor = 0;
  std::string store_failure;   // the progress store takes no writes: why
  RebuildWorkerStats worker;
  SubmitterStats submitter;
  bool sandboxed = false;
};

class RebuilderMetrics {
 public:
  RebuilderMetrics();

  // The histogram the worker observes each build's duration in.
  Histogram& build_seconds() { return *build_seconds_; }

  std::string Render(const RebuilderSnapshot& snapshot);

 private:
  absl::Mutex mu_;  // one Render at a time: a scrape sees one snapshot whole
  MetricsRegistry registry_;
  Histogram* build_seconds_;  // owned by registry_
};

// Writes /healthz's text to *text and returns true (200) when the rebuilder
// follows the log and submits to it: "ok" and a line each for following,
// rebuilding and submitting. Returns false (503), the reasons first, when
// the log is halted by evidence, the verified copy or the progress store
// takes no writes, or following, the worker or the last submission is in
// trouble.
bool HealthText(const RebuilderSnapshot& snapshot, std::string* text);

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_REBUILDER_METRICS_H_
