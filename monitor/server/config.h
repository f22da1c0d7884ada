// The configuration of vitrine-monitor: one struct, filled from an optional
// config file and then from flags (common/options.h), a default and a
// reason for every field.
//
//   # /etc/vitrine/monitor.conf
//   data = /var/lib/vitrine/monitor
//   name = example.org/monitor
//   log = example.com/log+1a2b3c4d+AVG...=@log.example.com:7400
//   peer = monitor.example.net:7500
//   watch_vendor = example.com/acme
//
//   vitrine-monitor serve --config=/etc/vitrine/monitor.conf
//   vitrine-monitor check-evidence data/monitor/evidence/X.evidence.json
//
// Pure parsing: no file is opened except the named config file. Thread-safe.
#ifndef VITRINE_MONITOR_SERVER_CONFIG_H_
#define VITRINE_MONITOR_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vitrine::monitor {

struct MonitorConfig {
  // The data folder: one verified copy of each log under <data>/logs/, the
  // witness state in <data>/witness/, evidence in <data>/evidence/.
  std::string data = "data/monitor";
  // The monitor's name: its witness key's name (cosignatures carry it) and
  // the observer named in its evidence.
  std::string name = "localhost/vitrine-monitor";
  // The witness signer key (type 0x04, mode 0600); empty: <data>/witness.key.
  std::string key_file;
  // The witness key in a PKCS#11 token (HSM) instead of a key file
  // (README, "Keys in an HSM"): module path, token label, key label and/or
  // ID (hex), and the PIN's source - a file or an environment variable,
  // never a flag. `init` generates the key in the token and records these
  // in <data>/witness.pkcs11 (Pkcs11RecordPath), where `serve` finds them;
  // options given to `serve` override the record's. Empty: a key file.
  // Setting both key_file and these is refused.
  std::string pkcs11_module;
  std::string pkcs11_token;
  std::string pkcs11_key_label;
  std::string pkcs11_key_id;
  std::string pkcs11_pin_file;
  std::string pkcs11_pin_env;
  // Create the data folder and a witness key on first start.
  bool init_if_missing = false;

  // The logs to follow, audit and witness: `<log vkey>@<host:port>` each.
  // The vkey's name is the log's origin.
  std::vector<std::string> logs;
  // Vendor verifier keys (the log's vendor registry format) to check every
  // statement's signature with; statements of vendors not in it are
  // counted as unknown, not refused. Empty: <data>/vendors (init creates
  // it without keys).
  std::string vendors_file;
  // Rebuilder verifier keys (the same format; issue 15) to check rebuild
  // statements with: rebuilds by others are counted unknown_rebuilder and
  // never contradict a release. Empty: <data>/rebuilders if it exists
  // (read again on SIGHUP), else none; a file named here must exist.
  std::string rebuilders_file;
  bool check_vendor_signatures = true;
  // Vendors whose every new statement (release, and rebuild naming them)
  // is written to watch_file as JSON lines, with an alarm for a trusted
  // rebuild that contradicts a release; empty watch_file:
  // <data>/vendor-watch.jsonl.
  std::vector<std::string> watch_vendors;
  std::string watch_file;

  // gRPC (Witness, Gossip, and Log reads from the verified copies) and
  // HTTP (/metrics, /healthz); loopback by default.
  std::string grpc_listen = "127.0.0.1:7500";
  std::string http_listen = "127.0.0.1:7580";
  // Mirror mode on the HTTP port: serve each followed log's verified copy
  // over the C2SP tlog-tiles API (/checkpoint, /tile/...), at the root for
  // one log, under /<origin> for several (mirror_http.h). On by default: a
  // copy the monitor verified is read capacity, and every byte of it is
  // checkable against the log's key.
  bool mirror_http = true;
  // The largest request the gRPC port accepts, in bytes; gRPC refuses a
  // larger one RESOURCE_EXHAUSTED before any handler sees it. A witness
  // push is at most a 1 MiB note and 63 proof hashes; gossip of canonical
  // notes (a checkpoint, its log's and one monitor's signature) takes tens
  // of KiB.
  int64_t grpc_max_receive_bytes = (1 << 20) + (16 << 10);
  // TLS. Roots (PEM) to check the certificates of logs and peers with:
  // when set, the monitor reaches them over TLS (plaintext otherwise; what
  // they answer is verified against keys either way, TLS keeps it
  // private). A certificate and key (PEM) to serve the gRPC port (every
  // service on it) over TLS.
  std::string tls_roots_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // Peer monitors to gossip with (host:port of their gRPC), and how often.
  std::vector<std::string> peers;
  int64_t gossip_interval_ms = 10000;
  // Polling interval when a log's WatchCheckpoints stream is down.
  int64_t poll_interval_ms = 1000;
  // Entries asked for in one GetEntries call (the log allows up to 10000).
  int64_t entries_per_fetch = 1000;
  // Bytes that must stay free on the data folder's file system (verified
  // copies, witness state): below it, catch-ups wait and the witness
  // cosigns nothing new, with the reason in /healthz, before a full disk
  // can fail a write. -1: max(1 GiB, 5% of the file system), at most half
  // of it; 0: off.
  int64_t min_free_bytes = -1;

  std::string KeyPath() const;
  // <data>/witness.pkcs11: the token settings `init` recorded.
  std::string Pkcs11RecordPath() const;
  // Whether any pkcs11_* option is set.
  bool Pkcs11Given() const;
  std::string VerifierKeyPath() const;
  std::string WitnessDir() const;
  std::string EvidenceDir() const;
  // The monitor's own record of the observations it raised (rollback,
  // entries mismatch): local state, never shared (recorder.h).
  std::string ObservedDir() const;
  std::string WatchPath() const;
  std::string VendorsPath() const;
  std::string RebuildersPath() const;
  // <data>/logs/<hex HashLeaf(origin)>: origins are URL-like names, not
  // safe file names.
  std::string LogStorePath(const std::string& origin) const;
};

// One `log = <vkey>@<address>`, parsed.
struct FollowedLog {
  std::string vkey;
  std::string origin;  // the vkey's name
  std::string address;
};

// Parses config.logs strictly: InvalidArgument naming the entry for a bad
// vkey (not type 0x01), an empty address, or one origin twice.
absl::StatusOr<std::vector<FollowedLog>> ParseFollowedLogs(
    const MonitorConfig& config);

// A command line: the subcommand ("serve", "init", "check-evidence",
// "help"), its config and positional arguments (check-evidence's FILEs);
// --log_key pins the log key for check-evidence.
struct MonitorCommand {
  std::string subcommand = "serve";
  MonitorConfig config;
  std::vector<std::string> files;
  std::string log_key;
};

// Parses argv (without the program name). InvalidArgument for unknown
// subcommands or options and bad values.
absl::StatusOr<MonitorCommand> ParseMonitorCommand(
    const std::vector<std::string>& args);

// The usage text: subcommands and every option with its default.
std::string MonitorUsage();

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_SERVER_CONFIG_H_
