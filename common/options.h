// Options for the project's servers: one table per config struct says how
// each `name = value` is parsed and what its default is; the same table
// reads an optional config file (`name = value` lines, `#` comments) and
// then command-line flags (`--name=value`, `--name value`, `--name` for
// booleans), flags winning, and prints the usage. vitrine-log,
// vitrine-monitor and vitrine-rebuilder share it so all read their options
// the same way.
//
//   const OptionTable<MonitorConfig> table = {
//       StringOption(&MonitorConfig::data, "data", "data folder"),
//       RepeatedOption(&MonitorConfig::logs, "log", "<vkey>@<host:port> to follow"),
//   };
//   MonitorConfig config;
//   ParsedFlags flags;
//   VITRINE_RETURN_IF_ERROR(ApplyFlags(table, args, config, flags));
//   // flags.positional: the arguments that are not options
//
// Repeated options (RepeatedOption) append one value per line or flag;
// flags replace what the config file gave for the same repeated name.
// Errors are InvalidArgument naming the option (and the config line);
// a config file that cannot be read keeps its file status. Thread-safe.
#ifndef VITRINE_COMMON_OPTIONS_H_
#define VITRINE_COMMON_OPTIONS_H_

#include <cmath>
#include <cstdint>
#include <functional>
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vitrine {

template <typename Config>
struct Option {
  std::string help;
  std::function<absl::Status(absl::string_view value, Config&)> set;
  std::function<std::string(const Config&)> show;  // the value, for usage
  bool boolean = false;   // `--name` alone means true
  bool repeated = false;  // each occurrence appends
  // Empties a repeated option before flags give it new values.
  std::function<void(Config&)> clear;
};

template <typename Config>
using OptionTable = std::map<std::string, Option<Config>>;

// One `name = value` from a config file (line > 0) or a flag (line 0).
struct NamedValue {
  std::string name;
  std::string value;
  int line = 0;
};

// Splits config text into its `name = value` lines. InvalidArgument with
// the line number for a line that is neither that, blank nor a comment.
absl::StatusOr<std::vector<NamedValue>> SplitConfigText(absl::string_view text);

// A command line's subcommand and the arguments after it.
struct Subcommand {
  std::string name;
  std::vector<std::string> args;
};

// Takes the subcommand off the front of `args`: the first argument when it
// does not start with '-', else the first of `known` (the default).
// InvalidArgument for one not in `known`, listing them:
// `unknown subcommand "x" (serve, init, help)`.
absl::StatusOr<Subcommand> SplitSubcommand(std::vector<std::string> args,
                                           absl::Span<const absl::string_view> known);

// What a command line holds besides the options applied to the config.
struct ParsedFlags {
  std::vector<std::string> positional;  // non-option arguments, in order
  bool help = false;                    // --help or -h was given
};

// Splits flags into name/value pairs and positional arguments; `boolean`
// says which names take no value. "--" ends the options.
absl::Status SplitFlags(const std::vector<std::string>& args,
                        const std::function<bool(const std::string&)>& boolean,
                        std::vector<NamedValue>& flags, ParsedFlags& parsed);

// Parses text as a boolean option's value (true/false/1/0).
absl::Status ParseBool(absl::string_view name, absl::string_view text, bool& out);
// Parses text as a whole number >= min.
absl::Status ParseInt(absl::string_view name, absl::string_view text, int64_t& out,
                      int64_t min);

// Reads a config file (at most 1 MiB).
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

template <typename Config>
absl::Status SetOption(const OptionTable<Config>& table, const NamedValue& nv,
                       Config& config) {
  auto it = table.find(nv.name);
  absl::Status status =
      it == table.end()
          ? absl::InvalidArgumentError(absl::StrCat("unknown option \"", nv.name, "\""))
          : it->second.set(nv.value, config);
  if (status.ok() || nv.line == 0) return status;
  return absl::InvalidArgumentError(
      absl::StrCat("config line ", nv.line, ": ", status.message()));
}

// Applies config text (SplitConfigText) to `config`.
template <typename Config>
absl::Status ApplyConfigText(const OptionTable<Config>& table, absl::string_view text,
                             Config& config) {
  absl::StatusOr<std::vector<NamedValue>> lines = SplitConfigText(text);
  if (!lines.ok()) return lines.status();
  for (const NamedValue& nv : *lines) {
    if (absl::Status s = SetOption(table, nv, config); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Applies `--config=FILE` (wherever it appears) and then every other flag.
template <typename Config>
absl::Status ApplyFlags(const OptionTable<Config>& table,
                        const std::vector<std::string>& args, Config& config,
                        ParsedFlags& parsed) {
  std::vector<NamedValue> flags;
  absl::Status split = SplitFlags(
      args,
      [&](const std::string& name) {
        auto it = table.find(name);
        return it != table.end() && it->second.boolean;
      },
      flags, parsed);
  if (!split.ok() || parsed.help) return split;
  for (const NamedValue& nv : flags) {
    if (nv.name != "config") continue;
    absl::StatusOr<std::string> text = ReadConfigFile(nv.value);
    if (!text.ok()) return text.status();
    if (absl::Status s = ApplyConfigText(table, *text, config); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(nv.value, ": ", s.message()));
    }
  }
  std::vector<std::string> cleared;
  for (const NamedValue& nv : flags) {
    if (nv.name == "config") continue;
    auto it = table.find(nv.name);
    if (it != table.end() && it->second.repeated &&
        std::find(cleared.begin(), cleared.end(), nv.name) == cleared.end()) {
      it->second.clear(config);
      cleared.push_back(nv.name);
    }
    if (absl::Status s = SetOption(table, nv, config); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", s.message()));
    }
  }
  return absl::OkStatus();
}

// One line per option: "  --name  help [default]".
template <typename Config>
std::string OptionsUsage(const OptionTable<Config>& table) {
  const Config defaults{};
  std::string usage;
  for (const auto& [name, option] : table) {
    absl::StrAppend(&usage, "  --", name, "  ", option.help, " [",
                    option.show(defaults), "]\n");
  }
  return usage;
}

// Table entries for the common field types.
template <typename Config>
std::pair<const std::string, Option<Config>> MakeOption(
    std::string name, std::string help,
    std::function<absl::Status(absl::string_view, Config&)> set,
    std::function<std::string(const Config&)> show) {
  Option<Config> option;
  option.help = std::move(help);
  option.set = std::move(set);
  option.show = std::move(show);
  return {std::move(name), std::move(option)};
}

template <typename Config>
std::pair<const std::string, Option<Config>> StringOption(
    std::string Config::*field, std::string name, std::string help) {
  return MakeOption<Config>(
      std::move(name), std::move(help),
      [field](absl::string_view v, Config& c) {
        c.*field = std::string(v);
        return absl::OkStatus();
      },
      [field](const Config& c) { return c.*field; });
}

template <typename Config>
std::pair<const std::string, Option<Config>> IntOption(int64_t Config::*field,
                                                       std::string name,
                                                       int64_t min, std::string help) {
  return MakeOption<Config>(
      name, std::move(help),
      [field, name, min](absl::string_view v, Config& c) {
        return ParseInt(name, v, c.*field, min);
      },
      [field](const Config& c) { return absl::StrCat(c.*field); });
}

// A finite number >= 0 (a rate, where 0 usually means off).
template <typename Config>
std::pair<const std::string, Option<Config>> RateOption(double Config::*field,
                                                        std::string name,
                                                        std::string help) {
  return MakeOption<Config>(
      name, std::move(help),
      [field, name](absl::string_view v, Config& c) {
        double value = 0;
        if (!absl::SimpleAtod(v, &value) || !std::isfinite(value) ||
            value < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, " wants a number >= 0, got \"", v, "\""));
        }
        c.*field = value;
        return absl::OkStatus();
      },
      [field](const Config& c) { return absl::StrCat(c.*field); });
}

template <typename Config>
std::pair<const std::string, Option<Config>> BoolOption(bool Config::*field,
                                                        std::string name,
                                                        std::string help) {
  auto entry = MakeOption<Config>(
      name, std::move(help),
      [field, name](absl::string_view v, Config& c) {
        return ParseBool(name, v, c.*field);
      },
      [field](const Config& c) { return std::string(c.*field ? "true" : "false"); });
  entry.second.boolean = true;
  return entry;
}

template <typename Config>
std::pair<const std::string, Option<Config>> RepeatedOption(
    std::vector<std::string> Config::*field, std::string name, std::string help) {
  auto entry = MakeOption<Config>(
      std::move(name), std::move(help),
      [field](absl::string_view v, Config& c) {
        (c.*field).emplace_back(v);
        return absl::OkStatus();
      },
      [field](const Config& c) { return absl::StrJoin(c.*field, " "); });
  entry.second.repeated = true;
  entry.second.clear = [field](Config& c) { (c.*field).clear(); };
  return entry;
}

}  // namespace vitrine

#endif  // VITRINE_COMMON_OPTIONS_H_
