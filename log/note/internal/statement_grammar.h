// The line grammar shared by Vitrine's statement kinds (statement.h,
// rebuild_statement.h): a header line, then "<keyword> <value>" lines in a
// fixed order, each ending in "\n", and value rules strict enough that a
// parsed statement has exactly one spelling. Internal to log/note.
//
//   constexpr LineSpec kLines[] = {{"vendor", ValueKind::kKeyName}, ...};
//   VITRINE_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
//       ParseLines(text, "vitrine/release/v1", kLines, "statement"));
//
// Thread-safe (pure functions).
#ifndef VITRINE_LOG_NOTE_INTERNAL_STATEMENT_GRAMMAR_H_
#define VITRINE_LOG_NOTE_INTERNAL_STATEMENT_GRAMMAR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"

namespace vitrine::note::internal {

enum class ValueKind {
  kToken,    // 1..255 bytes of UTF-8, no control character, no white space
  kKeyName,  // a token that is also a key name: no '+'
  kSha256,   // exactly 64 lowercase hex digits
};

struct LineSpec {
  absl::string_view keyword;
  ValueKind kind = ValueKind::kToken;
  // Optional lines may only come last: a statement ends before them.
  bool optional = false;
};

// Returns a short, escaped quotation of untrusted input for messages.
std::string Quote(absl::string_view text);

// Checks `value` against its kind; the message does not name the line.
absl::Status CheckValue(absl::string_view value, ValueKind kind);

// Parses a SHA-256 value (kSha256 rules).
absl::StatusOr<merkle::Hash> ParseSha256(absl::string_view value);

// Prefixes a failed `status` with "<what> <field>: ".
absl::Status WithField(absl::string_view what, absl::string_view field,
                       const absl::Status& status);

// Parses `text` strictly: `header`, then the lines of `lines` in order,
// each once, optional ones possibly absent. Returns one value per line spec
// (nullopt for an absent optional line). Errors are InvalidArgument and
// name the line: "<what> line 4 (version): value holds white space...".
absl::StatusOr<std::vector<std::optional<std::string>>> ParseLines(
    absl::string_view text, absl::string_view header,
    absl::Span<const LineSpec> lines, absl::string_view what);

}  // namespace vitrine::note::internal

#endif  // VITRINE_LOG_NOTE_INTERNAL_STATEMENT_GRAMMAR_H_
