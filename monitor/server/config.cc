#include "monitor/server/config.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/options.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"

namespace vitrine::monitor {
namespace {

const OptionTable<MonitorConfig>& Options() {
  using C = MonitorConfig;
  static const auto* table = new OptionTable<MonitorConfig>{
      StringOption(&C::data, "data", "data folder (verified logs, witness state, evidence)"),
      StringOption(&C::name, "name", "monitor name: witness key name, evidence observer"),
      StringOption(&C::key_file, "key_file", "witness signer key (default <data>/witness.key)"),
      StringOption(&C::pkcs11_module, "pkcs11_module",
                   "witness key in a PKCS#11 token: the module's path (init "
                   "records the token settings in <data>/witness.pkcs11)"),
      StringOption(&C::pkcs11_token, "pkcs11_token", "PKCS#11: the token's label"),
      StringOption(&C::pkcs11_key_label, "pkcs11_key_label",
                   "PKCS#11: the witness key's label in the token"),
      StringOption(&C::pkcs11_key_id, "pkcs11_key_id",
                   "PKCS#11: the witness key's ID in the token (hex)"),
      StringOption(&C::pkcs11_pin_file, "pkcs11_pin_file",
                   "PKCS#11: a file holding the token's user PIN"),
      StringOption(&C::pkcs11_pin_env, "pkcs11_pin_env",
                   "PKCS#11: an environment variable holding the user PIN"),
      BoolOption(&C::init_if_missing, "init_if_missing",
                 "create the data folder and a witness key on first start"),
      RepeatedOption(&C::logs, "log", "a log to follow: <log vkey>@<host:port> (repeat)"),
      StringOption(&C::vendors_file, "vendors_file",
                   "vendor verifier keys to check statements with (default <data>/vendors)"),
      StringOption(&C::rebuilders_file, "rebuilders_file",
                   "rebuilder verifier keys to check rebuild statements with "
                   "(default <data>/rebuilders if present)"),
      BoolOption(&C::check_vendor_signatures, "check_vendor_signatures",
                 "verify each statement's vendor (or rebuilder) signature"),
      RepeatedOption(&C::watch_vendors, "watch_vendor",
                     "report every statement of this vendor (repeat)"),
      StringOption(&C::watch_file, "watch_file",
                   "JSON lines of watched statements (default <data>/vendor-watch.jsonl)"),
      StringOption(&C::grpc_listen, "grpc_listen", "gRPC address (Witness, Gossip, Log reads)"),
      StringOption(&C::http_listen, "http_listen",
                   "HTTP address (/metrics, /healthz, the mirror's tiles)"),
      BoolOption(&C::mirror_http, "mirror_http",
                 "serve the verified copies over tlog-tiles on the HTTP port"),
      IntOption(&C::grpc_max_receive_bytes, "grpc_max_receive_bytes", 4096,
                "largest gRPC request accepted (Witness, Gossip, Log), bytes"),
      StringOption(&C::tls_roots_file, "tls_roots_file",
                   "PEM roots: reach logs and peers over TLS"),
      StringOption(&C::tls_cert_file, "tls_cert_file", "serve gRPC over TLS: certificate (PEM)"),
      StringOption(&C::tls_key_file, "tls_key_file", "serve gRPC over TLS: private key (PEM)"),
      RepeatedOption(&C::peers, "peer", "a peer monitor's gRPC host:port (repeat)"),
      IntOption(&C::gossip_interval_ms, "gossip_interval_ms", 1, "gossip round interval, ms"),
      IntOption(&C::poll_interval_ms, "poll_interval_ms", 1,
                "checkpoint polling interval when watching fails, ms"),
      IntOption(&C::entries_per_fetch, "entries_per_fetch", 1,
                "entries per GetEntries call (at most 10000)"),
      IntOption(&C::min_free_bytes, "min_free_bytes", -1,
                "bytes kept free on the data file system (-1: max(1 GiB, 5%), "
                "0: off)"),
  };
  return *table;
}

std::string DataPath(const MonitorConfig& c, absl::string_view name) {
  return absl::StrCat(c.data, "/", name);
}

}  // namespace

std::string MonitorConfig::KeyPath() const {
  return key_file.empty() ? DataPath(*this, "witness.key") : key_file;
}
std::string MonitorConfig::Pkcs11RecordPath() const {
  return DataPath(*this, "witness.pkcs11");
}
bool MonitorConfig::Pkcs11Given() const {
  return !pkcs11_module.empty() || !pkcs11_token.empty() ||
         !pkcs11_key_label.empty() || !pkcs11_key_id.empty() ||
         !pkcs11_pin_file.empty() || !pkcs11_pin_env.empty();
}
std::string MonitorConfig::VerifierKeyPath() const {
  return DataPath(*this, "witness.vkey");
}
std::string MonitorConfig::WitnessDir() const { return DataPath(*this, "witness"); }
std::string MonitorConfig::EvidenceDir() const { return DataPath(*this, "evidence"); }
std::string MonitorConfig::ObservedDir() const { return DataPath(*this, "observed"); }
std::string MonitorConfig::WatchPath() const {
  return watch_file.empty() ? DataPath(*this, "vendor-watch.jsonl") : watch_file;
}
std::string MonitorConfig::VendorsPath() const {
  return vendors_file.empty() ? DataPath(*this, "vendors") : vendors_file;
}
std::string MonitorConfig::RebuildersPath() const {
  return rebuilders_file.empty() ? DataPath(*this, "rebuilders") : rebuilders_file;
}
std::string MonitorConfig::LogStorePath(const std::string& origin) const {
  // Any collision-free name would do; the leaf hash is the SHA-256 at hand.
  return DataPath(*this, absl::StrCat("logs/", merkle::HashLeaf(origin).ToHex()));
}

absl::StatusOr<std::vector<FollowedLog>> ParseFollowedLogs(const MonitorConfig& config) {
  std::vector<FollowedLog> logs;
  std::set<std::string> origins;
  for (const std::string& entry : config.logs) {
    size_t at = entry.rfind('@');
    if (at == std::string::npos || at + 1 == entry.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("log \"", entry, "\": want <log vkey>@<host:port>"));
    }
    FollowedLog log{entry.substr(0, at), "", entry.substr(at + 1)};
    absl::StatusOr<note::VerifierKey> key = note::ParseVerifierKey(log.vkey);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("log \"", entry, "\": ", key.status().message()));
    }
    if (key->type != note::SignatureType::kEd25519) {
      return absl::InvalidArgumentError(
          absl::StrCat("log \"", entry, "\": a log key signs notes (type 0x01)"));
    }
    log.origin = key->name;
    if (!origins.insert(log.origin).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("log ", log.origin, " is configured twice"));
    }
    logs.push_back(std::move(log));
  }
  return logs;
}

absl::StatusOr<MonitorCommand> ParseMonitorCommand(const std::vector<std::string>& args) {
  absl::StatusOr<Subcommand> subcommand =
      SplitSubcommand(args, {"serve", "init", "check-evidence", "help"});
  if (!subcommand.ok()) return subcommand.status();
  MonitorCommand command;
  command.subcommand = std::move(subcommand->name);
  const std::vector<std::string>& rest = subcommand->args;
  // --log_key belongs to check-evidence only: take it out before the
  // monitor's options see the flags.
  std::vector<std::string> flags;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i].rfind("--log_key=", 0) == 0) {
      command.log_key = rest[i].substr(10);
    } else if (rest[i] == "--log_key" && i + 1 < rest.size()) {
      command.log_key = rest[++i];
    } else {
      flags.push_back(rest[i]);
    }
  }
  ParsedFlags parsed;
  if (absl::Status s = ApplyFlags(Options(), flags, command.config, parsed); !s.ok()) {
    return s;
  }
  if (parsed.help) {
    command.subcommand = "help";
    return command;
  }
  if (!command.config.key_file.empty() && command.config.Pkcs11Given()) {
    return absl::InvalidArgumentError(
        "key_file and the pkcs11_* options both name the witness key: use one "
        "(a key file, or a key in a PKCS#11 token)");
  }
  command.files = std::move(parsed.positional);
  if (command.subcommand == "check-evidence") {
    if (command.files.empty()) {
      return absl::InvalidArgumentError("check-evidence wants one or more evidence files");
    }
  } else if (!command.files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", command.files[0], "\""));
  } else if (!command.log_key.empty()) {
    return absl::InvalidArgumentError("--log_key is for check-evidence");
  }
  return command;
}

std::string MonitorUsage() {
  return absl::StrCat(
      "usage: vitrine-monitor [serve|init|help] [--config=FILE] [--option=value ...]\n"
      "       vitrine-monitor check-evidence [--log_key=VKEY] FILE...\n"
      "\n"
      "  serve           follow, audit and witness the configured logs; gossip\n"
      "                  with peers; write evidence on conflict (default)\n"
      "  init            create the data folder and a witness key; print its\n"
      "                  verifier key (give it to logs and endpoints)\n"
      "  check-evidence  re-verify evidence files; exit 0 when each proves the\n"
      "                  log misbehaved by its signatures, 3 when some only\n"
      "                  record what their observer saw, 1 when one shows\n"
      "                  nothing (--log_key: require this log key)\n"
      "\n"
      "options (also `name = value` lines in --config FILE; flags win):\n",
      OptionsUsage(Options()));
}

}  // namespace vitrine::monitor
