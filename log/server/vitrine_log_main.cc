// vitrine-log: the transparency log server.
//
//   vitrine-log init --data=data/log --origin=example.com/log
//   vitrine-log serve --data=data/log          # or --config=FILE
//   vitrine-log export --data=data/log --to=www/log   # a stopped log
//   vitrine-log fsck --data=data/log                   # a stopped log
//   vitrine-log backup --data=data/log --to=/backups/log  # running or not
//   vitrine-log restore --from=/backups/log --data=data/log
//
// Signals: SIGTERM and SIGINT shut down gracefully (stop accepting, finish
// and commit what is queued, close); SIGHUP rereads the vendor registry.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "common/file.h"
#include "common/grpc_status.h"
#include "common/server_signals.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/server/admin_socket.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "log/server/restore_recovery.h"
#include "log/server/static_export.h"
#include "log/storage/fsck.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/admin.grpc.pb.h"

namespace vitrine::server {
namespace {

int Init(const LogConfig& config) {
  absl::StatusOr<LogIdentity> identity = InitLogData(config);
  if (!identity.ok()) {
    std::fprintf(stderr, "vitrine-log init: %s\n", identity.status().ToString().c_str());
    return 1;
  }
  std::printf("%s log %s in %s\nverifier key: %s\nvendor registry: %s\n",
              identity->created ? "created" : "found existing", identity->origin.c_str(),
              config.data.c_str(), identity->verifier_key.c_str(),
              config.VendorsPath().c_str());
  return 0;
}

// The log's key, from <data>/log.vkey: its name is the origin.
struct LogKey {
  std::string origin;
  note::VerifierSet keys;
};

absl::StatusOr<LogKey> ReadLogKey(const LogConfig& config) {
  absl::StatusOr<std::string> vkey =
      note::ReadVerifierKeyFile(config.VerifierKeyPath());
  if (!vkey.ok()) return vkey.status();
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(*vkey);
  if (!verifier.ok()) return verifier.status();
  LogKey log_key;
  log_key.origin = (*verifier)->Name();
  if (absl::Status added = log_key.keys.Add(*std::move(verifier)); !added.ok()) {
    return added;
  }
  return log_key;
}

// The store's log, verified against <data>/log.vkey, written as files.
absl::StatusOr<ExportStats> ExportData(const LogConfig& config) {
  if (config.to.empty()) {
    return absl::InvalidArgumentError("export needs --to=DIR");
  }
  absl::StatusOr<LogKey> log_key = ReadLogKey(config);
  if (!log_key.ok()) return log_key.status();
  storage::StoreOptions options;
  options.path = config.StorePath();
  options.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open(options);
  if (!store.ok()) {
    if (absl::StrContains(store.status().message(), "lock")) {
      return absl::FailedPreconditionError(absl::StrCat(
          store.status().message(),
          " (is the log running? export a stopped log or a backup)"));
    }
    return store.status();
  }
  return ExportStaticTiles(**store, log_key->keys, log_key->origin, config.to);
}

int CheckStore(const LogConfig& config) {
  absl::StatusOr<LogKey> log_key = ReadLogKey(config);
  if (!log_key.ok()) {
    std::fprintf(stderr, "vitrine-log fsck: %s\n",
                 log_key.status().ToString().c_str());
    return 2;
  }
  // A progress line on a terminal only: logs and pipes get the result.
  const bool terminal = isatty(STDERR_FILENO) == 1;
  absl::Time shown = absl::InfinitePast();
  storage::FsckProgress progress = [&](uint64_t done, uint64_t total) {
    if (!terminal || absl::Now() - shown < absl::Milliseconds(200)) return;
    shown = absl::Now();
    std::fprintf(stderr, "\rfsck: %llu of %llu entries (%.0f%%)",
                 static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total),
                 total == 0 ? 100.0 : 100.0 * static_cast<double>(done) /
                                          static_cast<double>(total));
  };
  absl::StatusOr<storage::FsckReport> report = storage::Fsck(
      config.StorePath(), log_key->origin, log_key->keys, progress);
  if (terminal) std::fprintf(stderr, "\n");
  if (!report.ok()) {
    std::fprintf(stderr, "vitrine-log fsck: %s%s\n",
                 report.status().ToString().c_str(),
                 absl::StrContains(report.status().message(), "lock")
                     ? " (is the log running? check a stopped log or a copy)"
                     : "");
    return 2;
  }
  for (const std::string& problem : report->problems) {
    std::printf("%s\n", problem.c_str());
  }
  if (report->problems_not_listed > 0) {
    std::printf("... and %llu more problems\n",
                static_cast<unsigned long long>(report->problems_not_listed));
  }
  const uint64_t problems = report->problems.size() + report->problems_not_listed;
  const std::string verdict =
      problems == 0 ? "no problem found" : absl::StrCat(problems, " problems");
  std::printf("%s: %llu entries, %llu tiles, %llu checkpoints checked; %s\n",
              config.StorePath().c_str(),
              static_cast<unsigned long long>(report->entries),
              static_cast<unsigned long long>(report->tiles_checked),
              static_cast<unsigned long long>(report->checkpoints_checked),
              verdict.c_str());
  return problems == 0 ? 0 : 1;
}

int Export(const LogConfig& config) {
  absl::StatusOr<ExportStats> stats = ExportData(config);
  if (!stats.ok()) {
    std::fprintf(stderr, "vitrine-log export: %s\n",
                 stats.status().ToString().c_str());
    return 1;
  }
  std::printf("exported tree size %llu to %s: %llu files written (%llu bytes), "
              "%llu full ones already there\n",
              static_cast<unsigned long long>(stats->tree_size), config.to.c_str(),
              static_cast<unsigned long long>(stats->files_written),
              static_cast<unsigned long long>(stats->bytes_written),
              static_cast<unsigned long long>(stats->files_kept));
  return 0;
}

void PrintBackup(const std::string& to, uint32_t id, uint64_t tree_size,
                 uint64_t files, uint64_t bytes, uint64_t copied, double seconds) {
  std::printf("backup %u in %s: tree size >= %llu, %llu files, %llu bytes "
              "(%llu copied) in %.1f s\n",
              id, to.c_str(), static_cast<unsigned long long>(tree_size),
              static_cast<unsigned long long>(files),
              static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(copied), seconds);
}

// A running log holds its store: it backs itself up, asked over its admin
// socket.
absl::Status BackupThroughLog(const LogConfig& config, const std::string& to) {
  absl::StatusOr<UnixSocketAddress> address =
      UnixSocketAddress::For(config.AdminSocketPath());
  if (!address.ok()) return address.status();
  auto stub = vitrine::v1::Admin::NewStub(
      grpc::CreateChannel(address->grpc_target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  // No deadline: the backup takes as long as copying the store does.
  vitrine::v1::BackupRequest request;
  request.set_to(to);
  request.set_rate_limit_bytes_per_second(static_cast<uint64_t>(config.backup_rate_mib) << 20);
  vitrine::v1::BackupResponse response;
  const grpc::Status status = stub->Backup(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status, "Admin.Backup");
  PrintBackup(to, response.backup_id(), response.tree_size(), response.files(),
              response.bytes(), response.bytes_copied(), response.seconds());
  return absl::OkStatus();
}

// A stopped log: its store is backed up here.
absl::Status BackupStoppedLog(const LogConfig& config, const std::string& to) {
  storage::StoreOptions options;
  options.path = config.StorePath();
  options.create_if_missing = false;
  options.tile_cache_tiles = 0;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  if (!store.ok()) {
    if (store.status().code() == absl::StatusCode::kUnavailable) {
      return absl::FailedPreconditionError(absl::StrCat(
          store.status().message(), " (the store is in use, and no log answers on ",
          config.AdminSocketPath().empty() ? "an admin socket (admin_socket = off)"
                                           : config.AdminSocketPath(),
          ")"));
    }
    return store.status();
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<storage::BackupInfo> info =
      (*store)->Backup(to, static_cast<uint64_t>(config.backup_rate_mib) << 20);
  if (!info.ok()) return info.status();
  absl::StatusOr<std::string> vkey = ReadSmallFile(config.VerifierKeyPath(), 1 << 16);
  if (!vkey.ok()) return vkey.status();
  VITRINE_RETURN_IF_ERROR(WriteFileAtomically(to + "/log.vkey", *vkey, 0644));
  PrintBackup(to, info->id, info->tree_size, info->files, info->bytes,
              info->bytes_copied, absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

int Backup(const LogConfig& config) {
  if (config.to.empty()) {
    std::fprintf(stderr, "vitrine-log backup: needs --to=DIR\n");
    return 2;
  }
  const std::string to = std::filesystem::absolute(config.to).lexically_normal().string();
  // A running log answers on its socket; a socket nobody answers is left
  // from a crash, and the store is then free to open here.
  const std::string socket = config.AdminSocketPath();
  if (!socket.empty() && PathExists(socket)) {
    absl::Status through_log = BackupThroughLog(config, to);
    if (through_log.code() != absl::StatusCode::kUnavailable) {
      if (!through_log.ok()) {
        std::fprintf(stderr, "vitrine-log backup: %s\n", through_log.ToString().c_str());
        return 1;
      }
      return 0;
    }
  }
  absl::Status done = BackupStoppedLog(config, to);
  if (!done.ok()) {
    std::fprintf(stderr, "vitrine-log backup: %s\n", done.ToString().c_str());
    return 1;
  }
  return 0;
}

// Restores the latest backup of --from into --data and marks the store, so
// that the next serve recovers before signing (restore_recovery.h).
int Restore(const LogConfig& config) {
  if (config.from.empty()) {
    std::fprintf(stderr, "vitrine-log restore: needs --from=DIR (a backup folder)\n");
    return 2;
  }
  // The backup names its log: it must be this data folder's log.
  absl::StatusOr<std::string> backup_vkey =
      note::ReadVerifierKeyFile(config.from + "/log.vkey");
  if (!backup_vkey.ok()) {
    std::fprintf(stderr, "vitrine-log restore: %s\n",
                 backup_vkey.status().ToString().c_str());
    return 1;
  }
  if (PathExists(config.VerifierKeyPath())) {
    absl::StatusOr<std::string> vkey = note::ReadVerifierKeyFile(config.VerifierKeyPath());
    if (!vkey.ok() || *vkey != *backup_vkey) {
      std::fprintf(stderr,
                   "vitrine-log restore: the backup in %s is of log %s, not of "
                   "this data folder's log (%s)\n",
                   config.from.c_str(), backup_vkey->c_str(),
                   vkey.ok() ? vkey->c_str() : vkey.status().ToString().c_str());
      return 1;
    }
  }
  absl::Status made = MakeDirs(config.data, 0700);
  absl::StatusOr<storage::BackupInfo> restored =
      made.ok() ? storage::Store::RestoreBackup(config.from, config.StorePath())
                : absl::StatusOr<storage::BackupInfo>(made);
  absl::Status marked = restored.ok() ? MarkRestored(config.StorePath(), *restored)
                                      : restored.status();
  if (marked.ok() && !PathExists(config.VerifierKeyPath())) {
    marked = WriteFileAtomically(config.VerifierKeyPath(), *backup_vkey + "\n", 0644);
  }
  if (!marked.ok()) {
    std::fprintf(stderr, "vitrine-log restore: %s\n", marked.ToString().c_str());
    return 1;
  }
  std::printf("restored backup %u (tree size %llu) into %s\n"
              "The log published more since this backup. At its next start it asks\n"
              "its witnesses for the largest checkpoint they hold and fetches the\n"
              "missing entries from its mirrors before it signs anything; without\n"
              "witnesses (and mirrors, when entries are missing) it refuses to start\n"
              "unless given --accept_fork_risk.\n",
              restored->id, static_cast<unsigned long long>(restored->tree_size),
              config.StorePath().c_str());
  return 0;
}

int Serve(const LogConfig& config) {
  ServerSignals signals;  // before any thread starts

  absl::StatusOr<std::unique_ptr<LogServer>> log = LogServer::Start(config);
  if (!log.ok()) {
    std::fprintf(stderr, "vitrine-log: %s\n", log.status().ToString().c_str());
    return 1;
  }
  const LogIdentity& id = (*log)->identity();
  std::printf("vitrine-log serving %s\n"
              "  verifier key: %s\n"
              "  gRPC:         %s\n"
              "  HTTP:         http://%s (explorer /, api/v1, tiles, /checkpoint, /metrics, /healthz)\n",
              id.origin.c_str(), id.verifier_key.c_str(),
              (*log)->grpc_address().c_str(), (*log)->http_address().c_str());
  if (!config.witnesses.empty()) {
    std::printf("  witnesses:    %zu, quorum %zu (/checkpoint serves the "
                "latest witnessed checkpoint)\n",
                config.witnesses.size(), config.WitnessQuorum());
  }
  // Last: launchers (and tests) read up to this line.
  std::printf("  data:         %s\n", config.data.c_str());
  std::fflush(stdout);

  const char* why = signals.WaitForStop([&] {
    absl::Status reloaded = (*log)->ReloadVendors();
    std::fprintf(stderr, "vitrine-log: SIGHUP: vendor registry %s\n",
                 reloaded.ok() ? "reloaded" : reloaded.ToString().c_str());
  });
  std::fprintf(stderr, "vitrine-log: %s: shutting down\n", why);
  (*log)->Shutdown();
  std::fprintf(stderr, "vitrine-log: stopped cleanly\n");
  return 0;
}

}  // namespace
}  // namespace vitrine::server

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex (gRPC's
  // locks are absl::Mutex too) records lock order in a global graph behind
  // one spinlock: ~9% of the server's CPU on proof RPCs (bench/RESULTS.md,
  // issue 5). That is a debugging aid; tests keep it, the server does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<vitrine::server::LogCommand> command =
      vitrine::server::ParseLogCommand(args);
  if (!command.ok()) {
    std::fprintf(stderr, "vitrine-log: %s\n\n%s",
                 std::string(command.status().message()).c_str(),
                 vitrine::server::LogUsage().c_str());
    return 2;
  }
  if (command->subcommand == "help") {
    std::printf("%s", vitrine::server::LogUsage().c_str());
    return 0;
  }
  if (command->subcommand == "init") return vitrine::server::Init(command->config);
  if (command->subcommand == "export") return vitrine::server::Export(command->config);
  if (command->subcommand == "fsck") return vitrine::server::CheckStore(command->config);
  if (command->subcommand == "backup") return vitrine::server::Backup(command->config);
  if (command->subcommand == "restore") return vitrine::server::Restore(command->config);
  return vitrine::server::Serve(command->config);
}
