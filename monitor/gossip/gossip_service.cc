#include "monitor/gossip/gossip_service.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace vitrine::monitor {

GossipService::GossipService(std::vector<VerifiedLog*> logs, Alarm* alarm,
                             std::string monitor_name,
                             GossipServiceOptions options)
    : logs_(std::move(logs)),
      alarm_(alarm),
      monitor_name_(std::move(monitor_name)),
      options_(std::move(options)) {}

grpc::ServerUnaryReactor* GossipService::Exchange(
    grpc::CallbackServerContext* context,
    const vitrine::v1::ExchangeRequest* request,
    vitrine::v1::ExchangeResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(
      ToGrpcStatus(Answer(context->peer(), *request, *response)));
  return reactor;
}

absl::Status GossipService::Answer(absl::string_view peer,
                                   const vitrine::v1::ExchangeRequest& request,
                                   vitrine::v1::ExchangeResponse& response) {
  if (absl::Status valid = CheckExchangeLimits(
          request.monitor(), request.checkpoints(), options_.limits);
      !valid.ok()) {
    return valid;
  }
  const std::string source = absl::StrCat("gossip peer ", peer, " (monitor \"",
                                          request.monitor(), "\")");
  // The requester's size per origin, for the proofs in the answer: the
  // largest of its checkpoints that verified.
  std::map<std::string, uint64_t> their_sizes;
  for (const CheckedCheckpoint& checked :
       CheckReceived(logs_, *alarm_, request.checkpoints(), source,
                     monitor_name_, options_.log_consistency)) {
    {
      absl::MutexLock lock(&mu_);
      counts_.Add(checked.result.kind);
    }
    if (checked.result.kind == PeerCheckKind::kRejected) {
      std::fprintf(stderr, "vitrine-monitor: gossip: rejected from %s: %s\n",
                   source.c_str(), checked.result.detail.c_str());
      continue;
    }
    uint64_t& size = their_sizes[checked.origin];
    size = std::max(size, checked.result.their_size);
  }
  response.set_monitor(monitor_name_);
  for (const VerifiedLog* log : logs_) {
    const std::shared_ptr<const VerifiedHead> head = log->Latest();
    if (head->checkpoint.size == 0) continue;
    const auto their = their_sizes.find(log->origin());
    // No proof when the requester sent nothing for this log: it has
    // nothing to start one from.
    const uint64_t their_size =
        their == their_sizes.end() ? head->checkpoint.size : their->second;
    absl::StatusOr<vitrine::v1::GossipCheckpoint> checkpoint =
        HeadWithProof(*log, *head, their_size, options_.note_to_send);
    if (!checkpoint.ok()) {
      // This monitor's own copy failed: answer with the head alone.
      std::fprintf(stderr,
                   "vitrine-monitor: gossip: no proof from size %llu for %s: "
                   "%s\n",
                   static_cast<unsigned long long>(their_size),
                   log->origin().c_str(),
                   checkpoint.status().ToString().c_str());
      checkpoint = HeadWithProof(*log, *head, head->checkpoint.size,
                                 options_.note_to_send);
    }
    *response.add_checkpoints() = *std::move(checkpoint);
  }
  return absl::OkStatus();
}

PeerCheckCounts GossipService::Counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

}  // namespace vitrine::monitor
