// vitrine-monitor: follows transparency logs, audits every entry, cosigns
// as a witness, gossips checkpoints with peers and writes evidence.
//
//   vitrine-monitor init --data=data/monitor --name=example.org/monitor
//   vitrine-monitor serve --config=/etc/vitrine/monitor.conf
//   vitrine-monitor check-evidence [--log_key=VKEY] FILE...
//
// Exit codes: 0 ok (check-evidence: every file proves misbehaviour), 1 a
// failure (check-evidence: a file proves nothing), 2 bad usage (or a file
// that cannot be read).
// Signals: SIGTERM and SIGINT stop it cleanly; SIGHUP rereads the vendor
// keys file.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/server_signals.h"
#include "monitor/evidence/evidence_file.h"
#include "monitor/server/config.h"
#include "monitor/server/monitor_server.h"

namespace vitrine::monitor {
namespace {

int Init(const MonitorConfig& config) {
  absl::StatusOr<MonitorIdentity> identity = InitMonitorData(config);
  if (!identity.ok()) {
    std::fprintf(stderr, "vitrine-monitor init: %s\n", identity.status().ToString().c_str());
    return 1;
  }
  std::printf("%s witness %s in %s\nverifier key: %s\n",
              identity->created ? "created" : "found existing", identity->name.c_str(),
              config.data.c_str(), identity->verifier_key.c_str());
  return 0;
}

int CheckEvidence(const MonitorCommand& command) {
  std::optional<std::string> pinned;
  if (!command.log_key.empty()) pinned = command.log_key;
  int exit_code = 0;
  for (const std::string& file : command.files) {
    absl::StatusOr<std::string> report = CheckEvidenceFile(file, pinned);
    if (report.ok()) {
      std::printf("%s: %s\n", file.c_str(), report->c_str());
    } else if (absl::IsInvalidArgument(report.status()) ||
               absl::IsFailedPrecondition(report.status())) {
      std::fprintf(stderr, "%s: NOT PROVEN: %s\n", file.c_str(),
                   std::string(report.status().message()).c_str());
      exit_code = std::max(exit_code, 1);
    } else {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), report.status().ToString().c_str());
      exit_code = 2;
    }
  }
  return exit_code;
}

int Serve(const MonitorConfig& config) {
  ServerSignals signals;  // before any thread starts

  absl::StatusOr<std::unique_ptr<MonitorServer>> monitor = MonitorServer::Start(config);
  if (!monitor.ok()) {
    std::fprintf(stderr, "vitrine-monitor: %s\n", monitor.status().ToString().c_str());
    return 1;
  }
  const MonitorIdentity& id = (*monitor)->identity();
  std::printf("vitrine-monitor %s serving\n  witness key:  %s\n", id.name.c_str(),
              id.verifier_key.c_str());
  for (const std::string& log : config.logs) std::printf("  following:    %s\n", log.c_str());
  for (const std::string& peer : config.peers) std::printf("  peer:         %s\n", peer.c_str());
  std::printf("  HTTP:         http://%s (/metrics, /healthz)\n"
              "  gRPC:         %s (Witness, Gossip)\n"
              "  data:         %s\n",
              (*monitor)->http_address().c_str(), (*monitor)->grpc_address().c_str(),
              config.data.c_str());
  std::fflush(stdout);

  const char* why = signals.WaitForStop([&] {
    absl::Status reloaded = (*monitor)->ReloadVendors();
    std::fprintf(stderr, "vitrine-monitor: SIGHUP: vendor keys %s\n",
                 reloaded.ok() ? "reloaded" : reloaded.ToString().c_str());
  });
  std::fprintf(stderr, "vitrine-monitor: %s: shutting down\n", why);
  (*monitor)->Shutdown();
  std::fprintf(stderr, "vitrine-monitor: stopped cleanly\n");
  return 0;
}

}  // namespace
}  // namespace vitrine::monitor

int main(int argc, char** argv) {
  // As vitrine-log: Debian's Abseil records lock order for every Mutex, a
  // debugging aid with a real cost; tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<vitrine::monitor::MonitorCommand> command =
      vitrine::monitor::ParseMonitorCommand(args);
  if (!command.ok()) {
    std::fprintf(stderr, "vitrine-monitor: %s\n\n%s",
                 std::string(command.status().message()).c_str(),
                 vitrine::monitor::MonitorUsage().c_str());
    return 2;
  }
  if (command->subcommand == "help") {
    std::printf("%s", vitrine::monitor::MonitorUsage().c_str());
    return 0;
  }
  if (command->subcommand == "init") return vitrine::monitor::Init(command->config);
  if (command->subcommand == "check-evidence") return vitrine::monitor::CheckEvidence(*command);
  return vitrine::monitor::Serve(command->config);
}
