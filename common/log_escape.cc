#include "common/log_escape.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace vitrine {
namespace {

bool IsContinuation(uint8_t byte) { return (byte & 0xc0) == 0x80; }

// Returns the length of the valid UTF-8 sequence at the start of `input`
// (RFC 3629 section 4), or 0 when its first byte does not start one.
size_t Utf8SequenceLength(absl::string_view input) {
  const uint8_t lead = static_cast<uint8_t>(input[0]);
  size_t length = 0;
  uint8_t low = 0x80, high = 0xbf;  // the allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // no overlong forms
    if (lead == 0xed) high = 0x9f;  // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // no overlong forms
    if (lead == 0xf4) high = 0x8f;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (input.size() < length) return 0;
  const uint8_t second = static_cast<uint8_t>(input[1]);
  if (second < low || second > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!IsContinuation(static_cast<uint8_t>(input[i]))) return 0;
  }
  return length;
}

// True for the valid sequences that are still escaped: C1 controls
// (U+0080-U+009F, "\xc2\x80"-"\xc2\x9f") and U+2028 / U+2029
// ("\xe2\x80\xa8", "\xe2\x80\xa9").
bool IsUnsafeSequence(absl::string_view sequence) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(sequence[i]); };
  if (sequence.size() == 2) return byte(0) == 0xc2 && byte(1) <= 0x9f;
  return sequence.size() == 3 && byte(0) == 0xe2 && byte(1) == 0x80 &&
         (byte(2) == 0xa8 || byte(2) == 0xa9);
}

void AppendEscaped(absl::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : bytes) {
    const uint8_t byte = static_cast<uint8_t>(c);
    out->append({'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]});
  }
}

}  // namespace

std::string EscapeForLog(absl::string_view input, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < input.size()) {
    const uint8_t byte = static_cast<uint8_t>(input[i]);
    size_t length = 1;
    bool escape = false;
    if (byte < 0x80) {
      escape = byte < 0x20 || byte == 0x7f || byte == '\\';
    } else {
      length = Utf8SequenceLength(input.substr(i));
      if (length == 0) {
        length = 1;
        escape = true;
      } else {
        escape = IsUnsafeSequence(input.substr(i, length));
      }
    }
    if (i + length > max_bytes) break;
    if (escape) {
      AppendEscaped(input.substr(i, length), &out);
    } else {
      out.append(input.data() + i, length);
    }
    i += length;
  }
  if (i < input.size()) {
    absl::StrAppend(&out, "...(", input.size() - i, " more bytes)");
  }
  return out;
}

}  // namespace vitrine
