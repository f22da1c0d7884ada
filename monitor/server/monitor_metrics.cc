#include "monitor/server/monitor_metrics.h"

#include "absl/strings/str_cat.h"
#include "monitor/evidence/evidence.h"

namespace vitrine::monitor {

std::string MonitorMetrics::Render(const MonitorSnapshot& snapshot) {
  absl::MutexLock lock(&mu_);
  for (const LogSnapshot& log : snapshot.logs) {
    const Labels origin = {{"origin", log.origin}};
    const FollowerStats& f = log.follower;
    registry_.GetGauge("vitrine_monitor_alarm",
                       "1 once evidence of misbehaviour exists for the log: it is halted.",
                       origin)
        .Set(log.halted ? 1 : 0);
    registry_.GetGauge("vitrine_monitor_verified_size",
                       "Size of the latest checkpoint verified entry by entry.", origin)
        .Set(static_cast<double>(f.verified_size));
    registry_.GetGauge("vitrine_monitor_witness_size",
                       "Size of the latest checkpoint this witness cosigned.", origin)
        .Set(static_cast<double>(log.witness_size));
    registry_.GetGauge("vitrine_monitor_watching",
                       "1 while following the WatchCheckpoints stream, 0 while polling.",
                       origin)
        .Set(f.watching ? 1 : 0);
    registry_.GetGauge("vitrine_monitor_copy_writable",
                       "0 while the verified copy takes no writes (a commit failed), else 1.",
                       origin)
        .Set(f.copy_write_failure.empty() ? 1 : 0);
    registry_.SetCounter("vitrine_monitor_checkpoints_verified_total",
                         "Checkpoints verified and stored.", origin, f.checkpoints_verified);
    registry_.SetCounter("vitrine_monitor_entries_fetched_total",
                         "Entries downloaded from the log since start.", origin, f.entries_fetched);
    const std::string statements = "vitrine_monitor_statements_total";
    const std::string statements_help = "Logged statements that failed a check, by verdict.";
    registry_.SetCounter(statements, statements_help,
                         {{"origin", log.origin}, {"verdict", "bad_grammar"}}, f.bad_grammar);
    registry_.SetCounter(statements, statements_help,
                         {{"origin", log.origin}, {"verdict", "unknown_vendor"}}, f.unknown_vendor);
    registry_.SetCounter(statements, statements_help,
                         {{"origin", log.origin}, {"verdict", "bad_vendor_signature"}},
                         f.bad_vendor_signature);
    registry_.SetCounter(statements, statements_help,
                         {{"origin", log.origin}, {"verdict", "unknown_rebuilder"}},
                         f.unknown_rebuilder);
    registry_.SetCounter(statements, statements_help,
                         {{"origin", log.origin}, {"verdict", "bad_rebuilder_signature"}},
                         f.bad_rebuilder_signature);
    registry_.SetCounter("vitrine_monitor_rebuild_mismatches_total",
                         "Rebuilds by trusted rebuilders whose digest differs from a watched "
                         "release's.",
                         origin, f.rebuild_mismatches);
    registry_.SetCounter("vitrine_monitor_bad_checkpoint_signatures_total",
                         "Checkpoints refused: not signed by the log key.", origin,
                         f.bad_checkpoint_signatures);
    registry_.SetCounter("vitrine_monitor_failed_consistency_proofs_total",
                         "Consistency proofs from the log that did not verify.", origin,
                         f.failed_proofs);
  }
  for (const AlarmCount& alarm : snapshot.alarms) {
    registry_.SetCounter("vitrine_monitor_evidence_total", "Evidence files held, by log and kind.",
                         {{"origin", alarm.origin}, {"kind", KindSlug(alarm.kind)}}, alarm.count);
  }
  registry_.SetCounter("vitrine_monitor_gossip_rounds_total", "Gossip rounds with every peer.", {},
                       snapshot.gossip.rounds);
  for (const PeerStats& peer : snapshot.gossip.peers) {
    const std::string name = "vitrine_monitor_gossip_exchanges_total";
    const std::string help = "Exchanges with a peer monitor, by result.";
    registry_.SetCounter(name, help, {{"peer", peer.name}, {"result", "ok"}}, peer.exchanges_ok);
    registry_.SetCounter(name, help, {{"peer", peer.name}, {"result", "failed"}},
                         peer.exchanges_failed);
  }
  const std::string checked = "vitrine_monitor_gossip_checkpoints_total";
  const std::string checked_help = "Checkpoints received by gossip, by how they checked.";
  for (const auto& [side, counts] :
       {std::make_pair("asked", snapshot.gossip.results),
        std::make_pair("answered", snapshot.gossip_received)}) {
    registry_.SetCounter(checked, checked_help, {{"side", side}, {"result", "consistent"}},
                         counts.consistent);
    registry_.SetCounter(checked, checked_help, {{"side", side}, {"result", "ahead_unverified"}},
                         counts.ahead_unverified);
    registry_.SetCounter(checked, checked_help, {{"side", side}, {"result", "evidence"}},
                         counts.evidence_raised);
    registry_.SetCounter(checked, checked_help, {{"side", side}, {"result", "rejected"}},
                         counts.rejected);
  }
  const ProofFetcherStats& proofs = snapshot.gossip_proofs;
  const std::string lookups = "vitrine_monitor_gossip_proof_lookups_total";
  const std::string lookups_help =
      "The Gossip service's questions for the log's consistency proofs, by answer.";
  for (const auto& [result, count] :
       {std::make_pair("ready", proofs.ready), std::make_pair("pending", proofs.pending),
        std::make_pair("queued", proofs.queued),
        std::make_pair("over_budget", proofs.over_budget),
        std::make_pair("queue_full", proofs.queue_full)}) {
    registry_.SetCounter(lookups, lookups_help, {{"result", result}}, count);
  }
  const std::string fetches = "vitrine_monitor_gossip_proof_fetches_total";
  const std::string fetches_help = "Consistency proofs gossip fetched from the logs.";
  registry_.SetCounter(fetches, fetches_help, {{"result", "ok"}}, proofs.fetched);
  registry_.SetCounter(fetches, fetches_help, {{"result", "failed"}}, proofs.failed);
  return registry_.RenderPrometheus();
}

bool HealthText(const MonitorSnapshot& snapshot, const std::string& evidence_dir,
                std::string* text) {
  bool ok = true;
  std::string refused;  // the monitor's own trouble: first
  std::string lines;
  for (const LogSnapshot& log : snapshot.logs) {
    if (!log.follower.copy_write_failure.empty()) {
      ok = false;
      absl::StrAppend(&refused, "writes refused: ", log.origin, ": ",
                      log.follower.copy_write_failure, "\n");
    }
    if (log.halted) {
      ok = false;
      absl::StrAppend(&lines, "ALARM: ", log.origin,
                      ": evidence of misbehaviour, not following or cosigning (see ",
                      evidence_dir, ")\n");
      continue;
    }
    absl::StrAppend(&lines, log.origin, ": verified ", log.follower.verified_size,
                    log.follower.watching ? ", watching" : ", polling",
                    log.follower.last_error.empty() ? "" : ", last error: ",
                    log.follower.last_error, "\n");
  }
  *text = absl::StrCat(ok ? "ok\n" : "", refused, lines);
  return ok;
}

}  // namespace vitrine::monitor
