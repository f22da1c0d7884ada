#include "monitor/server/monitor_server.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/disk_reserve.h"
#include "common/file.h"
#include "common/grpc_status.h"
#include "common/host_port.h"
#include "common/log_escape.h"
#include "common/peer_budget.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/signing/token_files.h"
#include "log/signing/token_key.h"
#include "monitor/evidence/recorder.h"
#include "monitor/follow/follower.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/gossip/gossip_service.h"
#include "monitor/gossip/gossiper.h"
#include "monitor/mirror/mirror_read_service.h"
#include "monitor/server/monitor_metrics.h"
#include "monitor/server/mirror_http.h"
#include "monitor/server/status_http.h"
#include "monitor/witness/witness.h"
#include "monitor/witness/witness_service.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::monitor {
namespace {

// TLS files are a few KiB; anything near this is not a PEM file.
constexpr size_t kMaxPemFileSize = 1 << 20;

// The roots to reach logs and peers with; nullopt: plaintext.
absl::StatusOr<std::optional<std::string>> TlsRoots(const MonitorConfig& config) {
  if (config.tls_roots_file.empty()) return std::optional<std::string>();
  VITRINE_ASSIGN_OR_RETURN(std::string roots,
                           ReadSmallFile(config.tls_roots_file, kMaxPemFileSize));
  return std::optional<std::string>(std::move(roots));
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(
    const std::optional<std::string>& roots) {
  if (!roots.has_value()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *roots;
  return grpc::SslCredentials(ssl);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const MonitorConfig& config) {
  if (config.tls_cert_file.empty() && config.tls_key_file.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both tls_cert_file and tls_key_file");
  }
  grpc::SslServerCredentialsOptions ssl;
  VITRINE_ASSIGN_OR_RETURN(std::string cert,
                           ReadSmallFile(config.tls_cert_file, kMaxPemFileSize));
  VITRINE_ASSIGN_OR_RETURN(std::string key, ReadSmallFile(config.tls_key_file, kMaxPemFileSize));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  return grpc::SslServerCredentials(ssl);
}

// The token that holds the witness key (log/signing/token_files.h); empty
// when the key is a file.
absl::StatusOr<signing::TokenOptions> WitnessToken(const MonitorConfig& config) {
  return signing::ResolveToken(signing::TokenOptionsOf(config), config.Pkcs11RecordPath(),
                               config.KeyPath(), !config.key_file.empty(), "witness");
}

}  // namespace

absl::StatusOr<MonitorIdentity> InitMonitorData(const MonitorConfig& config) {
  MonitorIdentity identity;
  VITRINE_ASSIGN_OR_RETURN(const signing::TokenOptions token, WitnessToken(config));
  const std::string key_path = config.KeyPath();
  if (!token.empty()) {
    VITRINE_RETURN_IF_ERROR(MakeDirs(config.data, 0700));
    VITRINE_ASSIGN_OR_RETURN(
        signing::TokenKeyInfo key,
        signing::InitTokenKeyFiles(token, config.name, note::SignatureType::kCosignatureV1,
                                   config.VerifierKeyPath(), config.Pkcs11RecordPath()));
    identity.verifier_key = key.vkey;
    identity.created = key.created;
  } else {
    if (!PathExists(key_path)) {
      VITRINE_RETURN_IF_ERROR(MakeDirs(config.data, 0700));
      VITRINE_ASSIGN_OR_RETURN(
          note::GeneratedKey key,
          note::GenerateKey(config.name, note::SignatureType::kCosignatureV1));
      VITRINE_RETURN_IF_ERROR(note::WriteSignerKeyFile(key_path, key.signer_key));
      identity.created = true;
    }
    VITRINE_ASSIGN_OR_RETURN(std::string signer_key, note::ReadSignerKeyFile(key_path));
    VITRINE_ASSIGN_OR_RETURN(identity.verifier_key, note::VerifierKeyOf(signer_key));
  }
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed,
                           note::ParseVerifierKey(identity.verifier_key));
  if (parsed.type != note::SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError(absl::StrCat(
        token.empty() ? key_path : config.VerifierKeyPath(),
        " is not a witness key (cosignature/v1, type 0x04): make one with "
        "`vitrine-monitor init` or `vitrine keygen --kind=witness`"));
  }
  identity.name = parsed.name;
  if (!PathExists(config.VerifierKeyPath())) {
    VITRINE_RETURN_IF_ERROR(WriteFileAtomically(config.VerifierKeyPath(),
                                                identity.verifier_key + "\n", 0644));
  }
  if (!PathExists(config.VendorsPath())) {
    VITRINE_RETURN_IF_ERROR(WriteFileAtomically(
        config.VendorsPath(),
        "# Vendor verifier keys the monitor checks statements with, one per line\n"
        "# (the log's vendor registry format). Statements of other vendors are\n"
        "# counted as unknown_vendor.\n",
        0644));
  }
  return identity;
}

struct MonitorServer::Rep {
  MonitorConfig config;
  MonitorIdentity identity;
  std::unique_ptr<EvidenceRecorder> alarm;
  // The data folder's free-space reserve; outlives the witness and the
  // followers that check it.
  std::unique_ptr<DiskReserve> disk;
  std::unique_ptr<Witness> witness;
  std::vector<std::unique_ptr<VerifiedCopy>> copies;
  std::vector<VerifiedLog*> logs;  // the copies, as gossip sees them
  std::vector<std::unique_ptr<Follower>> followers;
  // One channel per followed log for gossip's questions to the log itself
  // (a consistency proof to a peer's larger checkpoint).
  std::map<std::string, std::unique_ptr<vitrine::v1::Log::Stub>> log_stubs;
  // Failed signature verifications per peer (common/peer_budget.h), one
  // budget per service so that forgeries sent to Gossip never spend what
  // the log's pushes to the witness need; they outlive the services.
  std::unique_ptr<PeerBudget> witness_budget;
  std::unique_ptr<PeerBudget> gossip_budget;
  std::unique_ptr<WitnessService> witness_service;
  std::unique_ptr<GossipService> gossip_service;
  // Reads of the Log API from the verified copies (read-only mirror).
  std::unique_ptr<MirrorReadService> mirror_service;
  std::unique_ptr<Gossiper> gossiper;
  std::unique_ptr<grpc::Server> grpc_server;
  std::string grpc_host;
  int grpc_port = 0;
  // The verified copies over tlog-tiles (config.mirror_http); null when
  // off. Outlives http, whose threads call it.
  std::unique_ptr<MirrorHttp> mirror_http;
  std::unique_ptr<StatusHttp> http;
  std::string http_host;
  std::unique_ptr<MonitorMetrics> metrics;
  bool shut_down = false;

  MonitorSnapshot Snapshot() const;
  // Cosigns a checkpoint a follower just verified.
  void Cosign(const VerifiedCopy& copy, const VerifiedHead& head) const;
  // The note gossip sends for a head: with this witness's cosignature
  // when it cosigned that very checkpoint.
  std::string NoteToSend(const std::string& origin, const VerifiedHead& head) const;
  // The log's consistency proof between two sizes, for a peer's checkpoint
  // larger than this monitor's head that came without a usable proof.
  absl::StatusOr<std::vector<merkle::Hash>> LogConsistency(const std::string& origin,
                                                           uint64_t old_size,
                                                           uint64_t new_size) const;
};

absl::StatusOr<std::vector<merkle::Hash>> MonitorServer::Rep::LogConsistency(
    const std::string& origin, uint64_t old_size, uint64_t new_size) const {
  auto it = log_stubs.find(origin);
  if (it == log_stubs.end()) return absl::NotFoundError(absl::StrCat("no log ", origin));
  vitrine::v1::GetConsistencyProofRequest request;
  request.set_old_size(old_size);
  request.set_new_size(new_size);
  vitrine::v1::GetConsistencyProofResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  VITRINE_RETURN_IF_ERROR(FromGrpcStatus(
      it->second->GetConsistencyProof(&context, request, &response), "GetConsistencyProof"));
  std::vector<merkle::Hash> proof;
  for (const std::string& bytes : response.proof()) {
    VITRINE_ASSIGN_OR_RETURN(merkle::Hash hash, merkle::Hash::FromBytes(bytes));
    proof.push_back(hash);
  }
  return proof;
}

MonitorSnapshot MonitorServer::Rep::Snapshot() const {
  MonitorSnapshot snapshot;
  for (size_t i = 0; i < copies.size(); ++i) {
    LogSnapshot log;
    log.origin = copies[i]->origin();
    log.follower = followers[i]->stats();
    log.halted = alarm->Halted(log.origin);
    absl::StatusOr<uint64_t> held = witness->HeldSize(log.origin);
    log.witness_size = held.ok() ? *held : 0;
    snapshot.logs.push_back(std::move(log));
  }
  snapshot.alarms = alarm->Counts();
  if (gossiper != nullptr) snapshot.gossip = gossiper->Stats();
  snapshot.gossip_received = gossip_service->Counts();
  snapshot.gossip_proofs = gossip_service->FetcherStats();
  return snapshot;
}

void MonitorServer::Rep::Cosign(const VerifiedCopy& copy, const VerifiedHead& head) const {
  absl::StatusOr<std::vector<std::string>> lines =
      witness->CosignVerified(head.signed_note, copy);
  // Aborted: the log pushed a larger checkpoint to the witness first,
  // which the follower will reach; anything else is worth a line.
  if (!lines.ok() && !absl::IsAborted(lines.status())) {
    // The error may quote the log's note: escaped (issue 11).
    std::fprintf(stderr, "vitrine-monitor: %s: not cosigning size %llu: %s\n",
                 copy.origin().c_str(),
                 static_cast<unsigned long long>(head.checkpoint.size),
                 EscapeForLog(lines.status().ToString(), 1024).c_str());
  }
}

std::string MonitorServer::Rep::NoteToSend(const std::string& origin,
                                           const VerifiedHead& head) const {
  // Canonical either way (exchange.h): the log's lines alone, or the
  // witness's Latest(), which adds only its own cosignature.
  std::string canonical = head.signed_note;
  for (const VerifiedLog* log : logs) {
    if (log->origin() == origin) canonical = CanonicalHeadNote(*log, head);
  }
  // A halted log gets no more of this witness's word, even on old heads.
  if (alarm->Halted(origin)) return canonical;
  std::optional<std::string> cosigned = witness->Latest(origin);
  if (!cosigned.has_value()) return canonical;
  // The witness's note for the same checkpoint text carries its cosignature.
  absl::StatusOr<note::Note> mine = note::ParseNote(*cosigned);
  absl::StatusOr<note::Note> theirs = note::ParseNote(head.signed_note);
  if (mine.ok() && theirs.ok() && mine->text == theirs->text) return *cosigned;
  return canonical;
}

MonitorServer::MonitorServer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

MonitorServer::~MonitorServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<MonitorServer>> MonitorServer::Start(
    const MonitorConfig& config) {
  VITRINE_ASSIGN_OR_RETURN(std::vector<FollowedLog> followed, ParseFollowedLogs(config));
  VITRINE_ASSIGN_OR_RETURN(HostPort grpc_address, SplitHostPort(config.grpc_listen));
  VITRINE_ASSIGN_OR_RETURN(HostPort http_address, SplitHostPort(config.http_listen));
  auto rep = std::make_unique<Rep>();
  Rep* r = rep.get();
  rep->config = config;
  VITRINE_ASSIGN_OR_RETURN(const signing::TokenOptions token, WitnessToken(config));
  if (!config.init_if_missing && token.empty() && !PathExists(config.KeyPath())) {
    return absl::FailedPreconditionError(
        absl::StrCat("no witness key at ", config.KeyPath(),
                     ": run `vitrine-monitor init` or pass --init_if_missing"));
  }
  if (!config.init_if_missing && !token.empty() &&
      !PathExists(config.VerifierKeyPath())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no witness verifier key at ", config.VerifierKeyPath(),
        ": run `vitrine-monitor init` with the pkcs11_* options first"));
  }
  VITRINE_ASSIGN_OR_RETURN(rep->identity, InitMonitorData(config));

  VITRINE_ASSIGN_OR_RETURN(const std::optional<std::string> tls_roots, TlsRoots(config));
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> server_credentials,
                           ServerCredentials(config));
  VITRINE_ASSIGN_OR_RETURN(rep->alarm, EvidenceRecorder::Open(config.EvidenceDir(),
                                                                config.ObservedDir()));
  std::vector<std::string> log_vkeys;
  for (const FollowedLog& log : followed) log_vkeys.push_back(log.vkey);
  if (token.empty()) {
    VITRINE_ASSIGN_OR_RETURN(std::string witness_key,
                             note::ReadSignerKeyFile(config.KeyPath()));
    VITRINE_ASSIGN_OR_RETURN(rep->witness,
                             Witness::OpenWithKey(witness_key, log_vkeys, config.WitnessDir(),
                                                  rep->alarm.get()));
  } else {
    // The key never leaves the token: witness.vkey names it (InitMonitorData
    // checked it is the token's key), and every cosignature is made there.
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer,
                             signing::OpenTokenSigner(token, rep->identity.verifier_key));
    VITRINE_ASSIGN_OR_RETURN(
        rep->witness, Witness::Open(std::move(signer), rep->identity.verifier_key,
                                    log_vkeys, config.WitnessDir(), rep->alarm.get()));
  }
  DiskReserveOptions disk_options;
  disk_options.min_free_bytes = config.min_free_bytes;
  rep->disk = std::make_unique<DiskReserve>(config.data, disk_options);
  rep->witness->set_disk_reserve(rep->disk.get());

  for (const FollowedLog& log : followed) {
    VITRINE_RETURN_IF_ERROR(MakeDirs(config.data + "/logs", 0700));
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<VerifiedCopy> copy,
                             VerifiedCopy::Open(config.LogStorePath(log.origin), log.vkey));
    FollowerOptions options;
    options.target = log.address;
    options.tls_root_certs = tls_roots;
    options.log_vkey = log.vkey;
    options.vendor_keys_file = config.VendorsPath();
    options.rebuilder_keys_file = config.RebuildersPath();
    // Only the default path may be missing: a named file that is not there
    // is a mistake, not a choice to trust no rebuilder.
    options.rebuilder_keys_optional = config.rebuilders_file.empty();
    options.check_vendor_signatures = config.check_vendor_signatures;
    options.watched_vendors = config.watch_vendors;
    options.vendor_watch_file = config.WatchPath();
    options.entries_per_fetch = static_cast<uint64_t>(config.entries_per_fetch);
    options.poll_interval = absl::Milliseconds(config.poll_interval_ms);
    options.monitor_name = rep->identity.name;
    options.disk = rep->disk.get();
    VerifiedCopy* copy_ptr = copy.get();
    VITRINE_ASSIGN_OR_RETURN(
        std::unique_ptr<Follower> follower,
        Follower::Create(options, copy_ptr, rep->alarm.get(),
                         [r, copy_ptr](std::shared_ptr<const VerifiedHead> head) {
                           r->Cosign(*copy_ptr, *head);
                         }));
    rep->log_stubs[log.origin] = vitrine::v1::Log::NewStub(
        grpc::CreateChannel(log.address, ChannelCredentials(tls_roots)));
    rep->logs.push_back(copy.get());
    rep->copies.push_back(std::move(copy));
    rep->followers.push_back(std::move(follower));
  }

  NoteToSend note_to_send = [r](const std::string& origin, const VerifiedHead& head) {
    return r->NoteToSend(origin, head);
  };
  LogConsistencyByOrigin log_consistency = [r](const std::string& origin, uint64_t old_size,
                                               uint64_t new_size) {
    return r->LogConsistency(origin, old_size, new_size);
  };
  rep->witness_budget = std::make_unique<PeerBudget>(PeerBudgetOptions{});
  rep->gossip_budget = std::make_unique<PeerBudget>(PeerBudgetOptions{});
  GossipServiceOptions gossip_options;
  gossip_options.note_to_send = note_to_send;
  // Asked from the service's own fetcher thread, never from gRPC's.
  gossip_options.log_consistency = log_consistency;
  gossip_options.verify_budget = rep->gossip_budget.get();
  rep->gossip_service = std::make_unique<GossipService>(rep->logs, rep->alarm.get(),
                                                        rep->identity.name, gossip_options);
  rep->witness_service =
      std::make_unique<WitnessService>(rep->witness.get(), rep->witness_budget.get());
  // A mirror's checkpoints carry this monitor's cosignature once it made
  // one, except for a log it holds evidence against.
  const CosignedNoteFn cosigned = [r](absl::string_view origin) -> std::optional<std::string> {
    if (r->alarm->Halted(origin)) return std::nullopt;
    return r->witness->Latest(origin);
  };
  std::vector<MirroredLog> mirrored;
  for (size_t i = 0; i < followed.size(); ++i) {
    mirrored.push_back({rep->copies[i].get(), followed[i].address, cosigned});
  }
  rep->mirror_service = std::make_unique<MirrorReadService>(MirroredLogs(std::move(mirrored)));
  if (!config.peers.empty()) {
    std::vector<GossipPeer> peers;
    for (const std::string& peer : config.peers) peers.push_back({peer, peer, tls_roots});
    GossiperOptions gossiper_options;
    gossiper_options.interval = absl::Milliseconds(config.gossip_interval_ms);
    gossiper_options.note_to_send = note_to_send;
    gossiper_options.log_consistency = log_consistency;
    VITRINE_ASSIGN_OR_RETURN(rep->gossiper,
                             Gossiper::Create(rep->logs, rep->alarm.get(), rep->identity.name,
                                              std::move(peers), gossiper_options));
  }

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.grpc_listen, server_credentials, &rep->grpc_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<int64_t>(config.grpc_max_receive_bytes, std::numeric_limits<int>::max())));
  builder.RegisterService(rep->witness_service.get());
  builder.RegisterService(rep->gossip_service.get());
  builder.RegisterService(rep->mirror_service.get());
  rep->grpc_server = builder.BuildAndStart();
  if (rep->grpc_server == nullptr || rep->grpc_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", config.grpc_listen));
  }
  rep->grpc_host = grpc_address.host;

  rep->metrics = std::make_unique<MonitorMetrics>();
  StatusHttp::Handlers handlers;
  handlers.metrics = [r] { return r->metrics->Render(r->Snapshot()); };
  handlers.health = [r] {
    Health health;
    health.ok = HealthText(r->Snapshot(), r->config.EvidenceDir(), &health.text);
    if (absl::Status room = r->disk->Check(); !room.ok()) {
      // Reads are served; verified copies and the witness state do not grow.
      // The per-log lines stay; "ok\n" goes, the reason comes first.
      const std::string logs = health.ok ? health.text.substr(3) : health.text;
      health.text = absl::StrCat("writes refused: ", room.message(), "\n", logs);
      health.ok = false;
    }
    return health;
  };
  if (config.mirror_http) {
    std::vector<const VerifiedCopy*> served;
    for (const std::unique_ptr<VerifiedCopy>& copy : rep->copies) served.push_back(copy.get());
    rep->mirror_http = std::make_unique<MirrorHttp>(std::move(served),
                                                    serving::TilesHttpOptions{}, cosigned);
    handlers.mirror = [r](const HttpRequest& request, HttpResponse& response) {
      return r->mirror_http->Handle(request, response);
    };
  }
  VITRINE_ASSIGN_OR_RETURN(rep->http,
                           StatusHttp::Start(http_address.host, http_address.port, handlers));
  rep->http_host = http_address.host;

  for (const std::unique_ptr<Follower>& follower : rep->followers) follower->Start();
  if (rep->gossiper != nullptr) rep->gossiper->Start();
  return std::unique_ptr<MonitorServer>(new MonitorServer(std::move(rep)));
}

const MonitorIdentity& MonitorServer::identity() const { return rep_->identity; }

std::string MonitorServer::grpc_address() const {
  return absl::StrCat(rep_->grpc_host, ":", rep_->grpc_port);
}

std::string MonitorServer::http_address() const {
  return absl::StrCat(rep_->http_host, ":", rep_->http->port());
}

std::string MonitorServer::RenderMetrics() const {
  return rep_->metrics->Render(rep_->Snapshot());
}

bool MonitorServer::Healthy(std::string* text) const {
  return HealthText(rep_->Snapshot(), rep_->config.EvidenceDir(), text);
}

absl::Status MonitorServer::ReloadVendors() {
  for (const std::unique_ptr<Follower>& follower : rep_->followers) {
    VITRINE_RETURN_IF_ERROR(follower->ReloadVendorKeys());
  }
  return absl::OkStatus();
}

void MonitorServer::Shutdown() {
  if (rep_ == nullptr || rep_->shut_down) return;
  rep_->shut_down = true;
  // Stop what calls out first (they may cosign or raise), then what
  // answers, then close the stores (the copies' destructors).
  if (rep_->gossiper != nullptr) rep_->gossiper->Stop();
  for (const std::unique_ptr<Follower>& follower : rep_->followers) follower->Stop();
  // Entries streams end at their next write, so slow readers do not hold
  // the server's shutdown for its whole deadline.
  if (rep_->mirror_service != nullptr) rep_->mirror_service->Shutdown();
  if (rep_->grpc_server != nullptr) {
    rep_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  if (rep_->http != nullptr) rep_->http->Stop();
  rep_->gossiper.reset();
  rep_->followers.clear();
  rep_->grpc_server.reset();
  rep_->gossip_service.reset();
  rep_->witness_service.reset();
  rep_->mirror_service.reset();
  rep_->mirror_http.reset();  // http's threads are joined: no more calls
  rep_->logs.clear();
  rep_->copies.clear();
  rep_->witness.reset();
}

}  // namespace vitrine::monitor
