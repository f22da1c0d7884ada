// Strings from peers, files and requests made safe for one log line: a
// monitor name holding "\nvitrine-monitor: ALARM: ..." must not become a
// second line that an operator's alerting reads as the monitor's own.
//
//   std::fprintf(stderr, "vitrine-monitor: gossip: rejected from %s\n",
//                EscapeForLog(request.monitor()).c_str());
//   // "m\nALARM: x" is written as "m\x0aALARM: x", on one line.
//
// What is escaped, as \xNN (two lowercase hex digits) per byte:
//   - C0 controls (0x00-0x1f, newline and carriage return included) and DEL;
//   - the backslash itself, so an escaped string reads back unambiguously;
//   - every byte that is not part of valid UTF-8 (overlong forms,
//     surrogates, code points past U+10FFFF, stray continuation bytes);
//   - the bytes of C1 controls (U+0080-U+009F: some terminals take U+009B as
//     an escape sequence) and of U+2028 / U+2029 (line and paragraph
//     separators, which some log viewers break lines at).
// Everything else (printable ASCII and valid UTF-8) is kept as it is. At
// most `max_bytes` bytes of the input are looked at, cut before a UTF-8
// sequence that would cross the limit; a longer input ends in
// "...(N more bytes)". The result never holds a byte below 0x20 or 0x7f.
//
// Thread-safe (pure function).
#ifndef VITRINE_COMMON_LOG_ESCAPE_H_
#define VITRINE_COMMON_LOG_ESCAPE_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace vitrine {

// 256 bytes: a monitor name, an origin or an error message fits; a note or
// an entry quoted whole does not belong in a log line anyway.
inline constexpr size_t kLogEscapeMaxBytes = 256;

// Returns `input` escaped for one log line (see the file comment).
std::string EscapeForLog(absl::string_view input,
                         size_t max_bytes = kLogEscapeMaxBytes);

}  // namespace vitrine

#endif  // VITRINE_COMMON_LOG_ESCAPE_H_
