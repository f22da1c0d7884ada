#include "rebuilder/rebuilder_metrics.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace vitrine::rebuilder {
namespace {

// Build times: a no-op recipe takes milliseconds, a real build minutes to
// an hour.
std::vector<double> BuildBuckets() {
  return {0.01, 0.1, 1, 10, 30, 60, 300, 900, 1800, 3600, 7200};
}

}  // namespace

RebuilderMetrics::RebuilderMetrics()
    : build_seconds_(&registry_.GetHistogram("vitrine_rebuilder_build_seconds",
                                             "Time from a recipe's start to its end, seconds.",
                                             {}, BuildBuckets())) {}

std::string RebuilderMetrics::Render(const RebuilderSnapshot& s) {
  absl::MutexLock lock(&mu_);
  const Labels origin = {{"origin", s.origin}};
  const monitor::FollowerStats& f = s.follower;
  registry_.GetGauge("vitrine_rebuilder_verified_size",
                     "Size of the latest checkpoint verified entry by entry.", origin)
      .Set(static_cast<double>(f.verified_size));
  registry_.GetGauge("vitrine_rebuilder_alarm",
                     "1 once evidence of misbehaviour exists for the log: it is not followed.",
                     origin)
      .Set(s.halted ? 1 : 0);
  registry_.GetGauge("vitrine_rebuilder_watching",
                     "1 while following the WatchCheckpoints stream, 0 while polling.", origin)
      .Set(f.watching ? 1 : 0);
  const std::string audit = "vitrine_rebuilder_statements_total";
  const std::string audit_help = "Logged statements that failed the audit, by verdict.";
  for (const auto& [verdict, count] :
       {std::make_pair("bad_grammar", f.bad_grammar),
        std::make_pair("unknown_vendor", f.unknown_vendor),
        std::make_pair("bad_vendor_signature", f.bad_vendor_signature),
        std::make_pair("unknown_rebuilder", f.unknown_rebuilder),
        std::make_pair("bad_rebuilder_signature", f.bad_rebuilder_signature)}) {
    registry_.SetCounter(audit, audit_help, {{"origin", s.origin}, {"verdict", verdict}}, count);
  }

  const RebuildWorkerStats& w = s.worker;
  registry_.GetGauge("vitrine_rebuilder_cursor", "Index of the next log entry to look at.")
      .Set(static_cast<double>(s.cursor));
  registry_.SetCounter("vitrine_rebuilder_releases_seen_total",
                       "Releases of the configured vendors taken to rebuild.", {}, w.releases_seen);
  const std::string skipped = "vitrine_rebuilder_releases_skipped_total";
  const std::string skipped_help =
      "Releases of the configured vendors not rebuilt: no source line, or no valid vendor "
      "signature.";
  registry_.SetCounter(skipped, skipped_help, {{"reason", "no_source"}}, w.skipped_no_source);
  registry_.SetCounter(skipped, skipped_help, {{"reason", "unverified"}}, w.skipped_unverified);
  const std::string rebuilds = "vitrine_rebuilder_rebuilds_total";
  const std::string rebuilds_help = "Rebuilds by result.";
  registry_.SetCounter(rebuilds, rebuilds_help, {{"result", "match"}}, w.matches);
  registry_.SetCounter(rebuilds, rebuilds_help, {{"result", "mismatch"}}, w.mismatches);
  registry_.SetCounter(rebuilds, rebuilds_help, {{"result", "failed"}}, w.failed);
  registry_.SetCounter(rebuilds, rebuilds_help, {{"result", "timeout"}}, w.timed_out);
  registry_.SetCounter("vitrine_rebuilder_mismatches_total",
                       "Rebuilds whose digest differs from the release's (see the mismatch file).",
                       {}, w.mismatches);
  registry_.GetGauge("vitrine_rebuilder_building", "1 while a recipe runs.")
      .Set(w.building.has_value() ? 1 : 0);

  const SubmitterStats& u = s.submitter;
  const std::string submitted = "vitrine_rebuilder_statements_submitted_total";
  const std::string submitted_help = "Rebuild statements the log answered, new or duplicate.";
  registry_.SetCounter(submitted, submitted_help, {{"result", "new"}}, u.logged_new);
  registry_.SetCounter(submitted, submitted_help, {{"result", "duplicate"}}, u.logged_duplicate);
  registry_.SetCounter("vitrine_rebuilder_statements_refused_total",
                       "Refusals of one rebuild statement by the log (it is retried).", {},
                       u.refused);
  registry_.SetCounter("vitrine_rebuilder_submit_failures_total",
                       "Add calls that failed as a whole.", {}, u.failed_calls);
  registry_.GetGauge("vitrine_rebuilder_pending_statements",
                     "Signed rebuild statements the log has not answered yet.")
      .Set(static_cast<double>(u.pending));
  registry_.GetGauge("vitrine_rebuilder_sandboxed", "1 when recipes run inside bubblewrap.")
      .Set(s.sandboxed ? 1 : 0);
  return registry_.RenderPrometheus();
}

bool HealthText(const RebuilderSnapshot& s, std::string* text) {
  std::string reasons;
  if (s.halted) {
    absl::StrAppend(&reasons, "ALARM: ", s.origin,
                    ": evidence of misbehaviour, not following (see ", s.evidence_dir, ")\n");
  }
  if (!s.follower.copy_write_failure.empty()) {
    absl::StrAppend(&reasons, "writes refused: verified copy: ", s.follower.copy_write_failure,
                    "\n");
  }
  if (!s.store_failure.empty()) {
    absl::StrAppend(&reasons, "writes refused: progress store: ", s.store_failure, "\n");
  }
  if (!s.follower.last_error.empty()) {
    absl::StrAppend(&reasons, "following: ", s.follower.last_error, "\n");
  }
  if (!s.worker.last_error.empty()) {
    absl::StrAppend(&reasons, "rebuilding: ", s.worker.last_error, "\n");
  }
  if (!s.submitter.last_error.empty()) {
    absl::StrAppend(&reasons, "submitting: ", s.submitter.last_error, "\n");
  }
  const std::string lines = absl::StrCat(
      s.origin, ": verified ", s.follower.verified_size,
      s.follower.watching ? ", watching\n" : ", polling\n", "rebuilds: cursor ", s.cursor,
      s.worker.building.has_value() ? absl::StrCat(", building release ", *s.worker.building)
                                    : std::string(", idle"),
      ", ", s.worker.matches, " match, ", s.worker.mismatches, " mismatch, ", s.worker.failed,
      " failed, ", s.worker.timed_out, " timed out\n", "submitting: ", s.submitter.pending,
      " pending, ", s.submitter.logged_new + s.submitter.logged_duplicate, " logged\n");
  *text = absl::StrCat(reasons.empty() ? "ok\n" : reasons, lines);
  return reasons.empty();
}

}  // namespace vitrine::rebuilder
