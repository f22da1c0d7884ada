// Fuzzes the hash encodings: whatever parses must format back to the exact
// input (hex and base64 each have one canonical form for 32 bytes).
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  using vitrine::merkle::Hash;
  if (auto hash = Hash::FromHex(input); hash.ok() && hash->ToHex() != input) {
    std::abort();
  }
  if (auto hash = Hash::FromBase64(input);
      hash.ok() && hash->ToBase64() != input) {
    std::abort();
  }
  if (auto hash = Hash::FromBytes(input);
      hash.ok() && hash->AsStringView() != input) {
    std::abort();
  }
  return 0;
}
