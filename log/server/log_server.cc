#include "log/server/log_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include <cstdio>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/disk_reserve.h"
#include "common/file.h"
#include "common/host_port.h"
#include "common/metrics.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/server_credentials.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/sequencer/sequencer.h"
#include "log/server/admin_service.h"
#include "log/server/admin_socket.h"
#include "log/server/http_server.h"
#include "log/server/log_service.h"
#include "log/server/rate_limiter.h"
#include "log/server/restore_recovery.h"
#include "log/server/statement_backfill.h"
#include "log/server/vendor_registry.h"
#include "log/server/witness_pusher.h"
#include "log/server/witnessed_head.h"
#include "log/signing/token_files.h"
#include "log/signing/token_key.h"
#include "log/storage/store.h"
#include "log/storage/vendor_backfill.h"

namespace vitrine::server {
namespace {

// Between the service refusing calls and gRPC refusing them (Shutdown step
// 1): covers a call's way in on loopback and LANs (< 1 ms) and most WAN
// round trips, and stays well within a 2 s SIGTERM budget.
constexpr absl::Duration kShutdownDrain = absl::Milliseconds(200);

// TLS files are a few KiB; anything near this is not a PEM file.
constexpr size_t kMaxPemFileSize = 1 << 20;

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcCredentials(
    const LogConfig& config) {
  if (config.tls_cert_file.empty() && config.tls_key_file.empty()) {
    if (!config.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_client_ca_file needs tls_cert_file and tls_key_file");
    }
    return grpc::InsecureServerCredentials();
  }
  if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both tls_cert_file and tls_key_file");
  }
  grpc::SslServerCredentialsOptions ssl;
  VITRINE_ASSIGN_OR_RETURN(
      std::string cert, ReadSmallFile(config.tls_cert_file, kMaxPemFileSize));
  VITRINE_ASSIGN_OR_RETURN(
      std::string key, ReadSmallFile(config.tls_key_file, kMaxPemFileSize));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!config.tls_client_ca_file.empty()) {
    VITRINE_ASSIGN_OR_RETURN(
        ssl.pem_root_certs,
        ReadSmallFile(config.tls_client_ca_file, kMaxPemFileSize));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// A store `vitrine-log restore` marked: recovered from the witnesses and
// mirrors (restore_recovery.h) before anything can be signed, or - with
// accept_fork_risk - served as it is, loudly.
absl::Status RecoverIfRestored(const LogConfig& config, const std::string& vkey) {
  if (!IsMarkedRestored(config.StorePath())) return absl::OkStatus();
  if (config.accept_fork_risk) {
    std::fprintf(stderr,
                 "vitrine-log: WARNING: serving a store restored from a backup "
                 "without recovering what was published after it "
                 "(--accept_fork_risk): new entries may be signed at sizes "
                 "already signed with other roots, which witnesses and "
                 "monitors will prove as a fork\n");
    return ClearRestoredMark(config.StorePath());
  }
  RecoveryOptions options;
  options.store_path = config.StorePath();
  options.log_vkey = vkey;
  options.witnesses = config.witnesses;
  options.witness_quorum = config.WitnessQuorum();
  options.mirrors = config.mirrors;
  options.timeout = absl::Milliseconds(config.witness_timeout_ms);
  if (!config.witness_tls_roots_file.empty()) {
    VITRINE_ASSIGN_OR_RETURN(options.witness_tls_roots,
                             ReadSmallFile(config.witness_tls_roots_file, kMaxPemFileSize));
  }
  if (!config.mirror_tls_roots_file.empty()) {
    VITRINE_ASSIGN_OR_RETURN(options.mirror_tls_roots,
                             ReadSmallFile(config.mirror_tls_roots_file, kMaxPemFileSize));
  }
  VITRINE_ASSIGN_OR_RETURN(RecoveryReport report, RecoverRestoredStore(options));
  std::fprintf(stderr,
               "vitrine-log: restored store recovered: the backup ended at tree "
               "size %llu, the largest checkpoint published is %llu (%s); %llu "
               "entries fetched and verified against it; %zu witnesses answered\n",
               static_cast<unsigned long long>(report.restored_size),
               static_cast<unsigned long long>(report.recovered_size),
               report.target_from.empty() ? "the backup's own" : report.target_from.c_str(),
               static_cast<unsigned long long>(report.entries_fetched),
               report.witnesses_answered);
  return ClearRestoredMark(config.StorePath());
}

// The token that holds the log key (log/signing/token_files.h); empty when
// the key is a file.
absl::StatusOr<signing::TokenOptions> LogToken(const LogConfig& config) {
  return signing::ResolveToken(signing::TokenOptionsOf(config), config.Pkcs11RecordPath(),
                               config.KeyPath(), !config.key_file.empty(), "log");
}

void WriteEmptyVendors(const LogConfig& config) {
  if (!PathExists(config.VendorsPath())) {
    std::ofstream(config.VendorsPath())
        << "# Vendor verifier keys, one per line (vitrine keygen --kind=vendor).\n"
           "# A statement is accepted only when signed by a key named as its\n"
           "# vendor. Reloaded on SIGHUP.\n";
  }
}

}  // namespace

absl::StatusOr<LogIdentity> InitLogData(const LogConfig& config) {
  VITRINE_ASSIGN_OR_RETURN(signing::TokenOptions token, LogToken(config));
  if (!token.empty()) {
    VITRINE_RETURN_IF_ERROR(MakeDirs(config.data, 0700));
    VITRINE_ASSIGN_OR_RETURN(
        signing::TokenKeyInfo key,
        signing::InitTokenKeyFiles(token, config.origin, note::SignatureType::kEd25519,
                                   config.VerifierKeyPath(), config.Pkcs11RecordPath()));
    VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed, note::ParseVerifierKey(key.vkey));
    WriteEmptyVendors(config);
    return LogIdentity{parsed.name, key.vkey, key.created};
  }
  LogIdentity identity;
  const std::string key_path = config.KeyPath();
  if (!PathExists(key_path)) {
    VITRINE_RETURN_IF_ERROR(MakeDirs(config.data, 0700));
    VITRINE_ASSIGN_OR_RETURN(
        note::GeneratedKey key,
        note::GenerateKey(config.origin, note::SignatureType::kEd25519));
    VITRINE_RETURN_IF_ERROR(note::WriteSignerKeyFile(key_path, key.signer_key));
    identity.created = true;
  }
  VITRINE_ASSIGN_OR_RETURN(std::string signer_key, note::ReadSignerKeyFile(key_path));
  VITRINE_ASSIGN_OR_RETURN(identity.verifier_key, note::VerifierKeyOf(signer_key));
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer,
                           note::NewSigner(signer_key));
  identity.origin = signer->Name();
  if (!PathExists(config.VerifierKeyPath())) {
    std::ofstream(config.VerifierKeyPath()) << identity.verifier_key << "\n";
  }
  WriteEmptyVendors(config);
  return identity;
}

struct LogServer::Rep {
  LogConfig config;
  LogIdentity identity;
  MetricsRegistry metrics;
  std::unique_ptr<storage::Store> store;
  // The free-space reserve of the store's file system.
  std::unique_ptr<DiskReserve> disk;
  std::unique_ptr<sequencer::Sequencer> sequencer;
  // Set when witnesses are configured; the head outlives its readers.
  std::unique_ptr<WitnessedHead> witnessed;
  std::unique_ptr<WitnessPusher> pusher;
  std::unique_ptr<VendorRegistry> vendors;
  std::unique_ptr<RateLimiter> rate_limiter;
  std::unique_ptr<LogService> service;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<HttpServer> http_server;
  // The admin API on its Unix socket (none when admin_socket is "off").
  std::optional<UnixSocketAddress> admin_address;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<grpc::Server> admin_server;
  std::string grpc_host;
  int grpc_port = 0;
  std::string http_host;
  bool shut_down = false;
};

// The admin API on <data>/admin.sock (config.h admin_socket), after the
// store is open: its lock proves no other log serves this folder, so a
// socket file left there by a crash is stale and replaced.
absl::Status LogServer::StartAdmin(Rep& rep) {
  const std::string path = rep.config.AdminSocketPath();
  if (path.empty()) return absl::OkStatus();
  VITRINE_ASSIGN_OR_RETURN(UnixSocketAddress address, UnixSocketAddress::For(path));
  struct stat status;
  if (lstat(path.c_str(), &status) == 0) {
    if (!S_ISSOCK(status.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "admin_socket ", path, " exists and is not a socket"));
    }
    unlink(path.c_str());
  }
  rep.admin = std::make_unique<AdminService>(rep.store.get(), rep.identity.verifier_key);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address.grpc_target(), grpc::InsecureServerCredentials());
  builder.RegisterService(rep.admin.get());
  rep.admin_server = builder.BuildAndStart();
  if (rep.admin_server == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen on admin_socket ", path));
  }
  // Only the log's user (and root) may connect: connecting takes write
  // permission on the socket file.
  if (chmod(path.c_str(), 0600) != 0) {
    return ErrnoStatus(errno, absl::StrCat("chmod ", path));
  }
  rep.admin_address = std::move(address);
  return absl::OkStatus();
}

LogServer::LogServer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

LogServer::~LogServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<LogServer>> LogServer::Start(const LogConfig& config) {
  VITRINE_RETURN_IF_ERROR(ValidateLogConfig(config));
  auto rep = std::make_unique<Rep>();
  rep->config = config;
  VITRINE_ASSIGN_OR_RETURN(const signing::TokenOptions token, LogToken(config));
  if (config.init_if_missing) {
    VITRINE_ASSIGN_OR_RETURN(rep->identity, InitLogData(config));
  } else if (token.empty() && !PathExists(config.KeyPath())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no log key at ", config.KeyPath(),
        ": run `vitrine-log init` or pass --init_if_missing"));
  } else if (!token.empty() && !PathExists(config.VerifierKeyPath())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no log verifier key at ", config.VerifierKeyPath(),
        ": run `vitrine-log init` with the pkcs11_* options first"));
  }
  std::unique_ptr<note::Signer> signer;
  std::string vkey;
  if (token.empty()) {
    VITRINE_ASSIGN_OR_RETURN(std::string signer_key,
                             note::ReadSignerKeyFile(config.KeyPath()));
    VITRINE_ASSIGN_OR_RETURN(signer, note::NewSigner(signer_key));
    VITRINE_ASSIGN_OR_RETURN(vkey, note::VerifierKeyOf(signer_key));
  } else {
    // The key never leaves the token: log.vkey names it, and the token's
    // public key must be that one.
    VITRINE_ASSIGN_OR_RETURN(vkey, note::ReadVerifierKeyFile(config.VerifierKeyPath()));
    VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed, note::ParseVerifierKey(vkey));
    if (parsed.type != note::SignatureType::kEd25519) {
      return absl::FailedPreconditionError(absl::StrCat(
          config.VerifierKeyPath(), " holds ", vkey,
          ", not a log key (type 0x01)"));
    }
    VITRINE_ASSIGN_OR_RETURN(signer, signing::OpenTokenSigner(token, vkey));
  }
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> unique_verifier,
                           note::NewVerifier(vkey));
  std::shared_ptr<const note::Verifier> verifier = std::move(unique_verifier);
  rep->identity.origin = signer->Name();
  rep->identity.verifier_key = vkey;

  VITRINE_ASSIGN_OR_RETURN(HostPort grpc_address, SplitHostPort(config.grpc_listen));
  VITRINE_ASSIGN_OR_RETURN(HostPort http_address, SplitHostPort(config.http_listen));
  VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                           GrpcCredentials(config));

  VITRINE_RETURN_IF_ERROR(RecoverIfRestored(config, vkey));

  storage::StoreOptions store_options;
  store_options.path = config.StorePath();
  store_options.tile_cache_bytes = static_cast<size_t>(config.tile_cache_mib) << 20;
  // The byte budget is the bound; the tile count only guards small tiles.
  store_options.tile_cache_tiles =
      std::max<size_t>(store_options.tile_cache_bytes / 4096, 16);
  VITRINE_ASSIGN_OR_RETURN(rep->store, storage::Store::Open(store_options));
  DiskReserveOptions disk_options;
  disk_options.min_free_bytes = config.min_free_bytes;
  rep->disk = std::make_unique<DiskReserve>(store_options.path, disk_options);
  // Adds are deduplicated by statement identity: a store from before the
  // statement index gets it once, here, before any Add can arrive.
  VITRINE_ASSIGN_OR_RETURN(const uint64_t indexed,
                           IndexLoggedStatements(*rep->store));
  if (indexed > 0) {
    fprintf(stderr, "vitrine-log: indexed the statement identities of %llu entries\n",
            static_cast<unsigned long long>(indexed));
  }
  // The JSON API lists a vendor's releases from the vendor index: a store
  // from before it gets it once, here, before anything commits.
  VITRINE_ASSIGN_OR_RETURN(const uint64_t listed,
                           storage::IndexLoggedVendors(*rep->store));
  if (listed > 0) {
    fprintf(stderr, "vitrine-log: indexed the vendors of %llu entries\n",
            static_cast<unsigned long long>(listed));
  }

  sequencer::SequencerOptions sequencer_options;
  // Batch metrics: looked up once here, updated with atomics per batch.
  Histogram& batch_entries = rep->metrics.GetHistogram(
      "vitrine_sequencer_batch_entries", "New leaves committed per batch.", {},
      Histogram::SizeBuckets());
  Histogram& batch_seconds = rep->metrics.GetHistogram(
      "vitrine_sequencer_batch_seconds",
      "One batch: dedup lookup, tree and tiles, root check, signing, commit.",
      {}, Histogram::LatencyBuckets());
  Histogram& commit_seconds = rep->metrics.GetHistogram(
      "vitrine_sequencer_commit_seconds",
      "The synced RocksDB commit of one batch (WAL write and fsync).", {},
      Histogram::LatencyBuckets());
  Histogram& queue_seconds = rep->metrics.GetHistogram(
      "vitrine_sequencer_queue_wait_seconds",
      "How long a batch's first request waited for the sequencer.", {},
      Histogram::LatencyBuckets());
  sequencer_options.on_batch = [&](const sequencer::BatchStats& stats) {
    if (stats.appended > 0) {
      batch_entries.Observe(static_cast<double>(stats.appended));
      commit_seconds.Observe(absl::ToDoubleSeconds(stats.commit));
    }
    batch_seconds.Observe(absl::ToDoubleSeconds(stats.lookup + stats.extend));
    queue_seconds.Observe(absl::ToDoubleSeconds(stats.queue_wait));
  };
  sequencer_options.max_batch = static_cast<size_t>(config.batch_size);
  sequencer_options.max_delay = absl::Milliseconds(config.batch_delay_ms);
  sequencer_options.max_queue = static_cast<size_t>(config.max_queue);
  VITRINE_ASSIGN_OR_RETURN(
      rep->sequencer,
      sequencer::Sequencer::Start(rep->store.get(), std::move(signer),
                                  verifier, sequencer_options));

  if (!config.witnesses.empty()) {
    rep->witnessed = std::make_unique<WitnessedHead>();
    WitnessPusherOptions witness_options;
    witness_options.witnesses = config.witnesses;
    witness_options.quorum = config.WitnessQuorum();
    witness_options.timeout = absl::Milliseconds(config.witness_timeout_ms);
    if (!config.witness_tls_roots_file.empty()) {
      VITRINE_ASSIGN_OR_RETURN(witness_options.tls_root_certs,
                               ReadSmallFile(config.witness_tls_roots_file, kMaxPemFileSize));
    }
    VITRINE_ASSIGN_OR_RETURN(
        rep->pusher,
        WitnessPusher::Start(rep->store.get(), rep->sequencer.get(), verifier,
                             rep->witnessed.get(), &rep->metrics,
                             std::move(witness_options)));
  }

  VITRINE_ASSIGN_OR_RETURN(
      rep->vendors,
      VendorRegistry::Open(config.VendorsPath(), config.SupervisorsPath(),
                           config.RebuildersPath()));
  RateLimiterOptions rate_options;
  rate_options.rate_per_second = config.vendor_rate_per_second;
  rate_options.burst = static_cast<double>(config.vendor_burst);
  VITRINE_ASSIGN_OR_RETURN(rep->rate_limiter, RateLimiter::Create(rate_options));

  ServiceLimits limits;
  limits.max_statements_per_add = static_cast<size_t>(config.max_statements_per_add);
  limits.max_watch_streams = static_cast<size_t>(config.max_watch_streams);
  limits.max_watch_streams_per_connection =
      static_cast<size_t>(config.max_watch_streams_per_connection);
  limits.admission.max_supervisors =
      static_cast<size_t>(config.max_supervisors_per_statement);
  PeerBudgetOptions& budget = limits.verify_budget;
  budget.connection_rate = config.verify_failures_per_connection;
  budget.connection_burst = 20 * config.verify_failures_per_connection;
  budget.address_rate = config.verify_failures_per_address;
  budget.address_burst = 20 * config.verify_failures_per_address;
  budget.total_rate = config.verify_failures_total;
  budget.total_burst = 5 * config.verify_failures_total;
  budget.enabled = config.verify_failures_per_connection > 0 &&
                   config.verify_failures_per_address > 0 &&
                   config.verify_failures_total > 0;
  rep->service = std::make_unique<LogService>(
      rep->store.get(), rep->sequencer.get(), rep->vendors.get(),
      rep->rate_limiter.get(), &rep->metrics, limits, rep->witnessed.get(),
      rep->disk.get());

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.grpc_listen, credentials, &rep->grpc_port);
  builder.RegisterService(rep->service.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_request_bytes));
  rep->grpc_server = builder.BuildAndStart();
  if (rep->grpc_server == nullptr || rep->grpc_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for gRPC on ", config.grpc_listen));
  }
  rep->grpc_host = grpc_address.host;

  HttpOptions http_options;
  http_options.host = http_address.host;
  http_options.port = http_address.port;
  http_options.max_connections = static_cast<size_t>(config.http_max_connections);
  http_options.max_connections_per_address =
      static_cast<size_t>(config.http_max_connections_per_address);
  http_options.header_timeout = absl::Milliseconds(config.http_header_timeout_ms);
  http_options.idle_timeout = absl::Milliseconds(config.http_idle_timeout_ms);
  http_options.log_vkey = rep->identity.verifier_key;
  VITRINE_ASSIGN_OR_RETURN(
      rep->http_server,
      HttpServer::Start(http_options, rep->store.get(), rep->sequencer.get(),
                        &rep->metrics, rep->witnessed.get(), rep->disk.get()));
  rep->http_host = http_address.host;
  VITRINE_RETURN_IF_ERROR(StartAdmin(*rep));
  return std::unique_ptr<LogServer>(new LogServer(std::move(rep)));
}

const LogIdentity& LogServer::identity() const { return rep_->identity; }
int LogServer::grpc_port() const { return rep_->grpc_port; }
int LogServer::http_port() const { return rep_->http_server->port(); }
std::string LogServer::grpc_address() const {
  return absl::StrCat(rep_->grpc_host, ":", rep_->grpc_port);
}
std::string LogServer::http_address() const {
  return absl::StrCat(rep_->http_host, ":", http_port());
}

absl::Status LogServer::ReloadVendors() { return rep_->vendors->Reload(); }

void LogServer::Shutdown() {
  if (rep_ == nullptr || rep_->shut_down) return;
  rep_->shut_down = true;
  // 1. The service first: Watch streams (which never end by themselves)
  //    end UNAVAILABLE, GetEntries streams end UNAVAILABLE after their
  //    write in flight, and new reads and watches are answered UNAVAILABLE.
  //    Then a short drain with gRPC still serving, so that calls already on
  //    their way reach a handler and get that UNAVAILABLE: gRPC itself
  //    cancels (CANCELLED, which monitors do not retry) every call that
  //    reaches it after its Shutdown began and before its GOAWAY reached
  //    the client. Last, no new requests; in-flight ones (Adds waiting on
  //    the sequencer) get a grace period to complete before being cancelled.
  if (rep_->service != nullptr) rep_->service->Shutdown();
  if (rep_->grpc_server != nullptr) {
    absl::SleepFor(kShutdownDrain);
    rep_->grpc_server->Shutdown(std::chrono::system_clock::now() +
                                std::chrono::seconds(10));
  }
  if (rep_->http_server != nullptr) rep_->http_server->Stop();
  // A backup in progress is cancelled for its caller but runs to its end:
  // the store stays open until then.
  if (rep_->admin_server != nullptr) {
    rep_->admin_server->Shutdown(std::chrono::system_clock::now());
  }
  if (rep_->admin != nullptr) rep_->admin->Shutdown();
  if (rep_->admin_address.has_value()) unlink(rep_->admin_address->path().c_str());
  // 2. Stop pushing to witnesses (cancels calls in flight): the pusher
  //    reads the sequencer and writes the store.
  if (rep_->pusher != nullptr) rep_->pusher->Stop();
  // 3. Commit whatever is still queued, then stop the single writer.
  if (rep_->sequencer != nullptr) rep_->sequencer->Stop();
  rep_->grpc_server.reset();
  rep_->service.reset();
  rep_->http_server.reset();
  rep_->pusher.reset();
  rep_->admin_server.reset();
  rep_->admin.reset();
  rep_->sequencer.reset();
  rep_->witnessed.reset();
  // 4. Close RocksDB last: everything above reads from it.
  rep_->store.reset();
}

}  // namespace vitrine::server
