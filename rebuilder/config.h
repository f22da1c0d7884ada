// The configuration of vitrine-rebuilder: one struct, filled from an
// optional config file and then from flags (common/options.h, as
// vitrine-monitor), a default and a reason for every field.
//
//   # /etc/vitrine/rebuilder.conf
//   data = /var/lib/vitrine/rebuilder
//   log = log.example.com:7400
//   log_key = example.com/log+1a2b3c4d+AVG...=
//   vendor = example.com/acme
//   recipe = git clone -q "$VITRINE_SOURCE" src && make -C src dist OUT="$VITRINE_OUTPUT"
//   recipe_timeout_seconds = 1800
//
//   vitrine-rebuilder init --data=/var/lib/vitrine/rebuilder --name=rebuild.example.org/r1
//   vitrine-rebuilder serve --config=/etc/vitrine/rebuilder.conf
//
// Pure parsing: no file is opened except the named config file (and, in
// ResolveLogKey, log_key_file). Thread-safe.
#ifndef VITRINE_REBUILDER_CONFIG_H_
#define VITRINE_REBUILDER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::rebuilder {

// Whether recipes run inside bubblewrap (bwrap, Debian's `bubblewrap`).
enum class SandboxMode {
  kAuto,  // when bwrap is installed and works here; otherwise without
  kOn,    // always: serve refuses to start when bwrap cannot run
  kOff,   // never: the recipe runs with the daemon's own rights
};

// Returns "auto", "on" or "off".
absl::string_view SandboxModeName(SandboxMode mode);

struct RebuilderConfig {
  // The data folder: the key, the verified copy of the log (copy/), the
  // progress store (state/), build folders (work/), build logs (logs/),
  // evidence against the log (evidence/, observed/), the report files.
  std::string data = "data/rebuilder";
  // init: the rebuilder's name, which is its key's name and the `rebuilder`
  // line of every statement it signs. serve takes the name from the key.
  std::string name = "localhost/vitrine-rebuilder";
  // The rebuilder's signer key (type 0x01, mode 0600); empty:
  // <data>/rebuilder.key.
  std::string key_file;
  // serve: create the data folder and a key on first start (as init).
  bool init_if_missing = false;

  // The log to follow and to submit rebuild statements to (gRPC host:port),
  // and its verifier key: inline (log_key) or in a file (log_key_file, as
  // `vitrine --log_key`); exactly one of the two.
  std::string log;
  std::string log_key;
  std::string log_key_file;
  // PEM roots: when set, the log is reached over TLS (plaintext otherwise;
  // everything it answers is verified against its key either way).
  std::string tls_roots_file;
  // Vendor verifier keys (the log's vendor registry format): a release is
  // rebuilt only when its vendor's signature verifies under them, and the
  // follower audits every statement with them. Empty: <data>/vendors.
  std::string vendors_file;
  // Rebuilder verifier keys (same format) the follower checks other rebuild
  // statements with, as vitrine-monitor does; they only count in /metrics.
  // Empty: <data>/rebuilders if it exists, else none.
  std::string rebuilders_file;
  // The vendors whose releases are rebuilt (option `vendor`, repeatable).
  std::vector<std::string> vendors;

  // The first log entry to consider: releases logged before it are never
  // rebuilt (a rebuilder joining a long-lived log). The progress cursor
  // never moves back, so raising it later skips; lowering it does nothing.
  int64_t rebuild_from = 0;

  // The build recipe, run as `/bin/sh -c <recipe>` once per release (see
  // recipe_runner.h for its environment and output folder).
  std::string recipe;
  // After this long the recipe's whole process group is killed and the
  // rebuild counts as timed out: a hung build must not stall the rebuilder.
  int64_t recipe_timeout_seconds = 3600;
  // bubblewrap: auto, on or off (see SandboxMode).
  SandboxMode sandbox = SandboxMode::kAuto;
  // Inside the sandbox, keep the host's network: recipes usually fetch the
  // source (git clone). false: no network at all.
  bool sandbox_network = true;
  // Inside the sandbox, these host folders are readable (bound read-only at
  // their own paths; option `sandbox_read_only`, repeatable): a local
  // mirror of the sources, since nothing else of the host is visible.
  std::vector<std::string> sandbox_read_only;
  // Keep the build folder of matching rebuilds too (failed and mismatching
  // ones are always kept for inspection); off, since builds are large.
  bool keep_work = false;

  // HTTP (/metrics, /healthz); loopback by default.
  std::string http_listen = "127.0.0.1:7680";
  // Rebuild statements per Add call (the log takes at most 1000), and how
  // long the first of a batch waits for more: fewer calls for a burst of
  // releases, a bounded delay for a single one.
  int64_t batch_size = 100;
  int64_t batch_delay_ms = 1000;
  // Signed statements waiting for the log beyond which no new build starts
  // (they are on disk; this bounds memory and work done while the log is
  // unreachable).
  int64_t max_pending = 1000;
  // Deadline of each call to the log for submissions.
  int64_t submit_timeout_ms = 30000;
  // JSON lines of mismatches (the alarm) and of failed builds; empty:
  // <data>/mismatches.jsonl and <data>/failures.jsonl.
  std::string mismatch_file;
  std::string failures_file;
  // As vitrine-monitor: polling interval while the log's WatchCheckpoints
  // stream is down, entries per GetEntries call, and the bytes kept free
  // on the data file system (-1: max(1 GiB, 5%), at most half; 0: off) -
  // below it neither the copy grows nor a build starts.
  int64_t poll_interval_ms = 1000;
  int64_t entries_per_fetch = 1000;
  int64_t min_free_bytes = -1;

  std::string KeyPath() const;
  std::string VerifierKeyPath() const;  // <data>/rebuilder.vkey
  std::string VendorsPath() const;
  std::string RebuildersPath() const;
  std::string CopyPath() const;         // <data>/copy
  std::string StatePath() const;        // <data>/state
  std::string WorkDir() const;          // <data>/work
  std::string BuildLogDir() const;      // <data>/logs
  std::string EvidenceDir() const;
  std::string ObservedDir() const;
  std::string MismatchPath() const;
  std::string FailuresPath() const;
};

// Returns the log's verifier key from log_key or log_key_file (exactly one
// must be set; InvalidArgument otherwise, or when it is not a type 0x01
// vkey); file errors keep their codes.
absl::StatusOr<std::string> ResolveLogKey(const RebuilderConfig& config);

// Checks what serve needs beyond parsing: a log address, at least one
// vendor, a recipe, a batch size the log takes. InvalidArgument naming the
// option.
absl::Status ValidateForServe(const RebuilderConfig& config);

// A command line: the subcommand ("serve", "init", "help") and its config.
struct RebuilderCommand {
  std::string subcommand = "serve";
  RebuilderConfig config;
};

// Parses argv (without the program name). InvalidArgument for unknown
// subcommands or options, positional arguments and bad values.
absl::StatusOr<RebuilderCommand> ParseRebuilderCommand(
    const std::vector<std::string>& args);

// The usage text: subcommands and every option with its default.
std::string RebuilderUsage();

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_CONFIG_H_
