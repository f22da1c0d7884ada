#include "common/http_range.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace vitrine {
namespace {

// Parses a non-empty run of decimal digits (no sign, no space).
bool ParseDigits(absl::string_view text, uint64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return absl::SimpleAtoi(text, value);
}

}  // namespace

RangeAnswer ChooseRange(absl::string_view header, uint64_t length) {
  RangeAnswer whole;
  absl::string_view spec = absl::StripAsciiWhitespace(header);
  if (!absl::ConsumePrefix(&spec, "bytes=")) return whole;
  if (absl::StrContains(spec, ',')) return whole;  // a list: never multipart
  const size_t dash = spec.find('-');
  if (dash == spec.npos) return whole;
  const absl::string_view first = spec.substr(0, dash);
  const absl::string_view last = spec.substr(dash + 1);
  RangeAnswer answer;
  if (first.empty()) {  // "-n": the last n bytes
    uint64_t n = 0;
    if (!ParseDigits(last, &n)) return whole;
    if (n == 0 || length == 0) {
      answer.kind = RangeKind::kUnsatisfiable;
      return answer;
    }
    answer.kind = RangeKind::kPartial;
    answer.begin = length - std::min(n, length);
    answer.end = length;
    return answer;
  }
  uint64_t begin = 0;
  if (!ParseDigits(first, &begin)) return whole;
  uint64_t end_inclusive = length == 0 ? 0 : length - 1;
  if (!last.empty()) {
    if (!ParseDigits(last, &end_inclusive)) return whole;
    if (end_inclusive < begin) return whole;  // invalid: ignored
  }
  if (begin >= length) {
    answer.kind = RangeKind::kUnsatisfiable;
    return answer;
  }
  answer.kind = RangeKind::kPartial;
  answer.begin = begin;
  answer.end = std::min(end_inclusive, length - 1) + 1;
  return answer;
}

std::string ContentRange(const RangeAnswer& answer, uint64_t length) {
  if (answer.kind != RangeKind::kPartial) {
    return absl::StrCat("bytes */", length);
  }
  return absl::StrCat("bytes ", answer.begin, "-", answer.end - 1, "/", length);
}

}  // namespace vitrine
