// The Merkle demo that scripts/run.sh runs until the log server exists: it
// builds a tree of release-like entries, proves one entry's inclusion and
// the tree's append-only growth, checks both proofs, shows that a tampered
// proof is refused, and lists the C2SP tlog-tiles files of the tree.
//
//   bazel run //log/merkle/demo:merkle_demo -- 1000
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/merkle/proof.h"
#include "log/merkle/tile.h"
#include "log/merkle/verify.h"

namespace vitrine::merkle {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "merkle demo: %s\n", status.ToString().c_str());
  return 1;
}

int Demo(uint64_t size) {
  MemoryHashStore store;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < size; ++i) {
    leaves.push_back(HashLeaf(absl::StrCat("vitrine/release/v1\nartifact demo-",
                                           i, "\n")));
    store.Append(leaves.back());
  }
  const uint64_t old_size = size / 2;
  auto root = TreeRoot(size, store);
  auto old_root = TreeRoot(old_size, store);
  if (!root.ok()) return Fail(root.status());
  if (!old_root.ok()) return Fail(old_root.status());
  std::printf("tree of %llu entries\n  root %s (%s)\n",
              static_cast<unsigned long long>(size), root->ToHex().c_str(),
              root->ToBase64().c_str());
  std::printf("tree of %llu entries (an earlier checkpoint)\n  root %s\n",
              static_cast<unsigned long long>(old_size),
              old_root->ToHex().c_str());

  const uint64_t index = size / 3;
  auto inclusion = InclusionProof(index, size, store);
  if (!inclusion.ok()) return Fail(inclusion.status());
  absl::Status ok = VerifyInclusion(index, size, leaves[index], *inclusion, *root);
  std::printf("inclusion of entry %llu: %zu hashes, verify: %s\n",
              static_cast<unsigned long long>(index), inclusion->size(),
              ok.ok() ? "OK" : ok.ToString().c_str());
  if (!ok.ok()) return 1;

  auto consistency = ConsistencyProof(old_size, size, store);
  if (!consistency.ok()) return Fail(consistency.status());
  ok = VerifyConsistency(old_size, size, *old_root, *root, *consistency);
  std::printf("consistency %llu -> %llu: %zu hashes, verify: %s\n",
              static_cast<unsigned long long>(old_size),
              static_cast<unsigned long long>(size), consistency->size(),
              ok.ok() ? "OK" : ok.ToString().c_str());
  if (!ok.ok()) return 1;

  if (!inclusion->empty()) {
    std::vector<Hash> tampered = *inclusion;
    tampered[0].data()[0] ^= 1;
    absl::Status refused =
        VerifyInclusion(index, size, leaves[index], tampered, *root);
    std::printf("the same proof with one bit flipped: %s\n",
                refused.ok() ? "ACCEPTED (bug!)" : refused.ToString().c_str());
    if (refused.ok()) return 1;
  }

  std::vector<TileId> tiles = TilesForSize(size);
  std::printf("C2SP tlog-tiles of this tree: %zu hash tiles, %zu entry bundles\n",
              tiles.size(), EntryBundlesForSize(size).size());
  for (const TileId& tile : tiles) std::printf("  %s\n", TilePath(tile).c_str());
  return 0;
}

}  // namespace
}  // namespace vitrine::merkle

int main(int argc, char** argv) {
  uint64_t size = 1000;
  if (argc > 2 || (argc == 2 && (!absl::SimpleAtoi(argv[1], &size) || size < 2 ||
                                 size > (uint64_t{1} << 26)))) {
    std::fprintf(stderr, "usage: merkle_demo [tree size, 2..67108864; default 1000]\n");
    return 2;
  }
  return vitrine::merkle::Demo(size);
}
