// The RFC 9162 (RFC 6962) Merkle tree hash: SHA-256 with domain separation
// between leaves and interior nodes (RFC 9162 section 2.1.1).
//
//   Hash leaf = HashLeaf("entry-0");          // SHA-256(0x00 || entry)
//   Hash node = HashChildren(leaf, leaf);     // SHA-256(0x01 || left || right)
//   Hash empty = EmptyRoot();                 // SHA-256("")
//   std::string b64 = node.ToBase64();        // as in checkpoints
//
// Hash is a plain value type, safe to copy and to share between threads.
#ifndef VITRINE_LOG_MERKLE_HASH_H_
#define VITRINE_LOG_MERKLE_HASH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::merkle {

inline constexpr size_t kHashSize = 32;

// A SHA-256 digest: always exactly 32 bytes.
class Hash {
 public:
  // The all-zero hash; a placeholder, never a real tree hash.
  constexpr Hash() : bytes_{} {}
  constexpr explicit Hash(const std::array<uint8_t, kHashSize>& bytes)
      : bytes_(bytes) {}

  // Returns the hash held in `bytes`, which must be exactly 32 bytes long
  // (InvalidArgument otherwise).
  static absl::StatusOr<Hash> FromBytes(absl::string_view bytes);
  // Parses 64 lowercase hex digits.
  static absl::StatusOr<Hash> FromHex(absl::string_view hex);
  // Parses standard padded base64 (RFC 4648 section 4) of 32 bytes, as used
  // for roots in C2SP checkpoints.
  static absl::StatusOr<Hash> FromBase64(absl::string_view base64);

  std::string ToHex() const;
  std::string ToBase64() const;
  // Returns the 32 raw bytes; valid while this Hash lives.
  absl::string_view AsStringView() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.data()),
                             kHashSize);
  }

  const uint8_t* data() const { return bytes_.data(); }
  uint8_t* data() { return bytes_.data(); }
  static constexpr size_t size() { return kHashSize; }

  friend bool operator==(const Hash& a, const Hash& b) {
    return a.bytes_ == b.bytes_;
  }
  friend bool operator!=(const Hash& a, const Hash& b) { return !(a == b); }
  friend bool operator<(const Hash& a, const Hash& b) {
    return a.bytes_ < b.bytes_;
  }
  template <typename H>
  friend H AbslHashValue(H state, const Hash& hash) {
    return H::combine(std::move(state), hash.AsStringView());
  }
  friend std::ostream& operator<<(std::ostream& os, const Hash& hash) {
    return os << hash.ToHex();
  }

 private:
  std::array<uint8_t, kHashSize> bytes_;
};

// Returns SHA-256(0x00 || entry), the hash of a leaf (RFC 9162 2.1.1).
Hash HashLeaf(absl::string_view entry);

// Returns SHA-256(0x01 || left || right), the hash of an interior node.
Hash HashChildren(const Hash& left, const Hash& right);

// Returns SHA-256 of the empty string, the root of the empty tree.
Hash EmptyRoot();

// Returns plain SHA-256 of `bytes` (no domain prefix): for identities
// outside the tree, such as a statement's (note/statement_admission.h).
Hash Sha256(absl::string_view bytes);

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_HASH_H_
