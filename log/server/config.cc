#include "log/server/config.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/options.h"
#include "common/status_macros.h"
#include "log/note/keys.h"

namespace vitrine::server {
namespace {

// InvalidArgument unless `address` is host:port with a port in 1..65535.
absl::Status CheckHostPort(absl::string_view what, absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": address wants host:port, got \"", address, "\""));
  }
  return absl::OkStatus();
}

// Parses "<vkey>@<host:port>": a type 0x04 vkey (its base64 never holds
// '@') and an address with a port.
absl::StatusOr<WitnessAddress> ParseWitness(absl::string_view text) {
  const size_t at = text.rfind('@');
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness wants <vkey>@<host:port>, got \"", text, "\""));
  }
  WitnessAddress witness{std::string(text.substr(0, at)),
                         std::string(text.substr(at + 1))};
  absl::StatusOr<note::VerifierKey> key = note::ParseVerifierKey(witness.vkey);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("witness key: ", key.status().message()));
  }
  if (key->type != note::SignatureType::kCosignatureV1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness key ", key->name,
        " is not a cosignature/v1 (type 0x04) key: make one with "
        "`vitrine keygen --kind=witness`"));
  }
  VITRINE_RETURN_IF_ERROR(
      CheckHostPort(absl::StrCat("witness ", key->name), witness.address));
  return witness;
}

const OptionTable<LogConfig>& Options() {
  using C = LogConfig;
  static const auto* options = [] {
    auto* table = new OptionTable<LogConfig>{
        StringOption(&C::data, "data", "data folder (store, key, vendors)"),
        StringOption(&C::to, "to",
                     "export: the folder to write the static tiles API to; "
                     "backup: the backup folder"),
        StringOption(&C::from, "from", "restore: the backup folder to restore from"),
        IntOption(&C::backup_rate_mib, "backup_rate_mib", 0,
                  "backup: MiB per second the copy may go at (0: unlimited)"),
        StringOption(&C::admin_socket, "admin_socket",
                     "Unix socket of the admin API (backup) (default "
                     "<data>/admin.sock; \"off\": none)"),
        BoolOption(&C::accept_fork_risk, "accept_fork_risk",
                   "serve a restored store without witnessed recovery: may "
                   "sign a second root for a size already published"),
        StringOption(&C::origin, "origin", "log name: checkpoint origin and key name"),
        StringOption(&C::key_file, "key_file", "log signer key file (default <data>/log.key)"),
        StringOption(&C::pkcs11_module, "pkcs11_module",
                     "log key in a PKCS#11 token: the module's path (init records "
                     "the token settings in <data>/log.pkcs11)"),
        StringOption(&C::pkcs11_token, "pkcs11_token", "PKCS#11: the token's label"),
        StringOption(&C::pkcs11_key_label, "pkcs11_key_label",
                     "PKCS#11: the log key's label in the token"),
        StringOption(&C::pkcs11_key_id, "pkcs11_key_id",
                     "PKCS#11: the log key's ID in the token (hex)"),
        StringOption(&C::pkcs11_pin_file, "pkcs11_pin_file",
                     "PKCS#11: a file holding the token's user PIN"),
        StringOption(&C::pkcs11_pin_env, "pkcs11_pin_env",
                     "PKCS#11: an environment variable holding the user PIN"),
        StringOption(&C::vendors_file, "vendors_file", "vendor registry (default <data>/vendors)"),
        StringOption(&C::supervisors_file, "supervisors_file",
                     "supervisor keys (default <data>/supervisors, absent: none)"),
        StringOption(&C::rebuilders_file, "rebuilders_file",
                     "rebuilder keys (default <data>/rebuilders, absent: none)"),
        BoolOption(&C::init_if_missing, "init_if_missing",
                   "create the data folder and a log key on first start"),
        StringOption(&C::grpc_listen, "grpc_listen", "gRPC address host:port (port 0 picks one)"),
        StringOption(&C::http_listen, "http_listen",
                     "HTTP address host:port: tiles, /metrics, /healthz"),
        IntOption(&C::http_max_connections, "http_max_connections", 1,
                  "open HTTP connections, in total"),
        IntOption(&C::http_max_connections_per_address, "http_max_connections_per_address", 1,
                  "open HTTP connections from one address (IPv4 /32, IPv6 /64)"),
        IntOption(&C::http_header_timeout_ms, "http_header_timeout_ms", 1,
                  "a request's headers must arrive within this, ms"),
        IntOption(&C::http_idle_timeout_ms, "http_idle_timeout_ms", 1,
                  "an idle keep-alive HTTP connection closes after this, ms"),
        StringOption(&C::tls_cert_file, "tls_cert_file", "gRPC TLS certificate chain (PEM)"),
        StringOption(&C::tls_key_file, "tls_key_file", "gRPC TLS private key (PEM)"),
        StringOption(&C::tls_client_ca_file, "tls_client_ca_file",
                     "require client certificates from this CA (PEM)"),
        IntOption(&C::batch_size, "batch_size", 1, "most entries per group commit"),
        IntOption(&C::batch_delay_ms, "batch_delay_ms", 0, "longest wait for a batch to fill, ms"),
        IntOption(&C::max_queue, "max_queue", 1, "entries waiting before RESOURCE_EXHAUSTED"),
        IntOption(&C::max_statements_per_add, "max_statements_per_add", 1,
                  "statements per Add request"),
        IntOption(&C::max_request_bytes, "max_request_bytes", 1024, "largest gRPC request, bytes"),
        MakeOption<LogConfig>(
            "vendor_rate_per_second", "sustained statements/s per vendor",
            [](absl::string_view v, LogConfig& c) {
              if (!absl::SimpleAtod(v, &c.vendor_rate_per_second) ||
                  !(c.vendor_rate_per_second > 0)) {
                return absl::InvalidArgumentError(absl::StrCat(
                    "vendor_rate_per_second wants a number > 0, got \"", v, "\""));
              }
              return absl::OkStatus();
            },
            [](const LogConfig& c) { return absl::StrCat(c.vendor_rate_per_second); }),
        IntOption(&C::vendor_burst, "vendor_burst", 1, "statements a vendor may send at once"),
        IntOption(&C::max_supervisors_per_statement, "max_supervisors_per_statement", 0,
                  "supervisor signatures one statement may carry"),
        RateOption(&C::verify_failures_per_connection, "verify_failures_per_connection",
                   "failed signature checks/s one connection may cause (0: off)"),
        RateOption(&C::verify_failures_per_address, "verify_failures_per_address",
                   "failed signature checks/s one address may cause (0: off)"),
        RateOption(&C::verify_failures_total, "verify_failures_total",
                   "failed signature checks/s of all unproven clients (0: off)"),
        IntOption(&C::min_free_bytes, "min_free_bytes", -1,
                  "bytes kept free on the store's file system (-1: max(1 GiB, "
                  "5%), 0: off)"),
        IntOption(&C::tile_cache_mib, "tile_cache_mib", 0,
                  "MiB of tiles cached in memory for proofs"),
        IntOption(&C::max_watch_streams, "max_watch_streams", 1,
                  "WatchCheckpoints streams at once, in total"),
        IntOption(&C::max_watch_streams_per_connection,
                  "max_watch_streams_per_connection", 1,
                  "WatchCheckpoints streams at once per connection"),
        MakeOption<LogConfig>(
            "witness_quorum", "witnesses that must cosign a witnessed checkpoint",
            [](absl::string_view v, LogConfig& c) {
              return ParseInt("witness_quorum", v, c.witness_quorum, 1);
            },
            [](const LogConfig& c) {
              return c.witness_quorum == 0 ? std::string("all") : absl::StrCat(c.witness_quorum);
            }),
        StringOption(&C::witness_tls_roots_file, "witness_tls_roots_file",
                     "PEM roots: reach the witnesses over TLS"),
        IntOption(&C::witness_timeout_ms, "witness_timeout_ms", 1,
                  "deadline of one push to one witness, ms"),
        StringOption(&C::mirror_tls_roots_file, "mirror_tls_roots_file",
                     "PEM roots: reach the mirrors over TLS"),
    };
    auto mirror = MakeOption<LogConfig>(
        "mirror",
        "a monitor's verified copy of this log, <host:port> (restore recovery "
        "fetches missing entries from it); repeat for each",
        [](absl::string_view v, LogConfig& c) {
          VITRINE_RETURN_IF_ERROR(CheckHostPort("mirror", v));
          c.mirrors.emplace_back(v);
          return absl::OkStatus();
        },
        [](const LogConfig& c) {
          return c.mirrors.empty() ? std::string("none") : absl::StrCat(c.mirrors.size());
        });
    mirror.second.repeated = true;
    mirror.second.clear = [](LogConfig& c) { c.mirrors.clear(); };
    table->insert(std::move(mirror));
    auto witness = MakeOption<LogConfig>(
        "witness", "a witness, <type 0x04 vkey>@<host:port>; repeat for each",
        [](absl::string_view v, LogConfig& c) {
          VITRINE_ASSIGN_OR_RETURN(WitnessAddress parsed, ParseWitness(v));
          c.witnesses.push_back(std::move(parsed));
          return absl::OkStatus();
        },
        [](const LogConfig& c) {
          return c.witnesses.empty() ? std::string("none") : absl::StrCat(c.witnesses.size());
        });
    witness.second.repeated = true;
    witness.second.clear = [](LogConfig& c) { c.witnesses.clear(); };
    table->insert(std::move(witness));
    return table;
  }();
  return *options;
}

std::string DataPath(const LogConfig& c, absl::string_view name) {
  return absl::StrCat(c.data, "/", name);
}

}  // namespace

size_t LogConfig::WitnessQuorum() const {
  return witness_quorum > 0 ? static_cast<size_t>(witness_quorum)
                            : witnesses.size();
}

std::string LogConfig::StorePath() const { return DataPath(*this, "store"); }
std::string LogConfig::KeyPath() const {
  return key_file.empty() ? DataPath(*this, "log.key") : key_file;
}
std::string LogConfig::Pkcs11RecordPath() const {
  return DataPath(*this, "log.pkcs11");
}
bool LogConfig::Pkcs11Given() const {
  return !pkcs11_module.empty() || !pkcs11_token.empty() ||
         !pkcs11_key_label.empty() || !pkcs11_key_id.empty() ||
         !pkcs11_pin_file.empty() || !pkcs11_pin_env.empty();
}
std::string LogConfig::VerifierKeyPath() const {
  return DataPath(*this, "log.vkey");
}
std::string LogConfig::AdminSocketPath() const {
  if (admin_socket == "off") return "";
  return admin_socket.empty() ? DataPath(*this, "admin.sock") : admin_socket;
}
std::string LogConfig::VendorsPath() const {
  return vendors_file.empty() ? DataPath(*this, "vendors") : vendors_file;
}
std::string LogConfig::SupervisorsPath() const {
  return supervisors_file.empty() ? DataPath(*this, "supervisors")
                                  : supervisors_file;
}
std::string LogConfig::RebuildersPath() const {
  return rebuilders_file.empty() ? DataPath(*this, "rebuilders")
                                 : rebuilders_file;
}

absl::Status ApplyConfigText(absl::string_view text, LogConfig& config) {
  return vitrine::ApplyConfigText(Options(), text, config);
}

absl::Status ValidateLogConfig(const LogConfig& config) {
  const size_t count = config.witnesses.size();
  if (count == 0 && config.witness_quorum != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness_quorum ", config.witness_quorum, " but no witness is configured"));
  }
  if (count > 0 && (config.witness_quorum < 0 ||
                    config.witness_quorum > static_cast<int64_t>(count))) {
    return absl::InvalidArgumentError(
        absl::StrCat("witness_quorum ", config.witness_quorum,
                     " is outside 1..", count, " (the witnesses configured)"));
  }
  std::set<std::string> names;
  for (const WitnessAddress& witness : config.witnesses) {
    VITRINE_ASSIGN_OR_RETURN(WitnessAddress checked,
                             ParseWitness(absl::StrCat(witness.vkey, "@",
                                                       witness.address)));
    const std::string name = note::ParseVerifierKey(checked.vkey)->name;
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "witness ", name, " is configured twice: a quorum counts names"));
    }
  }
  if (!config.key_file.empty() && config.Pkcs11Given()) {
    return absl::InvalidArgumentError(
        "key_file and the pkcs11_* options both name the log key: use one (a "
        "key file, or a key in a PKCS#11 token)");
  }
  if (config.witness_timeout_ms < 1) {
    return absl::InvalidArgumentError("witness_timeout_ms must be >= 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<LogCommand> ParseLogCommand(const std::vector<std::string>& args) {
  VITRINE_ASSIGN_OR_RETURN(
      Subcommand subcommand,
      SplitSubcommand(args, {"serve", "init", "export", "fsck", "backup", "restore", "help"}));
  LogCommand command{std::move(subcommand.name), LogConfig{}};
  ParsedFlags parsed;
  VITRINE_RETURN_IF_ERROR(ApplyFlags(Options(), subcommand.args, command.config, parsed));
  if (parsed.help) {
    command.subcommand = "help";
    return command;
  }
  if (!parsed.positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", parsed.positional[0], "\""));
  }
  VITRINE_RETURN_IF_ERROR(ValidateLogConfig(command.config));
  return command;
}

std::string LogUsage() {
  return absl::StrCat(
      "usage: vitrine-log [serve|init|export|fsck|backup|restore|help] [--config=FILE]\n"
      "                   [--option=value ...]\n"
      "\n"
      "  serve   run the log (default): gRPC API and HTTP tiles, metrics, health\n"
      "  init    create the data folder and a log key; print the verifier key\n"
      "  export  write the checkpoint, tiles and entry bundles as files under\n"
      "          --to=DIR, byte for byte as the HTTP port serves them (a stopped\n"
      "          log or a backup: a running log holds its store)\n"
      "  fsck    check a stopped log's store: every tile, interior, index and\n"
      "          signed root recomputed from the entries; exit 0 when sound,\n"
      "          1 with each problem listed, 2 when it cannot run\n"
      "  backup  back the store up into --to=DIR (incremental; a running log\n"
      "          does it itself, asked through its admin socket)\n"
      "  restore restore the latest backup in --from=DIR into --data=DIR (which\n"
      "          must hold no store); the next serve recovers what the backup\n"
      "          lacks from the witnesses and mirrors before signing anything\n"
      "\n"
      "options (also `name = value` lines in --config FILE; flags win, and a\n"
      "repeated option given as flags replaces the file's list):\n",
      OptionsUsage(Options()));
}

}  // namespace vitrine::server
