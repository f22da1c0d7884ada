#include "log/merkle/tile_testing.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "log/merkle/entry_bundle.h"

namespace vitrine::merkle::testing {
namespace {

template <typename T>
T ValueOrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "BuildTileLayout: %s\n",
                 value.status().ToString().c_str());
    std::abort();
  }
  return *std::move(value);
}

}  // namespace

std::vector<std::string> TestEntries(absl::string_view prefix, uint64_t size) {
  std::vector<std::string> entries;
  entries.reserve(size);
  for (uint64_t i = 0; i < size; ++i) entries.push_back(absl::StrCat(prefix, i));
  return entries;
}

std::vector<std::string> TestEntries(uint64_t size) {
  return TestEntries("entry-", size);
}

TileLayout BuildTileLayout(absl::Span<const std::string> entries) {
  TileLayout layout;
  layout.size = entries.size();
  // hashes[L]: every hash at tree level 8L, the contents of tile level L.
  std::vector<std::vector<Hash>> hashes(1);
  for (const std::string& entry : entries) hashes[0].push_back(HashLeaf(entry));
  for (const TileId& tile : TilesForSize(layout.size)) {
    const std::vector<Hash>& level = hashes[tile.level];
    absl::Span<const Hash> contents =
        absl::MakeConstSpan(level).subspan(tile.index * kTileWidth, tile.width);
    layout.tiles[tile] = EncodeTile(contents);
    layout.files[TilePath(tile)] = layout.tiles[tile];
    if (tile.full()) {
      // Tiles come level by level, so the level above fills in order.
      if (hashes.size() == tile.level + 1u) hashes.emplace_back();
      hashes[tile.level + 1].push_back(
          ValueOrDie(TileSubtrees(tile, contents)).at(0).hash);
    }
  }
  for (const TileId& bundle : EntryBundlesForSize(layout.size)) {
    std::vector<std::string> contents(
        entries.begin() + bundle.index * kTileWidth,
        entries.begin() + bundle.index * kTileWidth + bundle.width);
    layout.bundles[bundle] = ValueOrDie(EncodeEntryBundle(contents));
    layout.files[EntryBundlePath(bundle)] = layout.bundles[bundle];
  }
  return layout;
}

std::vector<std::vector<Hash>> ReferenceNodes(absl::Span<const Hash> leaves) {
  std::vector<std::vector<Hash>> nodes;
  nodes.emplace_back(leaves.begin(), leaves.end());
  while (nodes.back().size() > 1) {
    const std::vector<Hash>& below = nodes.back();
    std::vector<Hash> above;
    for (size_t i = 0; i + 1 < below.size(); i += 2) {
      above.push_back(HashChildren(below[i], below[i + 1]));
    }
    nodes.push_back(std::move(above));
  }
  return nodes;
}

Hash ReferenceRoot(absl::Span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  return HashChildren(ReferenceRoot(leaves.subspan(0, k)),
                      ReferenceRoot(leaves.subspan(k)));
}

}  // namespace vitrine::merkle::testing
