#include "client/cli/apt_hook_input.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vitrine::cli {
namespace {

constexpr absl::string_view kConfigure = "**CONFIGURE**";
constexpr absl::string_view kRemove = "**REMOVE**";

absl::Status LineError(size_t number, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("apt hook input line ", number, ": ", why));
}

// Reads one action line of protocol `version` (2 or 3); appends the .deb
// it names, if any.
absl::Status ParseAction(absl::string_view line, size_t number, int version,
                         std::vector<std::string>* debs) {
  // Fields before the action: 4 in version 2, 8 in version 3.
  const size_t fixed = version == 2 ? 4 : 8;
  const size_t direction = version == 2 ? 2 : 4;
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, absl::MaxSplits(' ', fixed));
  if (fields.size() != fixed + 1 || fields[fixed].empty()) {
    return LineError(number, absl::StrCat("wants ", fixed + 1,
                                          " fields (protocol version ", version,
                                          "), got \"", line, "\""));
  }
  for (size_t i = 0; i < fixed; ++i) {
    if (fields[i].empty()) return LineError(number, "an empty field");
  }
  if (fields[direction] != "<" && fields[direction] != ">" &&
      fields[direction] != "=") {
    return LineError(number, absl::StrCat("the version change is \"",
                                          fields[direction],
                                          "\", not <, > or ="));
  }
  const absl::string_view action = fields[fixed];
  if (action != kConfigure && action != kRemove) debs->emplace_back(action);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AptHookInput> ParseAptHookInput(absl::string_view input) {
  std::vector<absl::string_view> lines = absl::StrSplit(input, '\n');
  // The text ends with a newline: no line after it.
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  AptHookInput parsed;
  size_t next = 0;
  absl::string_view first = lines.empty() ? "" : lines[0];
  if (absl::ConsumePrefix(&first, "VERSION ")) {
    if (!absl::SimpleAtoi(first, &parsed.version) || parsed.version < 1 ||
        parsed.version > 3) {
      return LineError(1, absl::StrCat("unsupported hook protocol version \"",
                                       first, "\" (1, 2 and 3 are)"));
    }
    next = 1;
  }
  if (parsed.version == 1) {
    for (; next < lines.size(); ++next) {
      if (!lines[next].empty()) parsed.debs.emplace_back(lines[next]);
    }
    return parsed;
  }
  // The configuration space, up to its blank line.
  while (next < lines.size() && !lines[next].empty()) ++next;
  if (next == lines.size()) {
    return LineError(lines.size(),
                     "the input ends in the configuration section (no blank "
                     "line before the package actions)");
  }
  for (++next; next < lines.size(); ++next) {
    if (absl::Status s = ParseAction(lines[next], next + 1, parsed.version,
                                     &parsed.debs);
        !s.ok()) {
      return s;
    }
  }
  return parsed;
}

}  // namespace vitrine::cli
