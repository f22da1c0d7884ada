// JSON string values for the JSON lines written by hand (the vendor
// watch's lines, the rebuilder's report files): RFC 8259 section 7's
// escaping, with no JSON library.
//
//   std::string line = absl::StrCat("{\"origin\":", JsonString(origin));
//   AppendJsonStringField(&line, "vendor", statement.vendor);
//   line += "}\n";   // {"origin":"example.com/log","vendor":"acme"}
//
// Escaped: the quotation mark and the backslash (\" and \\), the C0
// controls (0x00-0x1f) and DEL (0x7f) as \u00XX with lowercase hex digits
// ("a\nb" is written "a\u000ab"). Every other byte is kept as it is: UTF-8
// stays UTF-8, and bytes that are not UTF-8 pass through unrepaired, so
// callers give UTF-8 (statement values, origins and error messages are).
//
// Thread-safe (pure functions).
#ifndef VITRINE_COMMON_JSON_STRING_H_
#define VITRINE_COMMON_JSON_STRING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace vitrine {

// Returns `value` as a JSON string, quotes included (see the file comment).
std::string JsonString(absl::string_view value);

// Appends `,"name":"value"` to `*line`, both escaped as by JsonString: a
// field after the first of an object.
void AppendJsonStringField(std::string* line, absl::string_view name,
                           absl::string_view value);

}  // namespace vitrine

#endif  // VITRINE_COMMON_JSON_STRING_H_
