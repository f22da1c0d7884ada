// The sequencer's commit figures of a running vitrine-log, read from its
// HTTP /metrics (Prometheus text): how many synced batches it committed,
// how many entries each, and how long the commits took, between two reads;
// and any server's samples as read (ScrapeMetrics).
//
//   CommitMetrics before = ScrapeCommitMetrics(log->http_address());
//   ... a phase ...
//   CommitFigures phase = CommitsBetween(before,
//                                        ScrapeCommitMetrics(log->http_address()));
//
// Thread-safety: plain functions; each read is one HTTP/1.1 GET.
#ifndef VITRINE_BENCH_INTERNAL_LOG_METRICS_H_
#define VITRINE_BENCH_INTERNAL_LOG_METRICS_H_

#include <map>
#include <string>

namespace vitrine::bench {

// Reads the Prometheus text /metrics at `http_address` (127.0.0.1:PORT)
// of any Vitrine server: each sample's name with its labels, exactly as
// printed ("vitrine_rebuilder_rebuilds_total{result=\"match\"}"), -> its
// value. Empty when it cannot be read.
std::map<std::string, double> ScrapeMetrics(const std::string& http_address);

// The counters as read: vitrine_sequencer_commit_seconds (a histogram) and
// vitrine_sequencer_batch_entries' sum.
struct CommitMetrics {
  double seconds_sum = 0, count = 0, entries_sum = 0;
  std::map<double, double> buckets;  // upper bound (s) -> cumulative count
};

// Reads the log's /metrics at `http_address` (127.0.0.1:PORT); all zeros
// when it cannot be read.
CommitMetrics ScrapeCommitMetrics(const std::string& http_address);

struct CommitFigures {
  double commits = 0;             // synced batches
  double entries_per_commit = 0;  // mean
  double mean_ms = 0;
  double p99_ms = 0;  // the bound of the histogram bucket holding the 99th
};

// Returns what happened between two reads.
CommitFigures CommitsBetween(const CommitMetrics& before, const CommitMetrics& after);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_LOG_METRICS_H_
