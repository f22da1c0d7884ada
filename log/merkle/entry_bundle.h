// C2SP tlog-tiles entry bundles (https://c2sp.org/tlog-tiles, "Log
// entries"): the entries behind one level-0 tile, each prefixed by its length
// as a big-endian uint16, served at tile/entries/<N>[.p/<W>].
//
//   absl::StatusOr<std::string> bundle = EncodeEntryBundle(entries);
//   absl::StatusOr<std::vector<std::string>> back =
//       DecodeEntryBundle(*bundle, tile.width);   // exactly W entries
//
// Errors are InvalidArgument whatever the bytes' origin: this code cannot
// tell a malformed download from a corrupt disk. A caller reading its own
// storage should report a decode failure as DataLoss (corruption), keeping
// the message; a caller decoding bytes from the network passes it on.
//
// Pure functions: thread-safe.
#ifndef VITRINE_LOG_MERKLE_ENTRY_BUNDLE_H_
#define VITRINE_LOG_MERKLE_ENTRY_BUNDLE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vitrine::merkle {

// The largest entry a 2-byte length prefix can carry.
inline constexpr size_t kMaxBundledEntrySize = 65535;

// Returns the bundle of `entries` (1..256 of them, each at most 65535 bytes;
// empty entries are allowed). InvalidArgument otherwise, naming the entry.
absl::StatusOr<std::string> EncodeEntryBundle(
    absl::Span<const std::string> entries);

// Returns the entries of `bundle`, which must hold exactly `width` (1..256)
// entries and nothing after them. InvalidArgument when a length prefix or an
// entry is cut short, when the bundle ends before `width` entries, or when
// bytes follow the last one.
absl::StatusOr<std::vector<std::string>> DecodeEntryBundle(
    absl::string_view bundle, size_t width);

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_ENTRY_BUNDLE_H_
