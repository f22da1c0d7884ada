// The strict parsing of the JSON read API's inputs (json_api.h): query
// parameters, integers, SHA-256 digests and a percent-encoded path segment.
// Strict because a lenient parser gives two spellings of one request two
// cache entries, and hides client bugs: an unknown or repeated parameter, a
// leading zero or sign, uppercase hex, an empty value are all refused.
//
//   VITRINE_ASSIGN_OR_RETURN(QueryParams params,
//                            ParseQuery(request.target, {"index", "size"}));
//   VITRINE_ASSIGN_OR_RETURN(uint64_t index, ParseIndex(params, "index"));
//
// Errors are InvalidArgument with a message for the client; what it quotes
// of the input is cut and reduced to printable ASCII.
//
// Thread-safe (pure functions).
#ifndef VITRINE_LOG_SERVING_INTERNAL_API_PARAMS_H_
#define VITRINE_LOG_SERVING_INTERNAL_API_PARAMS_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"

namespace vitrine::serving::internal {

// Parameter name -> raw value (no parameter is percent-encoded: every
// value the API takes is a number or hex).
using QueryParams = std::map<std::string, std::string, std::less<>>;

// Returns `input` quoted for an error message: at most 64 bytes, anything
// but printable ASCII as '?'.
std::string QuoteInput(absl::string_view input);

// Parses the query of `target` (after its first '?'; none: no parameters)
// as name=value pairs joined by '&'. InvalidArgument for a pair without
// '=', an empty name or value, a name not in `allowed`, or a name given
// twice.
absl::StatusOr<QueryParams> ParseQuery(
    absl::string_view target, std::initializer_list<absl::string_view> allowed);

// Parses a decimal uint64: "0" or a nonzero digit followed by digits, at
// most 2^64 - 1. InvalidArgument naming `what` otherwise.
absl::StatusOr<uint64_t> ParseUint(absl::string_view text,
                                   absl::string_view what);

// Returns the parameter `name` parsed by ParseUint, nullopt when absent.
absl::StatusOr<std::optional<uint64_t>> OptionalUint(const QueryParams& params,
                                                     absl::string_view name);

// Returns the parameter `name` parsed by ParseUint; InvalidArgument
// ("missing parameter <name>") when absent.
absl::StatusOr<uint64_t> RequiredUint(const QueryParams& params,
                                      absl::string_view name);

// Parses exactly 64 lowercase hex digits.
absl::StatusOr<merkle::Hash> ParseSha256Hex(absl::string_view text);

// Decodes one percent-encoded path segment (RFC 3986 2.1; hex digits of
// either case): InvalidArgument for a '%' not followed by two hex digits,
// and for a raw '/', which would make the segment two.
absl::StatusOr<std::string> DecodeSegment(absl::string_view segment);

}  // namespace vitrine::serving::internal

#endif  // VITRINE_LOG_SERVING_INTERNAL_API_PARAMS_H_
