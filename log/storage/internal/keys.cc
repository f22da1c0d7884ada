#include "log/storage/internal/keys.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vitrine::storage::internal {
namespace {

void AppendBigEndian(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

}  // namespace

std::string IndexKey(uint64_t value) {
  std::string key;
  key.reserve(kIndexKeySize);
  AppendBigEndian(value, key);
  return key;
}

absl::StatusOr<uint64_t> DecodeIndexKey(absl::string_view bytes) {
  if (bytes.size() != kIndexKeySize) {
    return absl::DataLossError(absl::StrCat(
        "stored index has ", bytes.size(), " bytes, want ", kIndexKeySize));
  }
  return ReadBigEndian(bytes);
}

std::string TileKey(uint8_t level, uint64_t index) {
  std::string key;
  key.reserve(kTileKeySize);
  key.push_back(static_cast<char>(level));
  AppendBigEndian(index, key);
  return key;
}

std::string DigestKey(const merkle::Hash& sha256, uint64_t index) {
  std::string key;
  key.reserve(kDigestKeySize);
  key.append(sha256.AsStringView().data(), merkle::kHashSize);
  AppendBigEndian(index, key);
  return key;
}

absl::StatusOr<uint64_t> DecodeDigestKeyIndex(absl::string_view key) {
  if (key.size() != kDigestKeySize) {
    return absl::DataLossError(absl::StrCat(
        "stored digest key has ", key.size(), " bytes, want ", kDigestKeySize));
  }
  return ReadBigEndian(key.substr(merkle::kHashSize));
}

}  // namespace vitrine::storage::internal
