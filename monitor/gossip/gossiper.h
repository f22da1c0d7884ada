// The asking side of gossip: at an interval, sends this monitor's latest
// verified heads to every configured peer's Gossip service and checks each
// checkpoint of the answers against its own verified copy (peer_check.h),
// raising evidence on a conflict.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Gossiper> gossiper,
//       Gossiper::Create({&log_a}, &alarm, "monitor-a",
//                        {{"monitor-b", "10.0.0.7:7500", std::nullopt}}, {}));
//   gossiper->Start();          // a round now, then every options.interval
//   ...
//   GossipStats stats = gossiper->Stats();   // for /metrics
//   gossiper->Stop();
//
//   // Tests trigger rounds themselves, without Start:
//   std::vector<PeerRound> round = gossiper->RoundOnce();
//
// Peers are asked one after the other, each call with its own deadline, so
// a round takes at most peers x deadline. A peer that fails is retried at
// the next round.
//
// Thread-safety: thread-safe. The logs and the alarm must outlive the
// gossiper.
#ifndef VITRINE_MONITOR_GOSSIP_GOSSIPER_H_
#define VITRINE_MONITOR_GOSSIP_GOSSIPER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "monitor/alarm.h"
#include "monitor/gossip/exchange.h"
#include "monitor/gossip/peer_check.h"
#include "monitor/verified_log.h"

namespace vitrine::monitor {

struct GossipPeer {
  // For logs and evidence ("monitor-b").
  std::string name;
  // gRPC target ("10.0.0.7:7500").
  std::string target;
  // PEM roots to reach the peer over TLS; unset: plaintext.
  std::optional<std::string> tls_root_certs;
};

struct GossiperOptions {
  // Time between rounds: checkpoints change at the logs' pace; a minute
  // bounds how long a split view goes unnoticed at little cost.
  absl::Duration interval = absl::Seconds(60);
  // Per Exchange call: a round is never held up by one peer for longer.
  absl::Duration deadline = absl::Seconds(10);
  // Bounds on the answers (and what we send).
  ExchangeLimits limits;
  // As in GossipServiceOptions.
  NoteToSend note_to_send;
  LogConsistencyByOrigin log_consistency;
};

// One peer's part of a round.
struct PeerRound {
  std::string peer;     // GossipPeer::name
  absl::Status status;  // The call's (or the answer's limits).
  std::vector<CheckedCheckpoint> checked;
};

struct PeerStats {
  std::string name;
  std::string target;
  uint64_t exchanges_ok = 0;
  uint64_t exchanges_failed = 0;
  // absl::InfinitePast() until the first one.
  absl::Time last_success = absl::InfinitePast();
  absl::Time last_failure = absl::InfinitePast();
  std::string last_error;  // The last failure's status, as text.
};

struct GossipStats {
  uint64_t rounds = 0;
  std::vector<PeerStats> peers;  // In configuration order.
  PeerCheckCounts results;       // Over every checkpoint received.
};

class Gossiper {
 public:
  // Creates a channel per peer (not connected yet). InvalidArgument for a
  // peer without a target or an interval or deadline that is not positive.
  static absl::StatusOr<std::unique_ptr<Gossiper>> Create(
      std::vector<VerifiedLog*> logs, Alarm* alarm, std::string monitor_name,
      std::vector<GossipPeer> peers, GossiperOptions options);

  ~Gossiper();  // Stops.

  // Runs one round now on the calling thread: every peer once.
  std::vector<PeerRound> RoundOnce();

  // Starts the round thread (a round at once, then one per interval);
  // Stop ends it, waiting for a round in progress. Both idempotent.
  void Start();
  void Stop();

  GossipStats Stats() const;

 private:
  struct Peer;

  Gossiper(std::vector<VerifiedLog*> logs, Alarm* alarm,
           std::string monitor_name, std::vector<std::unique_ptr<Peer>> peers,
           GossiperOptions options);
  PeerRound Exchange(Peer& peer,
                     const std::vector<vitrine::v1::GossipCheckpoint>& heads);
  void Loop();

  const std::vector<VerifiedLog*> logs_;
  Alarm* const alarm_;
  const std::string monitor_name_;
  const std::vector<std::unique_ptr<Peer>> peers_;
  const GossiperOptions options_;

  // One round at a time, from the thread or from RoundOnce.
  absl::Mutex round_mu_;
  mutable absl::Mutex mu_;
  GossipStats stats_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // Start and Stop are serialised by thread_mu_.
  absl::Mutex thread_mu_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_GOSSIPER_H_
