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
#include "common/log_escape.h"
#include "common/log_limiter.h"
#include "common/peer_budget.h"

namespace vitrine::monitor {
namespace {

// Lines about what a peer sent, limited per peer address (IPv4 /32, IPv6
// /64: PeerBudget's grouping, so one host's addresses share one limit) for
// the whole process (stderr is per process, and so is what a peer may fill of it);
// one GossipService per monitor, so a file-level limiter is that service's.
void LogFromPeer(absl::string_view grpc_peer, const std::string& line) {
  static LogLimiter* const limiter = new LogLimiter(LogLimiterOptions{});
  const std::string address = PeerBudget::AddressOf(grpc_peer);
  const LogLimiter::Admission admission = limiter->Admit(address);
  if (admission.suppressed > 0) {
    std::fprintf(stderr, "vitrine-monitor: gossip: suppressed %llu lines from peer %s\n",
                 static_cast<unsigned long long>(admission.suppressed),
                 EscapeForLog(address).c_str());
  }
  if (admission.write) std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

GossipService::GossipService(std::vector<VerifiedLog*> logs, Alarm* alarm,
                             std::string monitor_name,
                             GossipServiceOptions options)
    : logs_(std::move(logs)),
      alarm_(alarm),
      monitor_name_(std::move(monitor_name)),
      options_(std::move(options)) {
  if (options_.log_consistency) {
    fetcher_ = std::make_unique<ProofFetcher>(options_.log_consistency,
                                              options_.proof_fetcher);
  }
}

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
  // Cheap checks first: a peer whose failures spent its budget costs no
  // signature verification at all.
  PeerBudget* const verify_budget = options_.verify_budget;
  if (verify_budget != nullptr) {
    if (absl::Status allowed = verify_budget->Check(peer); !allowed.ok()) {
      return allowed;
    }
  }
  absl::Status spent;
  VerificationBudget budget;
  budget.verified_notes = &verified_notes_;
  if (verify_budget != nullptr) {
    budget.before = [&] {
      spent = verify_budget->Check(peer);
      return spent;
    };
    budget.rejected = [&] { verify_budget->ChargeFailure(peer); };
  }
  // The log's proofs only from the fetcher's cache: never a call to the
  // log on this thread.
  LogConsistencyByOrigin log_consistency;
  if (fetcher_ != nullptr) {
    log_consistency = [this, peer](const std::string& origin,
                                   uint64_t old_size, uint64_t new_size)
        -> absl::StatusOr<std::vector<merkle::Hash>> {
      ProofLookup got = fetcher_->Lookup(origin, old_size, new_size, peer);
      switch (got.state) {
        case ProofLookup::kReady:
          return std::move(got.proof);
        case ProofLookup::kQueued:
        case ProofLookup::kPending:
          return absl::UnavailableError(absl::StrCat(
              "the log's consistency proof from size ", old_size, " to ",
              new_size, " is being fetched; checked at a later exchange"));
        case ProofLookup::kOverBudget:
        case ProofLookup::kQueueFull:
          break;
      }
      return absl::ResourceExhaustedError(absl::StrCat(
          "the log's consistency proof from size ", old_size, " to ",
          new_size, " is not fetched for this peer now (",
          ProofLookupStateName(got.state), ")"));
    };
  }
  // The peer names itself: escaped once here, for every log line and
  // evidence file that quotes the source.
  const std::string source =
      absl::StrCat("gossip peer ", EscapeForLog(peer), " (monitor \"",
                   EscapeForLog(request.monitor()), "\")");
  // The requester's size per origin, for the proofs in the answer: the
  // largest of its checkpoints that verified.
  std::map<std::string, uint64_t> their_sizes;
  for (const CheckedCheckpoint& checked :
       CheckReceived(logs_, *alarm_, request.checkpoints(), source,
                     monitor_name_, log_consistency, budget,
                     [peer](const std::string& line) { LogFromPeer(peer, line); })) {
    {
      absl::MutexLock lock(&mu_);
      counts_.Add(checked.result.kind);
    }
    if (checked.result.kind == PeerCheckKind::kRejected) {
      LogFromPeer(peer, absl::StrCat("vitrine-monitor: gossip: rejected from ", source, ": ",
                                     EscapeForLog(checked.result.detail, 1024)));
      continue;
    }
    uint64_t& size = their_sizes[checked.origin];
    size = std::max(size, checked.result.their_size);
  }
  // Out of budget part way: what was checked counts, the rest was not.
  if (!spent.ok()) return spent;
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

ProofFetcherStats GossipService::FetcherStats() const {
  return fetcher_ == nullptr ? ProofFetcherStats{} : fetcher_->Stats();
}

}  // namespace vitrine::monitor
