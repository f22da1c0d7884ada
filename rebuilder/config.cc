#include "rebuilder/config.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/options.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"

namespace vitrine::rebuilder {
namespace {

// The log's own limit on statements per Add (log/server ServiceLimits).
constexpr int64_t kMaxBatchSize = 1000;

std::pair<const std::string, Option<RebuilderConfig>> SandboxOption() {
  return MakeOption<RebuilderConfig>(
      "sandbox", "run recipes in bubblewrap: auto, on or off",
      [](absl::string_view value, RebuilderConfig& c) {
        for (SandboxMode mode : {SandboxMode::kAuto, SandboxMode::kOn, SandboxMode::kOff}) {
          if (value == SandboxModeName(mode)) {
            c.sandbox = mode;
            return absl::OkStatus();
          }
        }
        return absl::InvalidArgumentError(
            absl::StrCat("sandbox wants auto, on or off, got \"", value, "\""));
      },
      [](const RebuilderConfig& c) { return std::string(SandboxModeName(c.sandbox)); });
}

const OptionTable<RebuilderConfig>& Options() {
  using C = RebuilderConfig;
  static const auto* table = new OptionTable<RebuilderConfig>{
      StringOption(&C::data, "data", "data folder (key, verified copy, progress, builds)"),
      StringOption(&C::name, "name", "init: rebuilder name (its key's name)"),
      StringOption(&C::key_file, "key_file", "rebuilder signer key (default <data>/rebuilder.key)"),
      BoolOption(&C::init_if_missing, "init_if_missing",
                 "create the data folder and a key on first start"),
      StringOption(&C::log, "log", "the log's gRPC address host:port (required)"),
      StringOption(&C::log_key, "log_key", "the log's verifier key (or log_key_file)"),
      StringOption(&C::log_key_file, "log_key_file", "file holding the log's verifier key"),
      StringOption(&C::tls_roots_file, "tls_roots_file", "PEM roots: reach the log over TLS"),
      StringOption(&C::vendors_file, "vendors_file",
                   "vendor verifier keys to check statements with (default <data>/vendors)"),
      StringOption(&C::rebuilders_file, "rebuilders_file",
                   "rebuilder verifier keys to audit rebuild statements with "
                   "(default <data>/rebuilders if it exists)"),
      RepeatedOption(&C::vendors, "vendor", "rebuild this vendor's releases (repeat)"),
      IntOption(&C::rebuild_from, "rebuild_from", 0,
                "first leaf index to consider: earlier releases are not rebuilt"),
      StringOption(&C::recipe, "recipe", "build command, run by /bin/sh -c (required)"),
      IntOption(&C::recipe_timeout_seconds, "recipe_timeout_seconds", 1,
                "kill a recipe running longer, seconds"),
      SandboxOption(),
      BoolOption(&C::sandbox_network, "sandbox_network",
                 "recipes in the sandbox keep the network (to fetch sources)"),
      RepeatedOption(&C::sandbox_read_only, "sandbox_read_only",
                     "a host folder recipes in the sandbox may read, e.g. a source "
                     "mirror (repeat)"),
      BoolOption(&C::keep_work, "keep_work", "keep the build folder of matching rebuilds too"),
      StringOption(&C::http_listen, "http_listen", "HTTP address (/metrics, /healthz)"),
      IntOption(&C::batch_size, "batch_size", 1, "rebuild statements per Add (at most 1000)"),
      IntOption(&C::batch_delay_ms, "batch_delay_ms", 0,
                "longest wait for a batch to fill before it is sent, ms"),
      IntOption(&C::max_pending, "max_pending", 1,
                "statements waiting for the log beyond which no build starts"),
      IntOption(&C::submit_timeout_ms, "submit_timeout_ms", 1, "deadline of each Add call, ms"),
      StringOption(&C::mismatch_file, "mismatch_file",
                   "JSON lines of mismatches (default <data>/mismatches.jsonl)"),
      StringOption(&C::failures_file, "failures_file",
                   "JSON lines of failed builds (default <data>/failures.jsonl)"),
      IntOption(&C::poll_interval_ms, "poll_interval_ms", 1,
                "checkpoint polling interval when watching fails, ms"),
      IntOption(&C::entries_per_fetch, "entries_per_fetch", 1,
                "entries per GetEntries call (at most 10000)"),
      IntOption(&C::min_free_bytes, "min_free_bytes", -1,
                "bytes kept free on the data file system (-1: max(1 GiB, 5%), 0: off)"),
  };
  return *table;
}

std::string DataPath(const RebuilderConfig& c, absl::string_view name) {
  return absl::StrCat(c.data, "/", name);
}

}  // namespace

absl::string_view SandboxModeName(SandboxMode mode) {
  switch (mode) {
    case SandboxMode::kOn: return "on";
    case SandboxMode::kOff: return "off";
    case SandboxMode::kAuto: break;
  }
  return "auto";
}

std::string RebuilderConfig::KeyPath() const {
  return key_file.empty() ? DataPath(*this, "rebuilder.key") : key_file;
}
std::string RebuilderConfig::VerifierKeyPath() const { return DataPath(*this, "rebuilder.vkey"); }
std::string RebuilderConfig::VendorsPath() const {
  return vendors_file.empty() ? DataPath(*this, "vendors") : vendors_file;
}
std::string RebuilderConfig::RebuildersPath() const {
  return rebuilders_file.empty() ? DataPath(*this, "rebuilders") : rebuilders_file;
}
std::string RebuilderConfig::CopyPath() const { return DataPath(*this, "copy"); }
std::string RebuilderConfig::StatePath() const { return DataPath(*this, "state"); }
std::string RebuilderConfig::WorkDir() const { return DataPath(*this, "work"); }
std::string RebuilderConfig::BuildLogDir() const { return DataPath(*this, "logs"); }
std::string RebuilderConfig::EvidenceDir() const { return DataPath(*this, "evidence"); }
std::string RebuilderConfig::ObservedDir() const { return DataPath(*this, "observed"); }
std::string RebuilderConfig::MismatchPath() const {
  return mismatch_file.empty() ? DataPath(*this, "mismatches.jsonl") : mismatch_file;
}
std::string RebuilderConfig::FailuresPath() const {
  return failures_file.empty() ? DataPath(*this, "failures.jsonl") : failures_file;
}

absl::StatusOr<std::string> ResolveLogKey(const RebuilderConfig& config) {
  if (config.log_key.empty() == config.log_key_file.empty()) {
    return absl::InvalidArgumentError("give the log's verifier key: log_key or log_key_file");
  }
  std::string vkey = config.log_key;
  if (vkey.empty()) {
    VITRINE_ASSIGN_OR_RETURN(vkey, note::ReadVerifierKeyFile(config.log_key_file));
    vkey = std::string(absl::StripAsciiWhitespace(vkey));
  }
  absl::StatusOr<note::VerifierKey> key = note::ParseVerifierKey(vkey);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("log key: ", key.status().message()));
  }
  if (key->type != note::SignatureType::kEd25519) {
    return absl::InvalidArgumentError("log key: a log key signs notes (type 0x01)");
  }
  return vkey;
}

absl::Status ValidateForServe(const RebuilderConfig& config) {
  if (config.log.empty()) return absl::InvalidArgumentError("log: the log's host:port is required");
  if (config.vendors.empty()) {
    return absl::InvalidArgumentError("vendor: name at least one vendor to rebuild");
  }
  if (config.recipe.empty()) {
    return absl::InvalidArgumentError("recipe: a build command is required");
  }
  if (config.batch_size > kMaxBatchSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: the log takes at most ", kMaxBatchSize, " statements per Add"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RebuilderCommand> ParseRebuilderCommand(const std::vector<std::string>& args) {
  VITRINE_ASSIGN_OR_RETURN(Subcommand subcommand,
                           SplitSubcommand(args, {"serve", "init", "help"}));
  RebuilderCommand command;
  command.subcommand = std::move(subcommand.name);
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
  return command;
}

std::string RebuilderUsage() {
  return absl::StrCat(
      "usage: vitrine-rebuilder [serve|init|help] [--config=FILE] [--option=value ...]\n"
      "\n"
      "  serve  follow and audit the log; rebuild each new release of the\n"
      "         configured vendors that names its source, with the recipe;\n"
      "         log a signed rebuild statement with the digest obtained\n"
      "         (default)\n"
      "  init   create the data folder and the rebuilder key (--name); print\n"
      "         its verifier key (register it in the log's rebuilders file)\n"
      "\n"
      "options (also `name = value` lines in --config FILE; flags win):\n",
      OptionsUsage(Options()));
}

}  // namespace vitrine::rebuilder
