// Fuzzes the C2SP tlog-tiles entry bundle decoder (entry_bundle.h) with
// every width 0..257 that can behave differently (see Walk):
//   - DecodeEntryBundle never crashes, returns exactly `width` entries, and
//     what it accepts encodes back to the input: encode(decode(b)) == b;
//   - at most one width decodes a given bundle (each entry consumes at least
//     its 2-byte prefix, so only one count of entries can end at the last
//     byte), and it is the count a plain walk over the length prefixes finds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "log/merkle/entry_bundle.h"

namespace {

using vitrine::merkle::DecodeEntryBundle;
using vitrine::merkle::EncodeEntryBundle;

void Check(bool condition) {
  if (!condition) std::abort();
}

struct WalkResult {
  size_t complete = 0;  // Entries read whole before the end or a cut.
  bool exact = false;   // Whether they end exactly at the last byte.
};

// Reads length-prefixed entries until the bundle ends or one is cut short,
// stopping after 257 (one more than a bundle holds).
WalkResult Walk(absl::string_view bundle) {
  WalkResult result;
  size_t pos = 0;
  while (pos < bundle.size() && result.complete <= 256) {
    if (bundle.size() - pos < 2) return result;
    const size_t length = (size_t{static_cast<uint8_t>(bundle[pos])} << 8) |
                          static_cast<uint8_t>(bundle[pos + 1]);
    pos += 2;
    if (bundle.size() - pos < length) return result;
    pos += length;
    ++result.complete;
  }
  result.exact = pos == bundle.size();
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const WalkResult walk = Walk(input);
  const size_t expected =
      walk.exact && walk.complete >= 1 && walk.complete <= 256 ? walk.complete
                                                               : 0;
  // Every width above walk.complete + 1 fails at the same entry as
  // walk.complete + 1 does, so only the bounds are tried beyond it.
  size_t decoded_width = 0;
  for (size_t width = 0; width <= 257; ++width) {
    if (width > walk.complete + 1 && width < 256) continue;
    absl::StatusOr<std::vector<std::string>> entries =
        DecodeEntryBundle(input, width);
    if (!entries.ok()) continue;
    Check(width >= 1 && width <= 256 && decoded_width == 0);
    decoded_width = width;
    Check(entries->size() == width);
    absl::StatusOr<std::string> encoded = EncodeEntryBundle(*entries);
    Check(encoded.ok() && *encoded == input);
  }
  Check(decoded_width == expected);
  return 0;
}
