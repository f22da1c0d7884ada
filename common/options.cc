#include "common/options.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"

namespace vitrine {

absl::StatusOr<std::vector<NamedValue>> SplitConfigText(absl::string_view text) {
  std::vector<NamedValue> out;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    absl::string_view content = absl::StripAsciiWhitespace(line);
    if (content.empty() || content[0] == '#') continue;
    size_t eq = content.find('=');
    absl::string_view name =
        absl::StripAsciiWhitespace(content.substr(0, eq));
    if (eq == absl::string_view::npos || name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("config line ", number, ": want `name = value`"));
    }
    out.push_back({std::string(name),
                   std::string(absl::StripAsciiWhitespace(content.substr(eq + 1))),
                   number});
  }
  return out;
}

absl::StatusOr<Subcommand> SplitSubcommand(std::vector<std::string> args,
                                           absl::Span<const absl::string_view> known) {
  Subcommand command{known.empty() ? "" : std::string(known[0]), std::move(args)};
  if (!command.args.empty() && !absl::StartsWith(command.args[0], "-")) {
    command.name = std::move(command.args[0]);
    command.args.erase(command.args.begin());
  }
  if (std::find(known.begin(), known.end(), command.name) == known.end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown subcommand \"", command.name,
                                                   "\" (", absl::StrJoin(known, ", "), ")"));
  }
  return command;
}

absl::Status SplitFlags(const std::vector<std::string>& args,
                        const std::function<bool(const std::string&)>& boolean,
                        std::vector<NamedValue>& flags, ParsedFlags& parsed) {
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (options_ended || !absl::StartsWith(arg, "-") || arg == "-") {
      parsed.positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      return absl::OkStatus();
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    NamedValue nv;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      nv.name = std::string(arg.substr(0, eq));
      nv.value = std::string(arg.substr(eq + 1));
    } else {
      nv.name = std::string(arg);
      if (boolean(nv.name)) {
        nv.value = "true";
      } else if (i + 1 < args.size()) {
        nv.value = args[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", nv.name, " wants a value"));
      }
    }
    flags.push_back(std::move(nv));
  }
  return absl::OkStatus();
}

absl::Status ParseBool(absl::string_view name, absl::string_view text, bool& out) {
  if (text == "true" || text == "1") {
    out = true;
  } else if (text == "false" || text == "0") {
    out = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " wants true or false, got \"", text, "\""));
  }
  return absl::OkStatus();
}

absl::Status ParseInt(absl::string_view name, absl::string_view text, int64_t& out,
                      int64_t min) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, " wants a whole number >= ", min, ", got \"", text, "\""));
  }
  out = value;
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, 1 << 20);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("config file ", path, ": ", text.status().message()));
  }
  return text;
}

}  // namespace vitrine
