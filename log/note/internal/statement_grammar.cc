#include "log/note/internal/statement_grammar.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "log/note/internal/utf8.h"

namespace vitrine::note::internal {
namespace {

constexpr size_t kMaxValueSize = 255;  // statement.h kMaxStatementValueSize
constexpr size_t kSha256HexSize = 64;

// Checks the token rules shared by every kind but kSha256's hex digits.
absl::Status CheckToken(absl::string_view value, bool is_key_name) {
  if (value.empty()) return absl::InvalidArgumentError("empty value");
  if (value.size() > kMaxValueSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("value is ", value.size(), " bytes, above the limit of ",
                     kMaxValueSize));
  }
  for (size_t i = 0; i < value.size();) {
    char32_t c;
    const size_t n = DecodeUtf8(value.substr(i), &c);
    if (n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("value is not valid UTF-8 at byte ", i));
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("value holds control character U+%04X at byte %d",
                          static_cast<uint32_t>(c), i));
    }
    if (c == ' ' && i == 0) {
      return absl::InvalidArgumentError(
          "value starts with a space (exactly one space follows the keyword)");
    }
    if (c == ' ' && i + 1 == value.size()) {
      return absl::InvalidArgumentError("value ends with a space");
    }
    if (IsUnicodeSpace(c)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "value holds white space U+%04X at byte %d (values are one token)",
          static_cast<uint32_t>(c), i));
    }
    if (is_key_name && c == '+') {
      return absl::InvalidArgumentError(absl::StrCat(
          "value holds '+' at byte ", i, ", which a key name cannot"));
    }
    i += n;
  }
  return absl::OkStatus();
}

// Returns the index of `keyword` in `lines`, or lines.size() if unknown.
size_t KeywordIndex(absl::Span<const LineSpec> lines,
                    absl::string_view keyword) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].keyword == keyword) return i;
  }
  return lines.size();
}

}  // namespace

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, 40)),
                      text.size() > 40 ? "..." : "", "\"");
}

absl::Status CheckValue(absl::string_view value, ValueKind kind) {
  if (kind == ValueKind::kSha256) return ParseSha256(value).status();
  return CheckToken(value, kind == ValueKind::kKeyName);
}

absl::StatusOr<merkle::Hash> ParseSha256(absl::string_view value) {
  VITRINE_RETURN_IF_ERROR(CheckToken(value, /*is_key_name=*/false));
  if (value.size() != kSha256HexSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value is ", value.size(), " characters, not 64 hex digits"));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c >= 'A' && c <= 'F') {
      return absl::InvalidArgumentError(absl::StrCat(
          "upper-case hex digit at byte ", i, " (lowercase only)"));
    }
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a hex digit at byte ", i));
    }
  }
  return merkle::Hash::FromHex(value);
}

absl::Status WithField(absl::string_view what, absl::string_view field,
                       const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(what, " ", field, ": ",
                                                  status.message()));
}

absl::StatusOr<std::vector<std::optional<std::string>>> ParseLines(
    absl::string_view text, absl::string_view header,
    absl::Span<const LineSpec> lines, absl::string_view what) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is empty"));
  if (text.back() != '\n') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " does not end in a newline"));
  }
  std::vector<std::optional<std::string>> values(lines.size());
  size_t line_number = 0;
  size_t next = 0;  // Index in `lines` of the line expected next.
  for (absl::string_view rest = text; !rest.empty();) {
    ++line_number;
    const size_t end = rest.find('\n');  // Found: text ends in a newline.
    const absl::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::string where = absl::StrCat(what, " line ", line_number);
    if (!line.empty() && line.back() == '\r') {
      return absl::InvalidArgumentError(
          absl::StrCat(where,
                       " ends in a carriage return (CRLF line endings are not "
                       "allowed)"));
    }
    if (line_number == 1) {
      if (line != header) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": expected the header \"", header,
                         "\", got ", Quote(line)));
      }
      continue;
    }
    if (line.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " is empty"));
    }
    const size_t space = line.find(' ');
    const absl::string_view keyword = line.substr(0, space);
    const size_t index = KeywordIndex(lines, keyword);
    if (index == lines.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown keyword ", Quote(keyword)));
    }
    // Lines are consumed strictly in order, so a keyword before the
    // expected one was already seen.
    if (index < next) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate ", keyword, " line"));
    }
    if (index > next) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", keyword, " line out of order (expected ",
                       lines[next].keyword, ")"));
    }
    const std::string field = absl::StrCat(where, " (", keyword, ")");
    if (space == line.npos) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": no value"));
    }
    const absl::string_view value = line.substr(space + 1);
    if (absl::Status ok = CheckValue(value, lines[index].kind); !ok.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", ok.message()));
    }
    values[index] = std::string(value);
    ++next;
  }
  if (next < lines.size() && !lines[next].optional) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ends after line ",
                                                   line_number, ", before its ",
                                                   lines[next].keyword, " line"));
  }
  return values;
}

}  // namespace vitrine::note::internal
