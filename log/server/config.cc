#include "log/server/config.h"

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "log/note/keys.h"

namespace vitrine::server {
namespace {

// One option: how to set it from text, and how to show its default.
struct Option {
  std::string help;
  std::function<absl::Status(absl::string_view, LogConfig&)> set;
  std::function<std::string(const LogConfig&)> show;
  bool boolean = false;
};

template <typename T>
absl::Status ParseNumber(absl::string_view name, absl::string_view text, T& out,
                         T min) {
  if (!absl::SimpleAtoi(text, &out) || out < min) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " wants a whole number >= ", min, ", got \"", text, "\""));
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
  const size_t colon = witness.address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(witness.address).substr(colon + 1),
                        &port) ||
      port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness ", key->name, ": address wants host:port, got \"",
        witness.address, "\""));
  }
  return witness;
}

#define VITRINE_STRING_OPTION(field, help)                                   \
  {#field,                                                                   \
   {help,                                                                    \
    [](absl::string_view v, LogConfig& c) {                                  \
      c.field = std::string(v);                                              \
      return absl::OkStatus();                                               \
    },                                                                       \
    [](const LogConfig& c) { return c.field; }}}

#define VITRINE_INT_OPTION(field, min, help)                                 \
  {#field,                                                                   \
   {help,                                                                    \
    [](absl::string_view v, LogConfig& c) {                                  \
      return ParseNumber<int64_t>(#field, v, c.field, min);                  \
    },                                                                       \
    [](const LogConfig& c) { return absl::StrCat(c.field); }}}

const std::map<std::string, Option>& Options() {
  static const auto* options = new std::map<std::string, Option>{
      VITRINE_STRING_OPTION(data, "data folder (store, key, vendors)"),
      VITRINE_STRING_OPTION(origin, "log name: checkpoint origin and key name"),
      VITRINE_STRING_OPTION(key_file, "log signer key file (default <data>/log.key)"),
      VITRINE_STRING_OPTION(vendors_file, "vendor registry (default <data>/vendors)"),
      {"init_if_missing",
       {"create the data folder and a log key on first start",
        [](absl::string_view v, LogConfig& c) {
          if (v == "true" || v == "1") {
            c.init_if_missing = true;
          } else if (v == "false" || v == "0") {
            c.init_if_missing = false;
          } else {
            return absl::InvalidArgumentError(absl::StrCat(
                "init_if_missing wants true or false, got \"", v, "\""));
          }
          return absl::OkStatus();
        },
        [](const LogConfig& c) {
          return std::string(c.init_if_missing ? "true" : "false");
        },
        /*boolean=*/true}},
      VITRINE_STRING_OPTION(grpc_listen, "gRPC address host:port (port 0 picks one)"),
      VITRINE_STRING_OPTION(http_listen, "HTTP address host:port: tiles, /metrics, /healthz"),
      VITRINE_STRING_OPTION(tls_cert_file, "gRPC TLS certificate chain (PEM)"),
      VITRINE_STRING_OPTION(tls_key_file, "gRPC TLS private key (PEM)"),
      VITRINE_STRING_OPTION(tls_client_ca_file, "require client certificates from this CA (PEM)"),
      VITRINE_INT_OPTION(batch_size, 1, "most entries per group commit"),
      VITRINE_INT_OPTION(batch_delay_ms, 0, "longest wait for a batch to fill, ms"),
      VITRINE_INT_OPTION(max_queue, 1, "entries waiting before RESOURCE_EXHAUSTED"),
      VITRINE_INT_OPTION(max_statements_per_add, 1, "statements per Add request"),
      VITRINE_INT_OPTION(max_request_bytes, 1024, "largest gRPC request, bytes"),
      {"vendor_rate_per_second",
       {"sustained statements/s per vendor",
        [](absl::string_view v, LogConfig& c) {
          if (!absl::SimpleAtod(v, &c.vendor_rate_per_second) ||
              !(c.vendor_rate_per_second > 0)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "vendor_rate_per_second wants a number > 0, got \"", v, "\""));
          }
          return absl::OkStatus();
        },
        [](const LogConfig& c) { return absl::StrCat(c.vendor_rate_per_second); }}},
      VITRINE_INT_OPTION(vendor_burst, 1, "statements a vendor may send at once"),
      VITRINE_INT_OPTION(tile_cache_mib, 0, "MiB of tiles cached in memory for proofs"),
      {"witness",
       {"a witness, <type 0x04 vkey>@<host:port>; repeat for each",
        [](absl::string_view v, LogConfig& c) {
          VITRINE_ASSIGN_OR_RETURN(WitnessAddress witness, ParseWitness(v));
          c.witnesses.push_back(std::move(witness));
          return absl::OkStatus();
        },
        [](const LogConfig& c) {
          return c.witnesses.empty() ? std::string("none")
                                     : absl::StrCat(c.witnesses.size());
        }}},
      {"witness_quorum",
       {"witnesses that must cosign a witnessed checkpoint",
        [](absl::string_view v, LogConfig& c) {
          return ParseNumber<int64_t>("witness_quorum", v, c.witness_quorum, 1);
        },
        [](const LogConfig& c) {
          return c.witness_quorum == 0 ? std::string("all")
                                       : absl::StrCat(c.witness_quorum);
        }}},
      VITRINE_INT_OPTION(witness_timeout_ms, 1, "deadline of one push to one witness, ms"),
  };
  return *options;
}

#undef VITRINE_STRING_OPTION
#undef VITRINE_INT_OPTION

absl::Status Set(absl::string_view name, absl::string_view value,
                 LogConfig& config) {
  auto it = Options().find(std::string(name));
  if (it == Options().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown option \"", name, "\""));
  }
  return it->second.set(value, config);
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
std::string LogConfig::VerifierKeyPath() const {
  return DataPath(*this, "log.vkey");
}
std::string LogConfig::VendorsPath() const {
  return vendors_file.empty() ? DataPath(*this, "vendors") : vendors_file;
}

absl::Status ApplyConfigText(absl::string_view text, LogConfig& config) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::string_view content = absl::StripAsciiWhitespace(line);
    if (content.empty() || content[0] == '#') continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(content, absl::MaxSplits('=', 1));
    absl::string_view name = absl::StripAsciiWhitespace(kv.first);
    absl::string_view value = absl::StripAsciiWhitespace(kv.second);
    if (content.find('=') == absl::string_view::npos || name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "config line ", number, ": want `name = value`"));
    }
    if (absl::Status s = Set(name, value, config); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config line ", number, ": ", s.message()));
    }
  }
  return absl::OkStatus();
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
  if (config.witness_timeout_ms < 1) {
    return absl::InvalidArgumentError("witness_timeout_ms must be >= 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<LogCommand> ParseLogCommand(const std::vector<std::string>& args) {
  LogCommand command{"serve", LogConfig{}};
  size_t i = 0;
  if (i < args.size() && !absl::StartsWith(args[i], "-")) {
    command.subcommand = args[i++];
    if (command.subcommand != "serve" && command.subcommand != "init" &&
        command.subcommand != "help") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown subcommand \"", command.subcommand, "\" (serve, init, help)"));
    }
  }
  // Split into (name, value) pairs first: the config file applies before
  // any flag wherever --config appears.
  std::vector<std::pair<std::string, std::string>> flags;
  for (; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      command.subcommand = "help";
      return command;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name, value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    } else {
      name = std::string(arg);
      auto it = Options().find(name);
      if (it != Options().end() && it->second.boolean) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " wants a value"));
      }
    }
    flags.emplace_back(std::move(name), std::move(value));
  }
  for (const auto& [name, value] : flags) {
    if (name != "config") continue;
    std::ifstream in(value);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", value));
    std::stringstream text;
    text << in.rdbuf();
    if (absl::Status s = ApplyConfigText(text.str(), command.config); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(value, ": ", s.message()));
    }
  }
  for (const auto& [name, value] : flags) {
    if (name == "config") continue;
    if (absl::Status s = Set(name, value, command.config); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", s.message()));
    }
  }
  VITRINE_RETURN_IF_ERROR(ValidateLogConfig(command.config));
  return command;
}

std::string LogUsage() {
  std::string usage =
      "usage: vitrine-log [serve|init|help] [--config=FILE] [--option=value ...]\n"
      "\n"
      "  serve  run the log (default): gRPC API and HTTP tiles, metrics, health\n"
      "  init   create the data folder and a log key; print the verifier key\n"
      "\n"
      "options (also `name = value` lines in --config FILE; flags win):\n";
  const LogConfig defaults;
  for (const auto& [name, option] : Options()) {
    absl::StrAppend(&usage, "  --", name, "  ", option.help, " [",
                    option.show(defaults), "]\n");
  }
  return usage;
}

}  // namespace vitrine::server
