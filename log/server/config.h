// The configuration of vitrine-log: one struct, filled from an optional
// config file and then from command-line flags (flags win), with a default
// and a reason for every field.
//
//   # /etc/vitrine/log.conf: one `name = value` per line, names as the flags
//   data = /var/lib/vitrine/log
//   grpc_listen = 127.0.0.1:7400
//   batch_delay_ms = 2
//   # Witnesses (repeatable): <type 0x04 vkey>@<host:port>
//   witness = w1.example.org+81d3b2aa+BG9X...@w1.example.org:7600
//   witness = w2.example.net+0c5e6f71+BJ2m...@10.0.0.7:7600
//   witness_quorum = 2
//
//   absl::StatusOr<LogConfig> config = ParseLogConfig(argc, argv);
//   // vitrine-log serve --config=/etc/vitrine/log.conf --http_listen=127.0.0.1:0
//
// Pure parsing: no file is opened except the named config file. Thread-safe.
#ifndef VITRINE_LOG_SERVER_CONFIG_H_
#define VITRINE_LOG_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::server {

// One witness the log pushes its checkpoints to (witness_pusher.h).
struct WitnessAddress {
  std::string vkey;     // its cosignature/v1 (type 0x04) verifier key
  std::string address;  // its Witness gRPC service, host:port

  friend bool operator==(const WitnessAddress& a, const WitnessAddress& b) {
    return a.vkey == b.vkey && a.address == b.address;
  }
};

struct LogConfig {
  // The data folder: the RocksDB store lives in <data>/store, and the key,
  // vendor registry and verifier key files default to <data>/....
  std::string data = "data/log";
  // The log's name (checkpoint origin and key name); used by `init` and when
  // `serve --init_if_missing` creates a key. Must match an existing key.
  std::string origin = "localhost/vitrine-log";
  // The log's signer key file (C2SP PRIVATE+KEY form, mode 0600); empty
  // means <data>/log.key.
  std::string key_file;
  // The log key in a PKCS#11 token (HSM) instead of a key file (README,
  // "Keys in an HSM"): the module's path, the token's label, the key's
  // label and/or ID (hex), and the PIN's source - a file or an environment
  // variable, never a flag. `init` generates the key in the token and
  // records these in <data>/log.pkcs11 (Pkcs11RecordPath), where `serve`
  // finds them; options given to `serve` override the record's. Empty: the
  // key is a file. Setting both key_file and these is refused.
  std::string pkcs11_module;
  std::string pkcs11_token;
  std::string pkcs11_key_label;
  std::string pkcs11_key_id;
  std::string pkcs11_pin_file;
  std::string pkcs11_pin_env;
  // The vendor registry (one vendor verifier key per line); empty means
  // <data>/vendors. Reloaded on SIGHUP.
  std::string vendors_file;
  // Supervisor keys whose cosignatures statements may carry (same format);
  // empty means <data>/supervisors, and no such file means none. Reloaded
  // with the vendors on SIGHUP.
  std::string supervisors_file;
  // Rebuilder keys allowed to append rebuild statements (same format);
  // empty means <data>/rebuilders, and no such file means none. Reloaded
  // with the vendors on SIGHUP.
  std::string rebuilders_file;
  // Create the data folder and a log key on first start instead of failing.
  bool init_if_missing = false;
  // `export`: the folder the static tiles API is written to; `backup`: the
  // backup folder.
  std::string to;
  // `backup`: bytes per second the copy may go at, in MiB (0: unlimited).
  // An unlimited backup of a busy log on two cores costs a quarter to a
  // third of its adds while it runs (bench/RESULTS.md).
  int64_t backup_rate_mib = 0;
  // `restore`: the backup folder to restore from.
  std::string from;
  // The Unix socket of the admin API (proto/vitrine/v1/admin.proto: online
  // backup), mode 0600; empty means <data>/admin.sock, "off" none. Never a
  // network port: whoever can write to it can make the log write backups.
  std::string admin_socket;

  // Loopback by default: exposing the log is a deliberate choice.
  std::string grpc_listen = "127.0.0.1:7400";
  std::string http_listen = "127.0.0.1:7480";
  // The HTTP front (common/http_front.h): open connections in total and
  // from one address (IPv4 /32, IPv6 /64), the deadline of a request's
  // headers from its first byte, and how long an idle keep-alive connection
  // stays open.
  int64_t http_max_connections = 20000;
  int64_t http_max_connections_per_address = 512;
  int64_t http_header_timeout_ms = 10000;
  int64_t http_idle_timeout_ms = 5000;
  // TLS for gRPC when both are set (PEM files); plaintext otherwise.
  std::string tls_cert_file;
  std::string tls_key_file;
  // When set, clients must present a certificate signed by this CA (PEM).
  std::string tls_client_ca_file;

  // Group commit: at most this many entries per fsync...
  int64_t batch_size = 4096;
  // ...waiting at most this long for a batch to fill (adds latency).
  int64_t batch_delay_ms = 1;
  // Entries waiting for the sequencer before Add answers RESOURCE_EXHAUSTED.
  int64_t max_queue = 65536;

  // Statements in one Add request: bounds one request's work.
  int64_t max_statements_per_add = 1000;
  // gRPC messages larger than this are refused: 1000 statements of 16 KiB.
  int64_t max_request_bytes = 16 << 20;
  // Per-vendor sustained rate and burst (statements): one vendor cannot
  // starve the others.
  double vendor_rate_per_second = 2000;
  int64_t vendor_burst = 10000;
  // Supervisor signatures one statement may carry: each costs the log an
  // Ed25519 verification (note/statement_admission.h).
  int64_t max_supervisors_per_statement = 8;
  // Signatures that fail to verify, per second, that one connection, one
  // address (IPv4 /32, IPv6 /64) and all unproven clients together may
  // send before their Adds are refused RESOURCE_EXHAUSTED without
  // verification (common/peer_budget.h); bursts are 20x, 20x and 5x these.
  // 0 turns the budgets off.
  double verify_failures_per_connection = 1;
  double verify_failures_per_address = 5;
  double verify_failures_total = 1000;

  // Tiles kept in memory for proofs (with their interior hashes, ~16 KiB a
  // full tile): 1 GiB holds every tile of a 16M-entry log. Beyond that,
  // proofs read RocksDB; give ~64 bytes per entry to keep them in memory.
  int64_t tile_cache_mib = 1024;

  // Bytes that must stay free on the store's file system. Below it, Add
  // answers RESOURCE_EXHAUSTED ("disk nearly full: N bytes free ..., reserve
  // M") and /healthz says so, before RocksDB can fail a commit half-way on a
  // full disk; reads go on, and writes resume by themselves once space is
  // back. -1: max(1 GiB, 5% of the file system), at most half of it; 0: off.
  int64_t min_free_bytes = -1;

  // WatchCheckpoints streams open at once, all clients together; beyond,
  // RESOURCE_EXHAUSTED at once: every stream holds a call and each
  // publication writes to all of them.
  int64_t max_watch_streams = 4096;
  // WatchCheckpoints streams open at once on one connection: one stream
  // sees every checkpoint, so one client cannot take the server's streams.
  int64_t max_watch_streams_per_connection = 16;

  // Witnesses (DESIGN.md format 4): each new checkpoint is pushed to every
  // one, and the latest checkpoint cosigned by `witness_quorum` of them is
  // stored and served as the witnessed checkpoint. One `witness` line (or
  // --witness flag) each; --witness flags replace the config file's list.
  // None: the log serves no witnessed checkpoint.
  std::vector<WitnessAddress> witnesses;
  // Distinct witnesses whose cosignatures make a checkpoint witnessed,
  // 1..witnesses.size(); 0 (unset) means all of them, so that a forgotten
  // quorum is the strictest one.
  int64_t witness_quorum = 0;
  // PEM roots to reach the witnesses over TLS; empty: plaintext.
  std::string witness_tls_roots_file;
  // Deadline of one push to one witness: a slow or dead witness is
  // retried later with backoff; appends never wait for it.
  int64_t witness_timeout_ms = 5000;

  // Monitors holding a verified copy of this log (their Log service's
  // GetCheckpoint and GetEntries), host:port each. A store restored from a
  // backup (`vitrine-log restore`) lacks what the log published since; at
  // the next start the log asks its witnesses for the largest checkpoint
  // they hold and fetches the missing entries from these, checked against
  // that checkpoint, before it signs anything (restore_recovery.h).
  std::vector<std::string> mirrors;
  // PEM roots to reach the mirrors over TLS; empty: plaintext.
  std::string mirror_tls_roots_file;
  // Serve a restored store without that recovery. The backup is older than
  // what was published: the log would sign new entries at sizes already
  // signed with other roots - a fork every witness and monitor will prove.
  // Only for a log whose witnesses and mirrors are all gone.
  bool accept_fork_risk = false;

  // The quorum in effect: witness_quorum, or every witness when unset.
  size_t WitnessQuorum() const;

  // The effective paths, after defaults.
  std::string StorePath() const;
  std::string KeyPath() const;
  // <data>/log.pkcs11: the token settings `init` recorded.
  std::string Pkcs11RecordPath() const;
  // Whether any pkcs11_* option is set.
  bool Pkcs11Given() const;
  std::string VerifierKeyPath() const;
  std::string VendorsPath() const;
  std::string SupervisorsPath() const;
  std::string RebuildersPath() const;
  // "" when admin_socket is "off".
  std::string AdminSocketPath() const;
};

// A command line: the subcommand ("serve", "init", "export", "fsck",
// "backup", "restore" or "help"), its config.
struct LogCommand {
  std::string subcommand;
  LogConfig config;
};

// Parses `name = value` lines into `config` (blank lines and `#` comments
// allowed). InvalidArgument with the line number for unknown names, bad
// values or malformed lines.
absl::Status ApplyConfigText(absl::string_view text, LogConfig& config);

// Checks what no single option can: witness_quorum within 1..the number of
// witnesses (and unset when there are none), no witness key named twice,
// not both key_file and pkcs11_* options.
// InvalidArgument naming the problem.
absl::Status ValidateLogConfig(const LogConfig& config);

// Parses argv: `vitrine-log [serve|init|help] [--config=FILE] [--name=value
// | --name value ...]`. The config file (if named) is applied first, then
// the flags; then ValidateLogConfig. Boolean flags also accept `--name`
// alone.
absl::StatusOr<LogCommand> ParseLogCommand(const std::vector<std::string>& args);

// The usage text: subcommands and every option with its default.
std::string LogUsage();

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_CONFIG_H_
