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
// Status codes: RESOURCE_EXHAUSTED for more than max_checkpoints
// checkpoints or a note over max_note_bytes, INVALID_ARGUMENT for an
// over-long monitor name (ExchangeLimits). A checkpoint that does not
// verify is not an error of the call: it is counted as rejected and the
// answer is sent all the same.
//
// Thread-safety: thread-safe. The logs and the alarm must outlive the
// service; shut the gRPC server down before destroying it.
#ifndef VITRINE_MONITOR_GOSSIP_GOSSIP_SERVICE_H_
#define VITRINE_MONITOR_GOSSIP_GOSSIP_SERVICE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "monitor/alarm.h"
#include "monitor/gossip/exchange.h"
#include "monitor/gossip/peer_check.h"
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
  LogConsistencyByOrigin log_consistency;
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

 private:
  absl::Status Answer(absl::string_view peer,
                      const vitrine::v1::ExchangeRequest& request,
                      vitrine::v1::ExchangeResponse& response);

  const std::vector<VerifiedLog*> logs_;
  Alarm* const alarm_;
  const std::string monitor_name_;
  const GossipServiceOptions options_;
  mutable absl::Mutex mu_;
  PeerCheckCounts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_GOSSIP_SERVICE_H_
