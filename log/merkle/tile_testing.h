// Test support: the complete C2SP tlog-tiles layout of a small log built in
// memory, and a slow, obviously correct table of every complete subtree hash
// to check tile arithmetic against. For tests only.
//
//   TileLayout layout = BuildTileLayout(TestEntries(1000));
//   const std::string& bytes = layout.tiles.at(TileId{0, 3, 232});
//   Hash node = ReferenceNodes(leaves)[level][index];
#ifndef VITRINE_LOG_MERKLE_TILE_TESTING_H_
#define VITRINE_LOG_MERKLE_TILE_TESTING_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/tile.h"

namespace vitrine::merkle::testing {

// Returns the entries `prefix` + "0" .. `prefix` + "<size-1>" (decimal): the
// entries of a vector log, whose files name the prefix (`entry_prefix`).
std::vector<std::string> TestEntries(absl::string_view prefix, uint64_t size);

// Returns TestEntries("entry-", size): entries for tests that build their own
// logs rather than compare with vector files.
std::vector<std::string> TestEntries(uint64_t size);

// Every file of a log's tile layout except its checkpoint.
struct TileLayout {
  uint64_t size = 0;
  std::map<TileId, std::string> tiles;    // hash tiles, by id
  std::map<TileId, std::string> bundles;  // entry bundles, by level-0 id
  // path -> content for both kinds, as the log would serve them.
  std::map<std::string, std::string> files;
};

// Builds the layout with the library under test (TilesForSize, TileSubtrees,
// EncodeTile, EncodeEntryBundle); aborts on a library error, which a test
// comparing against vectors then reports as a crash rather than a pass.
TileLayout BuildTileLayout(absl::Span<const std::string> entries);

// Returns, by pairing hashes level by level, hashes[level][index] for every
// complete subtree of the tree of these leaf hashes.
std::vector<std::vector<Hash>> ReferenceNodes(absl::Span<const Hash> leaves);

// Returns MTH(D[0:n)) by the recursive definition of RFC 9162 2.1.1.
Hash ReferenceRoot(absl::Span<const Hash> leaves);

}  // namespace vitrine::merkle::testing

#endif  // VITRINE_LOG_MERKLE_TILE_TESTING_H_
