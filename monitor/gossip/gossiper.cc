#include "monitor/gossip/gossiper.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/log_escape.h"
#include "grpcpp/grpcpp.h"
#include "proto/vitrine/v1/gossip.grpc.pb.h"

namespace vitrine::monitor {

struct Gossiper::Peer {
  GossipPeer config;
  std::unique_ptr<vitrine::v1::Gossip::Stub> stub;
};

absl::StatusOr<std::unique_ptr<Gossiper>> Gossiper::Create(
    std::vector<VerifiedLog*> logs, Alarm* alarm, std::string monitor_name,
    std::vector<GossipPeer> peers, GossiperOptions options) {
  if (options.interval <= absl::ZeroDuration() ||
      options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "gossip interval and deadline must be positive");
  }
  std::vector<std::unique_ptr<Peer>> stubs;
  for (GossipPeer& config : peers) {
    if (config.target.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("gossip peer \"", config.name, "\" has no target"));
    }
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    if (config.tls_root_certs.has_value()) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = *config.tls_root_certs;
      credentials = grpc::SslCredentials(ssl);
    } else {
      credentials = grpc::InsecureChannelCredentials();
    }
    auto peer = std::make_unique<Peer>();
    peer->stub = vitrine::v1::Gossip::NewStub(
        grpc::CreateChannel(config.target, credentials));
    peer->config = std::move(config);
    stubs.push_back(std::move(peer));
  }
  return std::unique_ptr<Gossiper>(
      new Gossiper(std::move(logs), alarm, std::move(monitor_name),
                   std::move(stubs), std::move(options)));
}

Gossiper::Gossiper(std::vector<VerifiedLog*> logs, Alarm* alarm,
                   std::string monitor_name,
                   std::vector<std::unique_ptr<Peer>> peers,
                   GossiperOptions options)
    : logs_(std::move(logs)),
      alarm_(alarm),
      monitor_name_(std::move(monitor_name)),
      peers_(std::move(peers)),
      options_(std::move(options)) {
  for (const std::unique_ptr<Peer>& peer : peers_) {
    PeerStats stats;
    stats.name = peer->config.name;
    stats.target = peer->config.target;
    stats_.peers.push_back(std::move(stats));
  }
}

Gossiper::~Gossiper() { Stop(); }

PeerRound Gossiper::Exchange(
    Peer& peer, const std::vector<vitrine::v1::GossipCheckpoint>& heads) {
  PeerRound round;
  round.peer = peer.config.name;
  vitrine::v1::ExchangeRequest request;
  request.set_monitor(monitor_name_);
  for (const vitrine::v1::GossipCheckpoint& head : heads) {
    *request.add_checkpoints() = head;
  }
  vitrine::v1::ExchangeResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  round.status =
      FromGrpcStatus(peer.stub->Exchange(&context, request, &response));
  if (round.status.ok()) {
    round.status = CheckExchangeLimits(response.monitor(),
                                       response.checkpoints(), options_.limits);
  }
  if (!round.status.ok()) {
    round.status = absl::Status(
        round.status.code(),
        absl::StrCat("gossip with ", peer.config.name, " (", peer.config.target,
                     "): ", round.status.message()));
    return round;
  }
  // The peer names itself: escaped once here, for every log line and
  // evidence file that quotes the source (as the service does).
  const std::string source =
      absl::StrCat("gossip peer ", peer.config.name, " (", peer.config.target,
                   ", monitor \"", EscapeForLog(response.monitor()), "\")");
  round.checked = CheckReceived(logs_, *alarm_, response.checkpoints(), source,
                                monitor_name_, options_.log_consistency);
  for (const CheckedCheckpoint& checked : round.checked) {
    // Evidence is logged by the alarm; what could not be judged is worth
    // a line (a bad signature or proof from a peer, or nothing verified
    // here yet).
    if (checked.result.kind == PeerCheckKind::kRejected ||
        checked.result.kind == PeerCheckKind::kAheadUnverified) {
      std::fprintf(stderr, "vitrine-monitor: gossip: %s from %s: %s\n",
                   PeerCheckKindName(checked.result.kind), source.c_str(),
                   EscapeForLog(checked.result.detail, 1024).c_str());
    }
  }
  return round;
}

std::vector<PeerRound> Gossiper::RoundOnce() {
  absl::MutexLock round_lock(&round_mu_);
  const std::vector<vitrine::v1::GossipCheckpoint> heads =
      HeadsToSend(logs_, options_.note_to_send);
  std::vector<PeerRound> rounds;
  for (size_t i = 0; i < peers_.size(); ++i) {
    PeerRound round = Exchange(*peers_[i], heads);
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    PeerStats& stats = stats_.peers[i];
    if (round.status.ok()) {
      ++stats.exchanges_ok;
      stats.last_success = now;
    } else {
      ++stats.exchanges_failed;
      stats.last_failure = now;
      stats.last_error = round.status.ToString();
    }
    for (const CheckedCheckpoint& checked : round.checked) {
      stats_.results.Add(checked.result.kind);
    }
    rounds.push_back(std::move(round));
  }
  absl::MutexLock lock(&mu_);
  ++stats_.rounds;
  return rounds;
}

void Gossiper::Start() {
  absl::MutexLock thread_lock(&thread_mu_);
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Gossiper::Stop() {
  absl::MutexLock thread_lock(&thread_mu_);
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void Gossiper::Loop() {
  while (true) {
    for (const PeerRound& round : RoundOnce()) {
      if (!round.status.ok()) {
        // Carries the peer's own error message.
        std::fprintf(stderr, "vitrine-monitor: %s\n",
                     EscapeForLog(round.status.ToString(), 1024).c_str());
      }
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
    if (stopping_) return;
  }
}

GossipStats Gossiper::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace vitrine::monitor
