// The Range requests the HTTP front honours (RFC 9110 section 14): one
// "bytes" range of a 200 answer, or none. A list of ranges is answered with
// the whole body once, never a multipart answer: one small request must not
// make the server build an answer many times the size of what it serves
// (issue 12: 2,700 ranges of one tile built 211 MB in memory).
//
//   RangeAnswer range = ChooseRange("bytes=100-199", body.size());
//   if (range.kind == RangeKind::kPartial) { ... 206, Content-Range ... }
//
// Pure function: thread-safe.
#ifndef VITRINE_COMMON_HTTP_RANGE_H_
#define VITRINE_COMMON_HTTP_RANGE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace vitrine {

enum class RangeKind {
  kWhole,          // send the whole body, 200 (no range, a list, malformed)
  kPartial,        // send [begin, end), 206
  kUnsatisfiable,  // 416: the one range starts at or beyond the end
};

struct RangeAnswer {
  RangeKind kind = RangeKind::kWhole;
  uint64_t begin = 0;  // kPartial: first byte
  uint64_t end = 0;    // kPartial: one past the last byte
};

// Decides what to send for the Range header `header` of a body of `length`
// bytes: "bytes=a-b", "bytes=a-" and "bytes=-n" (the last n) are one range;
// anything else (another unit, a comma-separated list, a malformed or
// reversed range) is ignored, as RFC 9110 allows.
RangeAnswer ChooseRange(absl::string_view header, uint64_t length);

// Returns the Content-Range value of `answer` for a body of `length`:
// "bytes a-b/length", or "bytes */length" for kUnsatisfiable.
std::string ContentRange(const RangeAnswer& answer, uint64_t length);

}  // namespace vitrine

#endif  // VITRINE_COMMON_HTTP_RANGE_H_
