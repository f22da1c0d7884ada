// Strict UTF-8 decoding for the note parsers: signed-note requires valid
// UTF-8 and forbids Unicode spaces in key names, so both need code points.
// Pure functions, thread-safe.
#ifndef VITRINE_LOG_NOTE_INTERNAL_UTF8_H_
#define VITRINE_LOG_NOTE_INTERNAL_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace vitrine::note::internal {

// Decodes the code point at the start of `text` into `*code_point` and
// returns its length in bytes, or 0 when `text` is empty or does not start
// with a valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
size_t DecodeUtf8(absl::string_view text, char32_t* code_point);

// Returns whether `text` is entirely valid UTF-8.
bool IsValidUtf8(absl::string_view text);

// Returns whether `c` has the Unicode White_Space property (what Go's
// unicode.IsSpace, used by the reference implementation, tests).
bool IsUnicodeSpace(char32_t c);

}  // namespace vitrine::note::internal

#endif  // VITRINE_LOG_NOTE_INTERNAL_UTF8_H_
