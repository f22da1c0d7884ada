// vitrine-monitor: follows transparency logs, audits every entry, cosigns
// as a witness, gossips checkpoints with peers and writes evidence.
//
//   vitrine-monitor init --data=data/monitor --name=example.org/monitor
//   vitrine-monitor serve --config=/etc/vitrine/monitor.conf
//   vitrine-monitor check-evidence [--log_key=VKEY] FILE...
//
// Exit codes: 0 ok, 1 a failure, 2 bad usage. check-evidence (issue 11):
// 0 every file is PROVEN (the log's signatures contradict each other); 3
// some file is only OBSERVED (its observer's word, e.g. a rollback: anyone
// can build one from public checkpoints); 1 some file shows nothing; 2 some
// file cannot be read. With several files the first of 2, 1, 3, 0 that
// applies wins.
// Signals: SIGTERM and SIGINT stop it cleanly; SIGHUP rereads the vendor
// and rebuilder keys files.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/log_escape.h"
#include "common/server_signals.h"
#include "monitor/evidence/evidence.h"
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

// check-evidence's exit codes (see the file comment), worst last.
constexpr int kExitProven = 0;
constexpr int kExitObserved = 3;
constexpr int kExitShowsNothing = 1;
constexpr int kExitUnreadable = 2;

int Worse(int a, int b) {
  constexpr int kOrder[] = {kExitProven, kExitObserved, kExitShowsNothing, kExitUnreadable};
  const auto rank = [&](int code) { return std::find(kOrder, kOrder + 4, code) - kOrder; };
  return rank(a) >= rank(b) ? a : b;
}

int CheckEvidenceFiles(const MonitorCommand& command) {
  std::optional<std::string> pinned;
  if (!command.log_key.empty()) pinned = command.log_key;
  int exit_code = kExitProven;
  for (const std::string& file : command.files) {
    absl::StatusOr<EvidenceCheck> check = JudgeEvidenceFile(file, pinned);
    if (check.ok()) {
      // The report escapes the file's strings itself.
      std::printf("%s: %s\n", file.c_str(), check->report.c_str());
      if (check->verdict == EvidenceVerdict::kObserved) {
        exit_code = Worse(exit_code, kExitObserved);
      }
    } else if (absl::IsInvalidArgument(check.status()) ||
               absl::IsFailedPrecondition(check.status())) {
      // Messages quote the file (an origin, a key name): one escaped line.
      std::fprintf(stderr, "%s: NOT PROVEN: %s\n", file.c_str(),
                   EscapeForLog(check.status().message(), 4096).c_str());
      exit_code = Worse(exit_code, kExitShowsNothing);
    } else {
      std::fprintf(stderr, "%s: %s\n", file.c_str(),
                   EscapeForLog(check.status().ToString(), 4096).c_str());
      exit_code = Worse(exit_code, kExitUnreadable);
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
              "  gRPC:         %s (Witness, Gossip, Log reads)\n"
              "  data:         %s\n",
              (*monitor)->http_address().c_str(), (*monitor)->grpc_address().c_str(),
              config.data.c_str());
  std::fflush(stdout);

  const char* why = signals.WaitForStop([&] {
    absl::Status reloaded = (*monitor)->ReloadVendors();
    std::fprintf(stderr, "vitrine-monitor: SIGHUP: vendor and rebuilder keys %s\n",
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
  if (command->subcommand == "check-evidence") return vitrine::monitor::CheckEvidenceFiles(*command);
  return vitrine::monitor::Serve(command->config);
}
