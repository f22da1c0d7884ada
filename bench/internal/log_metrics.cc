#include "bench/internal/log_metrics.h"

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "bench/internal/http_loops.h"

namespace vitrine::bench {

std::map<std::string, double> ScrapeMetrics(const std::string& http_address) {
  std::map<std::string, double> samples;
  int port = 0;
  if (!absl::SimpleAtoi(http_address.substr(http_address.rfind(':') + 1), &port)) return samples;
  absl::StatusOr<std::unique_ptr<HttpClientConnection>> connection =
      HttpClientConnection::Connect(port);
  if (!connection.ok() || !(*connection)->Send(HttpGet("/metrics")).ok()) return samples;
  absl::StatusOr<HttpAnswer> answer = (*connection)->Read(absl::Seconds(10));
  if (!answer.ok()) return samples;
  for (absl::string_view line : absl::StrSplit(answer->body, '\n')) {
    const size_t space = line.rfind(' ');
    double value = 0;
    if (line.empty() || line[0] == '#' || space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    samples[std::string(line.substr(0, space))] = value;
  }
  return samples;
}

CommitMetrics ScrapeCommitMetrics(const std::string& http_address) {
  CommitMetrics metrics;
  for (const auto& [sample, value] : ScrapeMetrics(http_address)) {
    const absl::string_view name = sample;
    if (name == "vitrine_sequencer_commit_seconds_sum") metrics.seconds_sum = value;
    if (name == "vitrine_sequencer_commit_seconds_count") metrics.count = value;
    if (name == "vitrine_sequencer_batch_entries_sum") metrics.entries_sum = value;
    absl::string_view le = name;
    if (absl::ConsumePrefix(&le, "vitrine_sequencer_commit_seconds_bucket{le=\"") &&
        absl::ConsumeSuffix(&le, "\"}")) {
      double bound = 0;
      if (le == "+Inf") {
        bound = 1e9;
      } else if (!absl::SimpleAtod(le, &bound)) {
        continue;
      }
      metrics.buckets[bound] = value;
    }
  }
  return metrics;
}

CommitFigures CommitsBetween(const CommitMetrics& before, const CommitMetrics& after) {
  CommitFigures figures;
  figures.commits = after.count - before.count;
  if (figures.commits <= 0) return figures;
  figures.mean_ms = 1000 * (after.seconds_sum - before.seconds_sum) / figures.commits;
  figures.entries_per_commit = (after.entries_sum - before.entries_sum) / figures.commits;
  for (const auto& [bound, cumulative] : after.buckets) {
    auto was = before.buckets.find(bound);
    const double in_between = cumulative - (was == before.buckets.end() ? 0 : was->second);
    if (in_between >= 0.99 * figures.commits) {
      figures.p99_ms = 1000 * bound;
      break;
    }
  }
  return figures;
}

}  // namespace vitrine::bench
