#include "proto/vitrine/v1/witness_size.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vitrine::v1 {

std::string FormatWitnessSize(uint64_t size) { return absl::StrCat(size); }

absl::StatusOr<uint64_t> ParseWitnessSize(absl::string_view value) {
  bool digits = !value.empty() && value.size() <= 20;
  for (char c : value) digits = digits && absl::ascii_isdigit(c);
  uint64_t size = 0;
  if (!digits || (value.size() > 1 && value[0] == '0') ||
      !absl::SimpleAtoi(value, &size)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWitnessSizeTrailer, ": not a decimal size: \"",
                     absl::CHexEscape(value.substr(0, 32)), "\""));
  }
  return size;
}

}  // namespace vitrine::v1
