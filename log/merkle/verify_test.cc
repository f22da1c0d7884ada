#include "log/merkle/verify.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/merkle/internal/reference.h"

namespace vitrine::merkle {
namespace {

using ::vitrine::merkle::internal::ReferenceConsistencyProof;
using ::vitrine::merkle::internal::ReferenceInclusionProof;
using ::vitrine::merkle::internal::ReferenceRoot;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

constexpr uint64_t kMax = ~uint64_t{0};

Hash FromHex(const nlohmann::json& hex) {
  absl::StatusOr<Hash> hash = Hash::FromHex(hex.get<std::string>());
  if (!hash.ok()) {
    ADD_FAILURE() << hash.status();
    return Hash();
  }
  return *hash;
}

std::vector<Hash> ProofFromJson(const nlohmann::json& proof) {
  std::vector<Hash> hashes;
  for (const auto& hex : proof) hashes.push_back(FromHex(hex));
  return hashes;
}

// The leaf hashes of entries `prefix` + "<i>" for i < n.
std::vector<Hash> EntryLeaves(absl::string_view prefix, uint64_t n) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) {
    leaves.push_back(HashLeaf(absl::StrCat(prefix, i)));
  }
  return leaves;
}

// The leaf hashes of the vector log (hashes.json's `entry_prefix`), enough
// for the largest `size_key` among `cases`.
std::vector<Hash> VectorLeaves(const nlohmann::json& cases,
                               const char* size_key) {
  uint64_t largest = 0;
  for (const auto& v : cases) {
    largest = std::max(largest, v[size_key].get<uint64_t>());
  }
  nlohmann::json hashes = ReadVectorJson("hashes.json");
  return EntryLeaves(hashes["entry_prefix"].get<std::string>(), largest);
}

absl::Span<const Hash> First(const std::vector<Hash>& leaves, uint64_t n) {
  return absl::MakeConstSpan(leaves).first(n);
}

TEST(VerifyInclusionTest, AcceptsValidVectors) {
  nlohmann::json vectors = ReadVectorJson("inclusion_proofs.json");
  ASSERT_FALSE(vectors["valid"].empty());
  for (const auto& v : vectors["valid"]) {
    const uint64_t index = v["index"], size = v["size"];
    std::vector<Hash> proof = ProofFromJson(v["proof"]);
    EXPECT_OK(VerifyInclusion(index, size, FromHex(v["leaf_hash"]), proof,
                              FromHex(v["root"])))
        << index << "/" << size;
  }
}

// Every invalid vector is rejected, with InvalidArgument exactly when the
// inputs are malformed (index >= size, or a proof length the reference PATH
// does not have) and DataLoss otherwise.
TEST(VerifyInclusionTest, RejectsInvalidVectorsWithExactCodes) {
  nlohmann::json vectors = ReadVectorJson("inclusion_proofs.json");
  ASSERT_FALSE(vectors["invalid"].empty());
  std::vector<Hash> leaves = VectorLeaves(vectors["invalid"], "size");
  for (const auto& v : vectors["invalid"]) {
    const uint64_t index = v["index"], size = v["size"];
    std::vector<Hash> proof = ProofFromJson(v["proof"]);
    const bool malformed =
        index >= size ||
        proof.size() != ReferenceInclusionProof(index, First(leaves, size)).size();
    EXPECT_THAT(VerifyInclusion(index, size, FromHex(v["leaf_hash"]), proof,
                                FromHex(v["root"])),
                StatusIs(malformed ? absl::StatusCode::kInvalidArgument
                                   : absl::StatusCode::kDataLoss))
        << v["label"];
  }
}

TEST(VerifyConsistencyTest, AcceptsValidVectors) {
  nlohmann::json vectors = ReadVectorJson("consistency_proofs.json");
  ASSERT_FALSE(vectors["valid"].empty());
  for (const auto& v : vectors["valid"]) {
    const uint64_t old_size = v["old_size"], new_size = v["new_size"];
    EXPECT_OK(VerifyConsistency(old_size, new_size, FromHex(v["old_root"]),
                                FromHex(v["new_root"]), ProofFromJson(v["proof"])))
        << old_size << "->" << new_size;
  }
}

TEST(VerifyConsistencyTest, RejectsInvalidVectorsWithExactCodes) {
  nlohmann::json vectors = ReadVectorJson("consistency_proofs.json");
  ASSERT_FALSE(vectors["invalid"].empty());
  std::vector<Hash> leaves = VectorLeaves(vectors["invalid"], "new_size");
  for (const auto& v : vectors["invalid"]) {
    const uint64_t old_size = v["old_size"], new_size = v["new_size"];
    std::vector<Hash> proof = ProofFromJson(v["proof"]);
    const bool malformed =
        old_size > new_size ||
        proof.size() !=
            ReferenceConsistencyProof(old_size, First(leaves, new_size)).size();
    EXPECT_THAT(VerifyConsistency(old_size, new_size, FromHex(v["old_root"]),
                                  FromHex(v["new_root"]), proof),
                StatusIs(malformed ? absl::StatusCode::kInvalidArgument
                                   : absl::StatusCode::kDataLoss))
        << v["label"];
  }
}

TEST(VerifyInclusionTest, EdgeCases) {
  std::vector<Hash> leaves = EntryLeaves("leaf-", 17);
  // Size 1: the root is the leaf, the proof empty.
  EXPECT_OK(VerifyInclusion(0, 1, leaves[0], {}, leaves[0]));
  EXPECT_THAT(VerifyInclusion(0, 1, leaves[0], {}, leaves[1]),
              StatusIs(absl::StatusCode::kDataLoss, "does not verify"));
  EXPECT_THAT(VerifyInclusion(0, 1, leaves[0], {leaves[0]}, leaves[0]),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 0 hashes, got 1"));
  // index >= size, including the empty tree.
  EXPECT_THAT(VerifyInclusion(0, 0, leaves[0], {}, EmptyRoot()),
              StatusIs(absl::StatusCode::kInvalidArgument, "not in a tree"));
  EXPECT_THAT(VerifyInclusion(1, 1, leaves[0], {}, leaves[0]),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyInclusion(kMax, kMax, leaves[0], {}, leaves[0]),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Power-of-two sizes and last leaves.
  for (uint64_t size : {2, 4, 8, 16, 3, 5, 7, 17}) {
    Hash root = ReferenceRoot(First(leaves, size));
    for (uint64_t index : {uint64_t{0}, size - 1}) {
      std::vector<Hash> proof = ReferenceInclusionProof(index, First(leaves, size));
      EXPECT_OK(VerifyInclusion(index, size, leaves[index], proof, root))
          << index << "/" << size;
      ASSERT_OK_AND_ASSIGN(Hash computed,
                           RootFromInclusionProof(index, size, leaves[index], proof));
      EXPECT_EQ(computed, root);
    }
  }
}

TEST(VerifyInclusionTest, HugeSizesNeitherOverflowNorCrash) {
  std::vector<Hash> proof(64, HashLeaf("x"));
  // Leaf 0 of a tree of 2^64 - 1 leaves: 64 levels, a sibling at each.
  EXPECT_THAT(VerifyInclusion(0, kMax, HashLeaf("y"), proof, EmptyRoot()),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(VerifyInclusion(0, kMax, HashLeaf("y"), absl::MakeSpan(proof).first(63),
                              EmptyRoot()),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 64 hashes"));
  // The last leaf of that tree: only left siblings, one per set bit of
  // 2^64 - 2 above the lowest.
  EXPECT_THAT(VerifyInclusion(kMax - 1, kMax, HashLeaf("y"),
                              absl::MakeSpan(proof).first(63), EmptyRoot()),
              StatusIs(absl::StatusCode::kDataLoss));
  // The first leaf of the right half: 63 levels below the root's left
  // sibling.
  EXPECT_THAT(VerifyInclusion(uint64_t{1} << 63, kMax, HashLeaf("y"), proof,
                              EmptyRoot()),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(VerifyInclusion(uint64_t{1} << 63, kMax, HashLeaf("y"),
                              absl::MakeSpan(proof).first(63), EmptyRoot()),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 64 hashes"));
}

TEST(VerifyConsistencyTest, EdgeCases) {
  std::vector<Hash> leaves = EntryLeaves("leaf-", 17);
  auto root = [&](uint64_t n) { return ReferenceRoot(First(leaves, n)); };
  // Old size 0: any new tree extends the empty one, whose root is SHA-256("").
  EXPECT_OK(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}));
  EXPECT_OK(VerifyConsistency(0, 5, EmptyRoot(), root(5), {}));
  EXPECT_OK(VerifyConsistency(0, kMax, EmptyRoot(), Hash(), {}));
  EXPECT_THAT(VerifyConsistency(0, 5, Hash(), root(5), {}),
              StatusIs(absl::StatusCode::kDataLoss, "empty tree"));
  EXPECT_THAT(VerifyConsistency(0, 5, EmptyRoot(), root(5), {root(5)}),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be empty"));
  // Equal sizes: equal roots and an empty proof.
  EXPECT_OK(VerifyConsistency(7, 7, root(7), root(7), {}));
  EXPECT_THAT(VerifyConsistency(7, 7, root(7), root(6), {}),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(VerifyConsistency(7, 7, root(7), root(7), {root(7)}),
              StatusIs(absl::StatusCode::kInvalidArgument, "must be empty"));
  // old > new.
  EXPECT_THAT(VerifyConsistency(8, 7, root(8), root(7), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "larger than"));
  // 0 < old < new: an empty proof is malformed (RFC 9162 2.1.4.2 step 1).
  EXPECT_THAT(VerifyConsistency(4, 8, root(4), root(8), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 1 hashes, got 0"));
  // Power-of-two old sizes omit the old root from the proof.
  for (auto [m, n] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 2}, {2, 3}, {4, 8}, {4, 5}, {8, 16}, {1, 17}, {16, 17}, {3, 4},
           {7, 8}, {15, 16}, {5, 17}}) {
    std::vector<Hash> proof = ReferenceConsistencyProof(m, First(leaves, n));
    EXPECT_OK(VerifyConsistency(m, n, root(m), root(n), proof)) << m << "->" << n;
    // (For a power-of-two old size the old root is the proof's first node,
    // so a wrong one shows up in the new root.)
    EXPECT_THAT(VerifyConsistency(m, n, root(n), root(n), proof),
                StatusIs(absl::StatusCode::kDataLoss))
        << m << "->" << n;
    EXPECT_THAT(VerifyConsistency(m, n, root(m), root(m), proof),
                StatusIs(absl::StatusCode::kDataLoss, "new root"))
        << m << "->" << n;
  }
}

TEST(VerifyConsistencyTest, HugeSizesNeitherOverflowNorCrash) {
  std::vector<Hash> proof(64, HashLeaf("x"));
  auto first = [&](size_t n) { return absl::MakeConstSpan(proof).first(n); };
  // 2^63 -> 2^64 - 1: the old tree is the left half; one (folded) sibling.
  EXPECT_THAT(VerifyConsistency(uint64_t{1} << 63, kMax, HashLeaf("a"),
                                HashLeaf("b"), first(1)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(VerifyConsistency(uint64_t{1} << 63, kMax, HashLeaf("a"),
                                HashLeaf("b"), first(63)),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 1 hashes"));
  // 1 -> 2^64 - 1: a sibling at every one of the 64 levels.
  EXPECT_THAT(VerifyConsistency(1, kMax, HashLeaf("a"), HashLeaf("b"), proof),
              StatusIs(absl::StatusCode::kDataLoss));
  // 2^64 - 2 -> 2^64 - 1: the old subtree, its sibling leaf, then 62 left
  // siblings on the right edge.
  EXPECT_THAT(VerifyConsistency(kMax - 1, kMax, HashLeaf("a"), HashLeaf("b"),
                                proof),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(VerifyConsistency(kMax - 1, kMax, HashLeaf("a"), HashLeaf("b"),
                                first(63)),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 64 hashes"));
}

}  // namespace
}  // namespace vitrine::merkle
