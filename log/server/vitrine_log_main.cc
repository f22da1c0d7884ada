// vitrine-log: the transparency log server.
//
//   vitrine-log init --data=data/log --origin=example.com/log
//   vitrine-log serve --data=data/log          # or --config=FILE
//   vitrine-log export --data=data/log --to=www/log   # a stopped log
//
// Signals: SIGTERM and SIGINT shut down gracefully (stop accepting, finish
// and commit what is queued, close); SIGHUP rereads the vendor registry.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/file.h"
#include "common/server_signals.h"
#include "log/note/keys.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "log/server/static_export.h"
#include "log/storage/store.h"

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

// The store's log, verified against <data>/log.vkey, written as files.
absl::StatusOr<ExportStats> ExportData(const LogConfig& config) {
  if (config.to.empty()) {
    return absl::InvalidArgumentError("export needs --to=DIR");
  }
  absl::StatusOr<std::string> vkey =
      ReadSmallFile(config.VerifierKeyPath(), 4096);
  if (!vkey.ok()) return vkey.status();
  const std::string key(absl::StripAsciiWhitespace(*vkey));
  absl::StatusOr<note::VerifierKey> parsed = note::ParseVerifierKey(key);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(key);
  if (!verifier.ok()) return verifier.status();
  note::VerifierSet log_keys;
  if (absl::Status added = log_keys.Add(*std::move(verifier)); !added.ok()) {
    return added;
  }
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
  return ExportStaticTiles(**store, log_keys, parsed->name, config.to);
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
              "  HTTP:         http://%s (tiles, /checkpoint, /metrics, /healthz)\n",
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
  return vitrine::server::Serve(command->config);
}
