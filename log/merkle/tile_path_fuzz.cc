// Fuzzes the C2SP tlog-tiles path parsers (tile.h):
//   - ParseTilePath and ParseEntryBundlePath never crash, and accept exactly
//     the paths TilePath / EntryBundlePath produce: TilePath(parse(p)) == p;
//   - a tile id read from the input's bytes that ValidateTileId accepts
//     survives path(id) -> parse -> id (entry bundles at level 0).
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "log/merkle/tile.h"

namespace {

using vitrine::merkle::EntryBundlePath;
using vitrine::merkle::ParseEntryBundlePath;
using vitrine::merkle::ParseTilePath;
using vitrine::merkle::TileId;
using vitrine::merkle::TilePath;
using vitrine::merkle::ValidateTileId;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  if (absl::StatusOr<TileId> tile = ParseTilePath(input); tile.ok()) {
    Check(ValidateTileId(*tile).ok());
    Check(TilePath(*tile) == input);
  }
  if (absl::StatusOr<TileId> bundle = ParseEntryBundlePath(input);
      bundle.ok()) {
    Check(ValidateTileId(*bundle).ok() && bundle->level == 0);
    Check(EntryBundlePath(*bundle) == input);
  }

  // Bytes as an id: level (1 byte), index (8, big-endian), width (2).
  if (size >= 11) {
    TileId id;
    id.level = data[0];
    for (int i = 1; i <= 8; ++i) id.index = (id.index << 8) | data[i];
    id.width = static_cast<uint16_t>((data[9] << 8) | data[10]);
    if (ValidateTileId(id).ok()) {
      absl::StatusOr<TileId> back = ParseTilePath(TilePath(id));
      Check(back.ok() && *back == id);
      TileId level0 = id;
      level0.level = 0;
      absl::StatusOr<TileId> bundle = ParseEntryBundlePath(EntryBundlePath(id));
      Check(bundle.ok() && *bundle == level0);
    }
  }
  return 0;
}
