#include "common/json_string.h"

#include <cstdint>

namespace vitrine {
namespace {

void AppendEscaped(absl::string_view value, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char c : value) {
    const uint8_t byte = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (byte < 0x20 || byte == 0x7f) {
      out->append({'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]});
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

std::string JsonString(absl::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  AppendEscaped(value, &out);
  return out;
}

void AppendJsonStringField(std::string* line, absl::string_view name,
                           absl::string_view value) {
  line->push_back(',');
  AppendEscaped(name, line);
  line->push_back(':');
  AppendEscaped(value, line);
}

}  // namespace vitrine
