// vitrine-rebuilder: an independent rebuilder (issue 15). It follows a
// Vitrine log and audits it as vitrine-monitor does, rebuilds each new
// release of its vendors from the source the release names with the
// operator's recipe, and logs a signed rebuild statement with the digest it
// got - match or mismatch - so that endpoints can demand that k rebuilders
// agree (policy `rebuilder` / `rebuild-quorum`).
//
//   vitrine-rebuilder init --data=DIR --name=rebuild.example.org/r1
//       creates DIR, DIR/rebuilder.key (0600, Ed25519 note key named NAME),
//       DIR/rebuilder.vkey and an empty DIR/vendors; prints
//         created rebuilder NAME in DIR      (or: found existing rebuilder ...)
//         verifier key: NAME+1a2b3c4d+AVG...=
//       Register the verifier key: one line in the log's rebuilders file
//       (<log data>/rebuilders), then SIGHUP the log.
//   vitrine-rebuilder serve [--config=FILE] --data=DIR --log=HOST:PORT
//       --log_key=VKEY|--log_key_file=FILE --vendor=V [--vendor=V2 ...]
//       --recipe='...' [options]
//   vitrine-rebuilder help           (every option with its default)
//
// Options (flags, or `name = value` lines in --config FILE; flags win):
//   data, name (init), key_file, init_if_missing, log, log_key,
//   log_key_file, tls_roots_file, vendors_file (default DIR/vendors: the
//   keys releases are verified with; each --vendor needs one),
//   rebuilders_file, vendor (repeat), rebuild_from (0: the first leaf
//   index considered), recipe, recipe_timeout_seconds
//   (3600), sandbox (auto|on|off), sandbox_network (true),
//   sandbox_read_only (repeat: host folders readable inside), keep_work,
//   http_listen (127.0.0.1:7680), batch_size (100, at most 1000),
//   batch_delay_ms (1000), max_pending (1000), submit_timeout_ms (30000),
//   mismatch_file (DIR/mismatches.jsonl), failures_file
//   (DIR/failures.jsonl), poll_interval_ms, entries_per_fetch,
//   min_free_bytes. See config.h for what each one is for.
//
// The recipe runs as `/bin/sh -c RECIPE` in DIR/work/<leaf index>/build
// with only PATH=/usr/bin:/bin, HOME (that folder), LANG=C.UTF-8,
// VITRINE_VENDOR, VITRINE_ARTIFACT, VITRINE_VERSION, VITRINE_SOURCE and
// VITRINE_OUTPUT (an empty folder) set; it leaves the artifact in
// VITRINE_OUTPUT (named VITRINE_ARTIFACT, or as the only file there); its
// output goes to DIR/logs/<leaf index>.log (recipe_runner.h). Inside
// bubblewrap when installed and sandbox is auto or on (sandbox.h).
//
// Once ready, serve prints on stdout (the last line means ready):
//   vitrine-rebuilder NAME serving
//     rebuilder key: VKEY
//     log:           HOST:PORT (ORIGIN)
//     vendors:       V, V2
//     sandbox:       bwrap (/usr/bin/bwrap) | none (why)
//     HTTP:          http://HOST:PORT (/metrics, /healthz)
//     data:          DIR
// and on stderr, one line per event, each starting "vitrine-rebuilder: ":
//   rebuilding release I: VENDOR ARTIFACT VERSION from SOURCE
//   rebuilt release I: sha256 HEX matches (DURATION)
//   ALARM: release I (VENDOR ARTIFACT VERSION): rebuilt sha256 X, the release
//       says Y; build log PATH; recorded in MISMATCH_FILE
//   rebuild failed: release I (VENDOR ARTIFACT VERSION): REASON; build log PATH
//       (REASON: "exit status N", "killed by signal N (SIGX)", "timed out
//       after D", "no artifact: ...")
//   logged release I's rebuild statement at leaf L [(already logged)]
//   not rebuilding release I: WHY (its vendor signature does not verify)
//   submit: ERROR / submit: release I refused: ERROR / worker: ERROR
// and the follower's own lines, as vitrine-monitor prints them (same code)
// but named "vitrine-rebuilder: ORIGIN: ..." (refused checkpoints,
// unknown_vendor / unknown_rebuilder entries, "EVIDENCE ..."); the alarm
// the evidence recorder prints with evidence keeps its monitor wording:
// "vitrine-monitor: ALARM: log ORIGIN misbehaved (KIND); ...".
// I is the release statement's leaf index, L the rebuild statement's.
//
// Exit codes: 0 ok (also after SIGTERM), 1 a failure, 2 bad usage.
// Signals: SIGTERM and SIGINT stop it cleanly (a running recipe's process
// group is killed and that release rebuilt at the next start; signed
// statements not yet logged stay in DIR/state and are sent at the next
// start); SIGHUP rereads the vendors and rebuilders files.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/server_signals.h"
#include "rebuilder/config.h"
#include "rebuilder/rebuilder_server.h"

namespace vitrine::rebuilder {
namespace {

int Init(const RebuilderConfig& config) {
  absl::StatusOr<RebuilderIdentity> identity = InitRebuilderData(config);
  if (!identity.ok()) {
    std::fprintf(stderr, "vitrine-rebuilder init: %s\n", identity.status().ToString().c_str());
    return 1;
  }
  std::printf("%s rebuilder %s in %s\nverifier key: %s\n",
              identity->created ? "created" : "found existing", identity->name.c_str(),
              config.data.c_str(), identity->verifier_key.c_str());
  std::fprintf(stderr,
               "register it: add the verifier key as a line of the log's rebuilders file\n");
  return 0;
}

int Serve(const RebuilderConfig& config) {
  ServerSignals signals;  // before any thread starts

  absl::StatusOr<std::unique_ptr<RebuilderServer>> rebuilder = RebuilderServer::Start(config);
  if (!rebuilder.ok()) {
    std::fprintf(stderr, "vitrine-rebuilder: %s\n", rebuilder.status().ToString().c_str());
    return 1;
  }
  const RebuilderIdentity& id = (*rebuilder)->identity();
  std::printf("vitrine-rebuilder %s serving\n"
              "  rebuilder key: %s\n"
              "  log:           %s (%s)\n"
              "  vendors:       %s\n"
              "  sandbox:       %s\n"
              "  HTTP:          http://%s (/metrics, /healthz)\n"
              "  data:          %s\n",
              id.name.c_str(), id.verifier_key.c_str(), config.log.c_str(),
              (*rebuilder)->origin().c_str(), absl::StrJoin(config.vendors, ", ").c_str(),
              (*rebuilder)->sandbox().c_str(), (*rebuilder)->http_address().c_str(),
              config.data.c_str());
  std::fflush(stdout);

  const char* why = signals.WaitForStop([&] {
    absl::Status reloaded = (*rebuilder)->ReloadVendors();
    std::fprintf(stderr, "vitrine-rebuilder: SIGHUP: vendor keys %s\n",
                 reloaded.ok() ? "reloaded" : reloaded.ToString().c_str());
  });
  std::fprintf(stderr, "vitrine-rebuilder: %s: shutting down\n", why);
  (*rebuilder)->Shutdown();
  std::fprintf(stderr, "vitrine-rebuilder: stopped cleanly\n");
  return 0;
}

}  // namespace
}  // namespace vitrine::rebuilder

int main(int argc, char** argv) {
  // As vitrine-log and vitrine-monitor: Debian's Abseil records lock order
  // for every Mutex, a debugging aid with a real cost; tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<vitrine::rebuilder::RebuilderCommand> command =
      vitrine::rebuilder::ParseRebuilderCommand(args);
  if (!command.ok()) {
    std::fprintf(stderr, "vitrine-rebuilder: %s\n\n%s",
                 std::string(command.status().message()).c_str(),
                 vitrine::rebuilder::RebuilderUsage().c_str());
    return 2;
  }
  if (command->subcommand == "help") {
    std::printf("%s", vitrine::rebuilder::RebuilderUsage().c_str());
    return 0;
  }
  if (command->subcommand == "init") return vitrine::rebuilder::Init(command->config);
  return vitrine::rebuilder::Serve(command->config);
}
