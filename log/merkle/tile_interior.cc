#include "log/merkle/tile_interior.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vitrine::merkle {

absl::StatusOr<std::vector<Hash>> TileInterior(absl::Span<const Hash> hashes) {
  if (hashes.size() != kTileWidth) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a tile interior needs the ", kTileWidth, " hashes of a full tile, not ",
        hashes.size()));
  }
  std::vector<Hash> interior(kTileInteriorSize);
  absl::Span<const Hash> below = hashes;
  for (int k = 1; k <= kTileHeight; ++k) {
    Hash* above = interior.data() + TileInteriorOffset(k);
    for (size_t j = 0; j < below.size() / 2; ++j) {
      above[j] = HashChildren(below[2 * j], below[2 * j + 1]);
    }
    below = absl::Span<const Hash>(above, below.size() / 2);
  }
  return interior;
}

}  // namespace vitrine::merkle
