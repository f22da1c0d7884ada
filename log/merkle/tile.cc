#include "log/merkle/tile.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace vitrine::merkle {
namespace {

constexpr uint64_t kMaxUint64 = std::numeric_limits<uint64_t>::max();
// The highest tile level with any hashes in a tree of fewer than 2^64
// leaves: level 8 would need 256^8 = 2^64 of them.
constexpr uint8_t kMaxTreeTileLevel = 7;

absl::Status PathError(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad tile path \"", path, "\": ", reason));
}

// Returns OK when every hash of `tile` can exist in a tree whose size is a
// uint64_t, so that its nodes have representable levels and leaf ranges.
absl::Status CheckTileInTreeRange(const TileId& tile) {
  VITRINE_RETURN_IF_ERROR(ValidateTileId(tile));
  if (tile.level <= kMaxTreeTileLevel) {
    // Hashes at tree level 8L in the largest tree, of size 2^64 - 1.
    uint64_t max_hashes = kMaxUint64 >> (kTileHeight * tile.level);
    if (tile.width <= max_hashes &&
        tile.index <= (max_hashes - tile.width) / kTileWidth) {
      return absl::OkStatus();
    }
  }
  return absl::OutOfRangeError(absl::StrCat(
      "tile ", TilePath(tile), " lies beyond any tree of fewer than 2^64 leaves"));
}

// Returns the hash of the perfect tree over `hashes` (a power of two of them).
Hash HashPerfectSubtree(absl::Span<const Hash> hashes) {
  std::vector<Hash> level(hashes.begin(), hashes.end());
  for (size_t n = level.size(); n > 1; n /= 2) {
    for (size_t i = 0; i < n / 2; ++i) {
      level[i] = HashChildren(level[2 * i], level[2 * i + 1]);
    }
  }
  return level[0];
}

void AppendIndex(uint64_t index, std::string* out) {
  std::vector<uint16_t> groups;  // least significant first
  do {
    groups.push_back(static_cast<uint16_t>(index % 1000));
    index /= 1000;
  } while (index > 0);
  for (size_t i = groups.size(); i-- > 0;) {
    if (i > 0) out->push_back('x');
    uint16_t g = groups[i];
    out->push_back(static_cast<char>('0' + g / 100));
    out->push_back(static_cast<char>('0' + g / 10 % 10));
    out->push_back(static_cast<char>('0' + g % 10));
    if (i > 0) out->push_back('/');
  }
}

void AppendIndexAndWidth(const TileId& tile, std::string* out) {
  AppendIndex(tile.index, out);
  if (!tile.full()) absl::StrAppend(out, ".p/", tile.width);
}

// Parses a decimal number with no sign and no leading zero, at most `max`.
absl::StatusOr<uint64_t> ParseSmallDecimal(absl::string_view path,
                                           absl::string_view what,
                                           absl::string_view text,
                                           uint64_t min, uint64_t max) {
  if (text.empty()) return PathError(path, absl::StrCat("empty ", what));
  if (text.size() > 1 && text[0] == '0') {
    return PathError(path, absl::StrCat(what, " \"", text,
                                        "\" has a leading zero"));
  }
  uint64_t value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return PathError(path, absl::StrCat(what, " \"", text,
                                          "\" is not a decimal number"));
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > max) break;  // also keeps the product from overflowing
  }
  if (value < min || value > max) {
    return PathError(path, absl::StrCat(what, " \"", text, "\" is not in ",
                                        min, "..", max));
  }
  return value;
}

// Parses "<N>[.p/<W>]" into tile->index and tile->width.
absl::Status ParseIndexAndWidth(absl::string_view path, absl::string_view text,
                                TileId* tile) {
  absl::string_view index_text = text;
  tile->width = kTileWidth;
  size_t partial = text.find(".p/");
  if (partial != absl::string_view::npos) {
    index_text = text.substr(0, partial);
    VITRINE_ASSIGN_OR_RETURN(
        uint64_t width,
        ParseSmallDecimal(path, "partial width", text.substr(partial + 3), 1,
                          kTileWidth - 1));
    tile->width = static_cast<uint16_t>(width);
  }
  if (index_text.empty()) return PathError(path, "missing tile index");
  std::vector<absl::string_view> groups = absl::StrSplit(index_text, '/');
  uint64_t index = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    absl::string_view group = groups[i];
    bool last = i + 1 == groups.size();
    if (!last) {
      if (group.empty() || group[0] != 'x') {
        return PathError(path, absl::StrCat("index element \"", group,
                                            "\" must start with 'x'"));
      }
      group.remove_prefix(1);
    } else if (!group.empty() && group[0] == 'x') {
      return PathError(path, absl::StrCat("last index element \"", group,
                                          "\" must not start with 'x'"));
    }
    if (group.size() != 3 ||
        !std::all_of(group.begin(), group.end(), [](char c) {
          return absl::ascii_isdigit(static_cast<unsigned char>(c));
        })) {
      return PathError(path, absl::StrCat("index element \"", groups[i],
                                          "\" is not 3 decimal digits"));
    }
    uint64_t value = static_cast<uint64_t>((group[0] - '0') * 100 +
                                           (group[1] - '0') * 10 +
                                           (group[2] - '0'));
    if (i == 0 && !last && value == 0) {
      return PathError(path, "index has a leading all-zero element");
    }
    if (index > (kMaxUint64 - value) / 1000) {
      return PathError(path, "index overflows 64 bits");
    }
    index = index * 1000 + value;
  }
  tile->index = index;
  return absl::OkStatus();
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const TileId& id) {
  return os << TilePath(id);
}

absl::Status ValidateTileId(const TileId& tile) {
  if (tile.level > kMaxTileLevel) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile level ", int{tile.level}, " is above ", int{kMaxTileLevel}));
  }
  if (tile.width < 1 || tile.width > kTileWidth) {
    return absl::InvalidArgumentError(
        absl::StrCat("tile width ", tile.width, " is not in 1..256"));
  }
  return absl::OkStatus();
}

std::string TilePath(const TileId& tile) {
  std::string path = absl::StrCat("tile/", int{tile.level}, "/");
  AppendIndexAndWidth(tile, &path);
  return path;
}

std::string EntryBundlePath(const TileId& tile) {
  std::string path = "tile/entries/";
  AppendIndexAndWidth(tile, &path);
  return path;
}

absl::StatusOr<TileId> ParseTilePath(absl::string_view path) {
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, "tile/")) {
    return PathError(path, "does not start with \"tile/\"");
  }
  if (absl::StartsWith(rest, "entries/")) {
    return PathError(path, "is an entry bundle, not a hash tile");
  }
  size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) {
    return PathError(path, "missing tile index");
  }
  TileId tile;
  VITRINE_ASSIGN_OR_RETURN(uint64_t level,
                           ParseSmallDecimal(path, "level", rest.substr(0, slash),
                                             0, kMaxTileLevel));
  tile.level = static_cast<uint8_t>(level);
  VITRINE_RETURN_IF_ERROR(ParseIndexAndWidth(path, rest.substr(slash + 1), &tile));
  return tile;
}

absl::StatusOr<TileId> ParseEntryBundlePath(absl::string_view path) {
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, "tile/entries/")) {
    return PathError(path, "does not start with \"tile/entries/\"");
  }
  TileId tile;
  VITRINE_RETURN_IF_ERROR(ParseIndexAndWidth(path, rest, &tile));
  return tile;
}

std::vector<TileLevel> TileLevelsForSize(uint64_t tree_size) {
  std::vector<TileLevel> levels;
  for (uint8_t level = 0; level <= kMaxTreeTileLevel; ++level) {
    uint64_t hashes = tree_size >> (kTileHeight * level);
    if (hashes == 0) break;
    levels.push_back(TileLevel{level, hashes / kTileWidth,
                               static_cast<uint16_t>(hashes % kTileWidth)});
  }
  return levels;
}

std::vector<TileId> TilesForSize(uint64_t tree_size) {
  std::vector<TileId> tiles;
  for (const TileLevel& level : TileLevelsForSize(tree_size)) {
    for (uint64_t n = 0; n < level.full_tiles; ++n) {
      tiles.push_back(TileId{level.level, n, kTileWidth});
    }
    if (level.partial_width > 0) {
      tiles.push_back(TileId{level.level, level.full_tiles, level.partial_width});
    }
  }
  return tiles;
}

std::vector<TileId> EntryBundlesForSize(uint64_t tree_size) {
  std::vector<TileId> bundles = TilesForSize(tree_size);
  bundles.erase(std::remove_if(bundles.begin(), bundles.end(),
                               [](const TileId& t) { return t.level != 0; }),
                bundles.end());
  return bundles;
}

absl::StatusOr<TileId> TileForNode(NodeId node, uint64_t tree_size) {
  if (node.level >= 64 || node.index >= (tree_size >> node.level)) {
    return absl::OutOfRangeError(absl::StrCat(
        "node ", int{node.level}, "/", node.index,
        " is not a complete subtree of the tree of size ", tree_size));
  }
  uint8_t level = node.level / kTileHeight;
  uint8_t k = node.level % kTileHeight;
  // Cannot overflow: node.index << k < tree_size >> (8 * level).
  uint64_t first_hash = node.index << k;
  uint64_t hashes = tree_size >> (kTileHeight * level);
  TileId tile{level, first_hash / kTileWidth, kTileWidth};
  if (tile.index == hashes / kTileWidth) {
    tile.width = static_cast<uint16_t>(hashes % kTileWidth);
  }
  return tile;
}

absl::StatusOr<std::vector<TileId>> TilesForNodes(
    absl::Span<const NodeId> nodes, uint64_t tree_size) {
  std::vector<TileId> tiles;
  tiles.reserve(nodes.size());
  for (const NodeId& node : nodes) {
    VITRINE_ASSIGN_OR_RETURN(TileId tile, TileForNode(node, tree_size));
    tiles.push_back(tile);
  }
  std::sort(tiles.begin(), tiles.end());
  tiles.erase(std::unique(tiles.begin(), tiles.end()), tiles.end());
  return tiles;
}

absl::StatusOr<TileId> ParentTile(const TileId& tile, uint64_t tree_size) {
  VITRINE_RETURN_IF_ERROR(ValidateTileId(tile));
  if (!tile.full()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "partial tile ", TilePath(tile), " is not hashed into the level above"));
  }
  VITRINE_RETURN_IF_ERROR(CheckTileInTreeRange(tile));
  // The tile's root is a complete node exactly when the tile is full in
  // this tree; TileForNode says OutOfRange otherwise.
  return TileForNode(
      NodeId{static_cast<uint8_t>(kTileHeight * (tile.level + 1)), tile.index},
      tree_size);
}

absl::StatusOr<std::vector<NodeId>> TileNodes(const TileId& tile) {
  VITRINE_RETURN_IF_ERROR(CheckTileInTreeRange(tile));
  std::vector<NodeId> nodes;
  nodes.reserve(tile.width);
  for (uint64_t i = 0; i < tile.width; ++i) {
    nodes.push_back(NodeId{static_cast<uint8_t>(kTileHeight * tile.level),
                           tile.index * kTileWidth + i});
  }
  return nodes;
}

std::string EncodeTile(absl::Span<const Hash> hashes) {
  std::string bytes;
  bytes.reserve(hashes.size() * kHashSize);
  for (const Hash& hash : hashes) {
    bytes.append(hash.AsStringView().data(), kHashSize);
  }
  return bytes;
}

absl::StatusOr<std::vector<Hash>> DecodeTile(const TileId& tile,
                                             absl::string_view bytes) {
  VITRINE_RETURN_IF_ERROR(ValidateTileId(tile));
  if (bytes.size() != size_t{tile.width} * kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile ", TilePath(tile), " must be ", size_t{tile.width} * kHashSize, " bytes (",
        tile.width, " hashes), got ", bytes.size()));
  }
  std::vector<Hash> hashes;
  hashes.reserve(tile.width);
  for (size_t i = 0; i < tile.width; ++i) {
    VITRINE_ASSIGN_OR_RETURN(Hash hash, Hash::FromBytes(bytes.substr(
                                            i * kHashSize, kHashSize)));
    hashes.push_back(hash);
  }
  return hashes;
}

absl::StatusOr<std::vector<TileSubtree>> TileSubtrees(
    const TileId& tile, absl::Span<const Hash> hashes) {
  VITRINE_RETURN_IF_ERROR(CheckTileInTreeRange(tile));
  if (hashes.size() != tile.width) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile ", TilePath(tile), " holds ", tile.width, " hashes, got ", hashes.size()));
  }
  std::vector<TileSubtree> subtrees;
  uint64_t first_hash = tile.index * kTileWidth;  // at tree level 8L
  size_t offset = 0;
  for (int k = kTileHeight; k >= 0; --k) {
    size_t span = size_t{1} << k;
    if ((tile.width & span) == 0) continue;
    NodeId node{static_cast<uint8_t>(kTileHeight * tile.level + k),
                (first_hash + offset) >> k};
    subtrees.push_back(
        TileSubtree{node, HashPerfectSubtree(hashes.subspan(offset, span))});
    offset += span;
  }
  return subtrees;
}

absl::StatusOr<Hash> HashNodeInTile(const TileId& tile,
                                    absl::Span<const Hash> hashes,
                                    NodeId node) {
  VITRINE_RETURN_IF_ERROR(ValidateTileId(tile));
  if (hashes.size() != tile.width) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile ", TilePath(tile), " holds ", tile.width, " hashes, got ", hashes.size()));
  }
  int base = kTileHeight * tile.level;
  int k = node.level - base;
  bool inside = k >= 0 && k <= kTileHeight;
  uint64_t per_tile = 0;
  uint64_t offset = 0;
  if (inside) {
    per_tile = uint64_t{kTileWidth} >> k;  // nodes of level 8L+k per tile
    offset = (node.index % per_tile) << k;
    inside = node.index / per_tile == tile.index &&
             offset + (uint64_t{1} << k) <= tile.width;
  }
  if (!inside) {
    return absl::InvalidArgumentError(
        absl::StrCat("node ", int{node.level}, "/", node.index,
                     " is not computable from tile ", TilePath(tile)));
  }
  return HashPerfectSubtree(hashes.subspan(offset, size_t{1} << k));
}

}  // namespace vitrine::merkle
