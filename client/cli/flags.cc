#include "client/cli/flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vitrine::cli {

std::string Flags::Get(absl::string_view name) const {
  if (auto it = given_.find(name); it != given_.end()) return it->second;
  if (auto it = defaults_.find(name); it != defaults_.end()) return it->second;
  return "";
}

bool Flags::Has(absl::string_view name) const {
  return given_.find(name) != given_.end();
}

bool Flags::GetBool(absl::string_view name) const {
  const std::string value = Get(name);
  return value == "true" || value == "1";
}

absl::StatusOr<uint64_t> Flags::GetUint64(absl::string_view name) const {
  const std::string value = Get(name);
  uint64_t number = 0;
  if (value.empty() || value[0] == '-' || value[0] == '+' ||
      !absl::SimpleAtoi(value, &number)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", name, " wants a whole number >= 0, got \"", value, "\""));
  }
  return number;
}

absl::StatusOr<std::string> Flags::Require(absl::string_view name) const {
  std::string value = Get(name);
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " is required"));
  }
  return value;
}

absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args,
                                 absl::Span<const FlagSpec> specs) {
  Flags flags;
  for (const FlagSpec& spec : specs) {
    flags.defaults_[spec.name] = spec.default_value;
  }
  auto find = [&](absl::string_view name) -> const FlagSpec* {
    for (const FlagSpec& spec : specs) {
      if (name == spec.name) return &spec;
    }
    return nullptr;
  };
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (flags_done || !absl::StartsWith(arg, "-") || arg == "-") {
      flags.positional_.push_back(std::string(arg));
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      flags.help_ = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag \"", arg, "\" (flags are --name=value)"));
    }
    arg.remove_prefix(2);
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    const FlagSpec* spec = find(name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    std::string value;
    if (eq != absl::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
    } else if (spec->boolean) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " wants a value"));
    }
    if (spec->boolean && value != "true" && value != "false" && value != "1" &&
        value != "0") {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " wants true or false, got \"", value, "\""));
    }
    flags.given_[std::string(name)] = std::move(value);
  }
  return flags;
}

std::string FlagsHelp(absl::Span<const FlagSpec> specs) {
  std::string help = "flags:\n";
  for (const FlagSpec& spec : specs) {
    absl::StrAppend(&help, "  --", spec.name, spec.boolean ? "" : "=...", "  ",
                    spec.help);
    if (spec.default_value[0] != '\0') {
      absl::StrAppend(&help, " [", spec.default_value, "]");
    }
    absl::StrAppend(&help, "\n");
  }
  absl::StrAppend(&help, "  --help  this text\n");
  return help;
}

}  // namespace vitrine::cli
