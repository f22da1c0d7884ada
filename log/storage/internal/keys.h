// RocksDB key encodings of the store (see log/storage/store.h, "Layout"):
// integers are big-endian so that RocksDB's bytewise order is numeric order
// and range reads (entries [begin, end), one digest's indexes) are sequential.
//
//   std::string key = IndexKey(42);             // 00 00 00 00 00 00 00 2a
//   absl::StatusOr<uint64_t> i = DecodeIndexKey(key);
//   std::string tile = TileKey(1, 7);           // 01 || 00..07
//   std::string digest = DigestKey(sha256, 42); // sha256 || 00..2a
//
// Decoders return DataLoss for a stored key or value of the wrong length:
// they only ever see bytes this store wrote, so a bad length is corruption.
// Pure functions: thread-safe.
#ifndef VITRINE_LOG_STORAGE_INTERNAL_KEYS_H_
#define VITRINE_LOG_STORAGE_INTERNAL_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"

namespace vitrine::storage::internal {

inline constexpr size_t kIndexKeySize = 8;
inline constexpr size_t kTileKeySize = 1 + kIndexKeySize;
inline constexpr size_t kDigestKeySize = merkle::kHashSize + kIndexKeySize;

// The statement index's one key that is not an identity (32 bytes): the
// value is IndexKey(N), entries [0, N) being indexed.
inline constexpr absl::string_view kStatementCoverageKey = "coverage";
// The vendor index's one key that is not a DigestKey (40 bytes): the value
// is IndexKey(N), the releases among entries [0, N) being indexed.
inline constexpr absl::string_view kVendorCoverageKey = "coverage";

// Returns the 8 big-endian bytes of `value`: keys of entries and checkpoints,
// and values of the leaf index.
std::string IndexKey(uint64_t value);
// Returns the value of an IndexKey; DataLoss unless exactly 8 bytes.
absl::StatusOr<uint64_t> DecodeIndexKey(absl::string_view bytes);

// Returns level (1 byte) || index (8 bytes, big-endian): tiles sort by level,
// then index.
std::string TileKey(uint8_t level, uint64_t index);

// Returns sha256 (32 bytes) || index (8 bytes): one digest's indexes are one
// contiguous, ascending run.
std::string DigestKey(const merkle::Hash& sha256, uint64_t index);
// Returns the index of a DigestKey; DataLoss unless exactly 40 bytes.
absl::StatusOr<uint64_t> DecodeDigestKeyIndex(absl::string_view key);

}  // namespace vitrine::storage::internal

#endif  // VITRINE_LOG_STORAGE_INTERNAL_KEYS_H_
