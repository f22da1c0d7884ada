// The Gossip gRPC service (proto/vitrine/v1/gossip.proto): a peer monitor
// sends the checkpoints it verified; this monitor checks each against its
// own verified copy (peer_check.h, raising evidence on a conflict) and
// answers with its own latest head per log, with a consistency proof from
// the peer's size wherever it is ahead, so that the peer can check the
// larger checkpoint without asking the log.
//
//   GossipService gossip({&log_a, &log_b}, &alarm, "monitor-a", {});
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&gossip);
//   ...
//   PeerCheckCounts counts = gossip.Counts();   // for /metrics
//
// Each distinct checkpoint's log signature is verified once: identical
// copies in a request are judged once (exchange.h), and a checkpoint
// verified before, padded or not, is found in VerifiedNotes by a hash.
//
// Status codes: RESOURCE_EXHAUSTED for more than max_checkpoints
// checkpoints or a note over max_note_bytes, INVALID_ARGUMENT for an
// over-long monitor name (ExchangeLimits), RESOURCE_EXHAUSTED when the
// peer's budget of failed verifications is spent (verify_budget, checked
// before each checkpoint's signature is verified; a rejected checkpoint is
// charged to it). A checkpoint that does not verify is not an error of the
// call: it is counted as rejected and the answer is sent all the same.
//
// A peer's checkpoint larger than this monitor's head without a usable
// proof needs the log's consistency proof. The handler never asks the log
// itself (a flood of such checkpoints held gRPC's callback threads and
// stalled the witness on the same port, issue 11): it looks the proof up
// in its ProofFetcher, which asks the log once per (origin, old size, new
// size) on its own thread, within a per-peer budget. Until the proof is
// there the checkpoint is counted ahead_unverified ("not checked now"),
// and the answer is the usual one: gossip.proto's answer carries only the
// responder's heads, so nothing in the protocol changes. The next exchange
// that carries that checkpoint finds the proof cached and judges it. A
// log's proof can never be evidence (peer_check.h), so nothing is lost by
// judging later.
//
// Thread-safety: thread-safe. The logs, the alarm and verify_budget must
// outlive the service; shut the gRPC server down before destroying it.
#ifndef VITRINE_MONITOR_GOSSIP_GOSSIP_SERVICE_H_
#define VITRINE_MONITOR_GOSSIP_GOSSIP_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/peer_budget.h"
#include "grpcpp/grpcpp.h"
#include "monitor/alarm.h"
#include "monitor/gossip/exchange.h"
#include "monitor/gossip/peer_check.h"
#include "monitor/gossip/proof_fetcher.h"
#include "monitor/verified_log.h"
#include "proto/vitrine/v1/gossip.grpc.pb.h"

namespace vitrine::monitor {

struct GossipServiceOptions {
  ExchangeLimits limits;
  // The note sent for each head (exchange.h); empty: the head's
  // signed_note. The monitor sets it to add its own witness cosignature.
  NoteToSend note_to_send;
  // The log's consistency proof, for checkpoints larger than this
  // monitor's head (peer_check.h); empty: such checkpoints stay unverified.
  // Called only from the service's ProofFetcher threads, never from gRPC's.
  LogConsistencyByOrigin log_consistency;
  ProofFetcherOptions proof_fetcher;
  // Failed verifications per peer (shared with the other services of the
  // server); null: no budget.
  PeerBudget* verify_budget = nullptr;
};

class GossipService final : public vitrine::v1::Gossip::CallbackService {
 public:
  // `logs` (one per followed log) and `alarm` must outlive the service.
  GossipService(std::vector<VerifiedLog*> logs, Alarm* alarm,
                std::string monitor_name, GossipServiceOptions options);

  grpc::ServerUnaryReactor* Exchange(
      grpc::CallbackServerContext* context,
      const vitrine::v1::ExchangeRequest* request,
      vitrine::v1::ExchangeResponse* response) override;

  // Returns how the checkpoints received so far were judged.
  PeerCheckCounts Counts() const;
  // Returns what the proof fetcher did (zeros without log_consistency).
  ProofFetcherStats FetcherStats() const;

 private:
  absl::Status Answer(absl::string_view peer,
                      const vitrine::v1::ExchangeRequest& request,
                      vitrine::v1::ExchangeResponse& response);

  const std::vector<VerifiedLog*> logs_;
  Alarm* const alarm_;
  const std::string monitor_name_;
  const GossipServiceOptions options_;
  std::unique_ptr<ProofFetcher> fetcher_;  // Null without log_consistency.
  // Replays of genuine checkpoints (a flood of the newest one) cost a hash.
  VerifiedNotes verified_notes_{4096};
  mutable absl::Mutex mu_;
  PeerCheckCounts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_GOSSIP_SERVICE_H_
