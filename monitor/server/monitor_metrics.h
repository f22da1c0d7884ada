// What vitrine-monitor reports on /metrics and /healthz, from a snapshot of
// its parts' statistics taken at each scrape (the parts keep their own
// counters; nothing here is on their paths).
//
//   MonitorMetrics metrics;
//   std::string text = metrics.Render(snapshot);   // Prometheus 0.0.4
//   std::string health;
//   bool ok = HealthText(snapshot, evidence_dir, &health);
//
// Series (labels in braces):
//   vitrine_monitor_alarm{origin}                 1 once evidence exists
//   vitrine_monitor_evidence_total{origin,kind}   evidence files held
//   vitrine_monitor_verified_size{origin}         the verified tree size
//   vitrine_monitor_witness_size{origin}          the size last cosigned
//   vitrine_monitor_checkpoints_verified_total{origin}
//   vitrine_monitor_entries_fetched_total{origin}
//   vitrine_monitor_statements_total{origin,verdict}  bad_grammar,
//                                   unknown_vendor, bad_vendor_signature,
//                                   unknown_rebuilder, bad_rebuilder_signature
//   vitrine_monitor_rebuild_mismatches_total{origin}  trusted rebuilds that
//                                   contradict a watched release (vendor watch)
//   vitrine_monitor_bad_checkpoint_signatures_total{origin}
//   vitrine_monitor_failed_consistency_proofs_total{origin}
//   vitrine_monitor_watching{origin}              1 on the stream, 0 polling
//   vitrine_monitor_copy_writable{origin}         0 while the verified copy
//                                   takes no writes (a commit failed: a
//                                   full disk, EIO; /healthz says why)
//   vitrine_monitor_gossip_rounds_total
//   vitrine_monitor_gossip_exchanges_total{peer,result}   ok, failed
//   vitrine_monitor_gossip_checkpoints_total{side,result}  side: asked
//                                   (answers we got), answered (requests)
//   vitrine_monitor_gossip_proof_lookups_total{result}  the Gossip service's
//                                   questions for the log's proofs: ready,
//                                   pending, queued, over_budget, queue_full
//   vitrine_monitor_gossip_proof_fetches_total{result}  ok, failed
//
// Thread-safety: Render may be called from several threads.
#ifndef VITRINE_MONITOR_SERVER_MONITOR_METRICS_H_
#define VITRINE_MONITOR_SERVER_MONITOR_METRICS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/metrics.h"
#include "monitor/evidence/recorder.h"
#include "monitor/follow/follower.h"
#include "monitor/gossip/gossiper.h"
#include "monitor/gossip/peer_check.h"
#include "monitor/gossip/proof_fetcher.h"

namespace vitrine::monitor {

struct LogSnapshot {
  std::string origin;
  FollowerStats follower;
  bool halted = false;
  uint64_t witness_size = 0;
};

struct MonitorSnapshot {
  std::vector<LogSnapshot> logs;
  std::vector<AlarmCount> alarms;
  GossipStats gossip;               // empty without peers
  PeerCheckCounts gossip_received;  // checkpoints peers sent us
  ProofFetcherStats gossip_proofs;  // the Gossip service's log proofs
};

class MonitorMetrics {
 public:
  std::string Render(const MonitorSnapshot& snapshot);

 private:
  absl::Mutex mu_;  // one Render at a time: a scrape sees one snapshot whole
  MetricsRegistry registry_;
};

// Writes one line per log (verified size, how it follows, its last error)
// to *text and returns false (503) when any log is halted by evidence,
// naming the evidence folder, or when a log's verified copy takes no
// writes, saying why first ("writes refused: <origin>: <reason>").
bool HealthText(const MonitorSnapshot& snapshot, const std::string& evidence_dir,
                std::string* text);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_SERVER_MONITOR_METRICS_H_
