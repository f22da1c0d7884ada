#include "log/serving/internal/api_params.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace vitrine::serving::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string QuoteInput(absl::string_view input) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (char c : input.substr(0, kMax)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (input.size() > kMax) out += "...";
  out += "\"";
  return out;
}

absl::StatusOr<QueryParams> ParseQuery(
    absl::string_view target, std::initializer_list<absl::string_view> allowed) {
  QueryParams params;
  const size_t question = target.find('?');
  if (question == absl::string_view::npos) return params;
  const absl::string_view query = target.substr(question + 1);
  if (query.empty()) return params;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    const size_t equals = pair.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query parameter ", QuoteInput(pair), " has no value (name=value)"));
    }
    const absl::string_view name = pair.substr(0, equals);
    const absl::string_view value = pair.substr(equals + 1);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return absl::InvalidArgumentError(
          allowed.size() == 0
              ? absl::StrCat("unknown query parameter ", QuoteInput(name),
                             ": this path takes none")
              : absl::StrCat("unknown query parameter ", QuoteInput(name)));
    }
    if (value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, " is empty"));
    }
    if (!params.emplace(std::string(name), std::string(value)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, " is given twice"));
    }
  }
  return params;
}

absl::StatusOr<uint64_t> ParseUint(absl::string_view text,
                                   absl::string_view what) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   absl::ascii_isdigit);
  if (!digits || (text.size() > 1 && text[0] == '0')) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " ", QuoteInput(text),
        " is not a decimal integer (digits only, no sign or leading zero)"));
  }
  uint64_t value = 0;
  for (char c : text) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " ", QuoteInput(text), " is larger than 2^64 - 1"));
    }
    value = value * 10 + digit;
  }
  return value;
}

absl::StatusOr<std::optional<uint64_t>> OptionalUint(const QueryParams& params,
                                                     absl::string_view name) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  absl::StatusOr<uint64_t> value = ParseUint(it->second, name);
  if (!value.ok()) return value.status();
  return *value;
}

absl::StatusOr<uint64_t> RequiredUint(const QueryParams& params,
                                      absl::string_view name) {
  auto it = params.find(name);
  if (it == params.end()) {
    return absl::InvalidArgumentError(absl::StrCat("missing parameter ", name));
  }
  return ParseUint(it->second, name);
}

absl::StatusOr<merkle::Hash> ParseSha256Hex(absl::string_view text) {
  const bool hex = text.size() == 64 &&
                   std::all_of(text.begin(), text.end(), [](char c) {
                     return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
                   });
  if (!hex) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sha256 ", QuoteInput(text), " is not 64 lowercase hex digits"));
  }
  return merkle::Hash::FromHex(text);
}

absl::StatusOr<std::string> DecodeSegment(absl::string_view segment) {
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    const char c = segment[i];
    if (c == '/') {
      return absl::InvalidArgumentError(
          "the vendor name must be one percent-encoded path segment ('/' as "
          "%2F)");
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    const int high = i + 1 < segment.size() ? HexValue(segment[i + 1]) : -1;
    const int low = i + 2 < segment.size() ? HexValue(segment[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed percent-encoding in ", QuoteInput(segment),
          " ('%' must be followed by two hex digits)"));
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace vitrine::serving::internal
