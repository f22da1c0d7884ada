#include "log/merkle/proof.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/internal/reference.h"
#include "log/merkle/memory_hash_store.h"
#include "log/merkle/verify.h"

namespace vitrine::merkle {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::vitrine::merkle::internal::ReferenceConsistencyProof;
using ::vitrine::merkle::internal::ReferenceInclusionProof;
using ::vitrine::merkle::internal::ReferenceRoot;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

std::vector<std::string> ToHex(const std::vector<Hash>& hashes) {
  std::vector<std::string> hex;
  for (const Hash& h : hashes) hex.push_back(h.ToHex());
  return hex;
}

std::vector<std::string> JsonStrings(const nlohmann::json& array) {
  std::vector<std::string> out;
  for (const auto& s : array) out.push_back(s.get<std::string>());
  return out;
}

Hash FlipBit(Hash hash, size_t bit) {
  hash.data()[(bit / 8) % kHashSize] ^= static_cast<uint8_t>(1u << (bit % 8));
  return hash;
}

// Returns the largest tree size that hashes.json, inclusion_proofs.json and
// consistency_proofs.json use: the vector log holds at least that many
// entries.
uint64_t LargestVectorTreeSize() {
  nlohmann::json hashes = ReadVectorJson("hashes.json");
  nlohmann::json inclusion = ReadVectorJson("inclusion_proofs.json");
  nlohmann::json consistency = ReadVectorJson("consistency_proofs.json");
  uint64_t largest = 0;
  for (const auto& r : hashes["roots"]) {
    largest = std::max(largest, r["size"].get<uint64_t>());
  }
  for (const auto& v : inclusion["valid"]) {
    largest = std::max(largest, v["size"].get<uint64_t>());
  }
  for (const auto& v : consistency["valid"]) {
    largest = std::max(largest, v["new_size"].get<uint64_t>());
  }
  return largest;
}

// A store of the vector log's entries (`entry_prefix` and the index), as many
// as the largest tree of the vectors, built once for the suite.
class ProofVectorsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    size_ = LargestVectorTreeSize();
    const std::string prefix =
        ReadVectorJson("hashes.json")["entry_prefix"].get<std::string>();
    store_ = new MemoryHashStore(size_);
    for (uint64_t i = 0; i < size_; ++i) {
      store_->Append(HashLeaf(absl::StrCat(prefix, i)));
    }
  }
  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
  }
  static uint64_t size_;
  static MemoryHashStore* store_;
};

uint64_t ProofVectorsTest::size_ = 0;
MemoryHashStore* ProofVectorsTest::store_ = nullptr;

TEST_F(ProofVectorsTest, TreeRootsMatchHashesJson) {
  nlohmann::json vectors = ReadVectorJson("hashes.json");
  ASSERT_FALSE(vectors["roots"].empty());
  for (const auto& r : vectors["roots"]) {
    const uint64_t size = r["size"];
    ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(size, *store_));
    EXPECT_EQ(root.ToHex(), r["root"].get<std::string>()) << "size " << size;
    EXPECT_EQ(root.ToBase64(), r["root_b64"].get<std::string>()) << "size " << size;
  }
}

TEST_F(ProofVectorsTest, GeneratesEveryValidInclusionVector) {
  nlohmann::json vectors = ReadVectorJson("inclusion_proofs.json");
  ASSERT_FALSE(vectors["valid"].empty());
  for (const auto& v : vectors["valid"]) {
    const uint64_t index = v["index"], size = v["size"];
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> leaf,
                         store_->ReadHashes({NodeId{0, index}}));
    EXPECT_EQ(leaf[0].ToHex(), v["leaf_hash"].get<std::string>());
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof, InclusionProof(index, size, *store_));
    EXPECT_EQ(ToHex(proof), JsonStrings(v["proof"])) << index << "/" << size;
    ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(size, *store_));
    EXPECT_EQ(root.ToHex(), v["root"].get<std::string>());
    EXPECT_OK(VerifyInclusion(index, size, leaf[0], proof, root));
  }
}

TEST_F(ProofVectorsTest, GeneratesEveryValidConsistencyVector) {
  nlohmann::json vectors = ReadVectorJson("consistency_proofs.json");
  ASSERT_FALSE(vectors["valid"].empty());
  for (const auto& v : vectors["valid"]) {
    const uint64_t old_size = v["old_size"], new_size = v["new_size"];
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                         ConsistencyProof(old_size, new_size, *store_));
    EXPECT_EQ(ToHex(proof), JsonStrings(v["proof"])) << old_size << "->" << new_size;
    ASSERT_OK_AND_ASSIGN(Hash old_root, TreeRoot(old_size, *store_));
    ASSERT_OK_AND_ASSIGN(Hash new_root, TreeRoot(new_size, *store_));
    EXPECT_EQ(old_root.ToHex(), v["old_root"].get<std::string>());
    EXPECT_EQ(new_root.ToHex(), v["new_root"].get<std::string>());
    EXPECT_OK(VerifyConsistency(old_size, new_size, old_root, new_root, proof));
  }
}

TEST_F(ProofVectorsTest, RandomLargerTreesMatchReference) {
  std::vector<Hash> leaves;
  {
    std::vector<NodeId> ids;
    for (uint64_t i = 0; i < size_; ++i) ids.push_back(NodeId{0, i});
    ASSERT_OK_AND_ASSIGN(leaves, store_->ReadHashes(ids));
  }
  ASSERT_GT(size_, 0u);
  std::mt19937_64 rng(4);
  for (int iter = 0; iter < 40; ++iter) {
    // Mostly a few thousand leaves (the reference is O(n) per proof), above
    // the sizes ExhaustiveTest covers where the vector log is that large.
    const uint64_t limit = iter < 4 ? size_ : std::min<uint64_t>(size_, 3000);
    const uint64_t low = std::min<uint64_t>(limit, 131);
    const uint64_t size = low + rng() % (limit - low + 1);
    const uint64_t index = rng() % size;
    const uint64_t old_size = rng() % (size + 1);
    auto first = absl::MakeConstSpan(leaves).first(size);
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> path, InclusionProof(index, size, *store_));
    EXPECT_EQ(path, ReferenceInclusionProof(index, first)) << index << "/" << size;
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                         ConsistencyProof(old_size, size, *store_));
    EXPECT_EQ(proof, ReferenceConsistencyProof(old_size, first))
        << old_size << "->" << size;
    ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(size, *store_));
    ASSERT_OK_AND_ASSIGN(Hash old_root, TreeRoot(old_size, *store_));
    EXPECT_OK(VerifyInclusion(index, size, leaves[index], path, root));
    EXPECT_OK(VerifyConsistency(old_size, size, old_root, root, proof));
  }
}

// Every (index, size) and (old, new) pair up to kMaxSize, against the
// reference recursions, with the proofs then verified and mutated.
class ExhaustiveTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kMaxSize = 130;

  void SetUp() override {
    for (uint64_t i = 0; i <= kMaxSize; ++i) {
      leaves_.push_back(HashLeaf(absl::StrCat("leaf-", i)));
    }
    store_.AppendBatch(leaves_);
    for (uint64_t n = 0; n <= kMaxSize + 1; ++n) {
      roots_.push_back(ReferenceRoot(First(n)));
    }
  }

  absl::Span<const Hash> First(uint64_t n) const {
    return absl::MakeConstSpan(leaves_).first(n);
  }

  // The code verification must give for a proof made for other sizes:
  // OK only when it happens to be the right proof, InvalidArgument when its
  // length is wrong, DataLoss otherwise.
  static absl::StatusCode ExpectedCode(const std::vector<Hash>& proof,
                                       const std::vector<Hash>& right_proof) {
    if (proof == right_proof) return absl::StatusCode::kOk;
    return proof.size() == right_proof.size()
               ? absl::StatusCode::kDataLoss
               : absl::StatusCode::kInvalidArgument;
  }

  std::vector<Hash> leaves_;  // kMaxSize + 1, for "one size too many"
  std::vector<Hash> roots_;   // roots_[n] = MTH of the first n leaves
  MemoryHashStore store_;
};

TEST_F(ExhaustiveTest, InclusionProofs) {
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    for (uint64_t index = 0; index < n; ++index) {
      SCOPED_TRACE(absl::StrCat("index ", index, " size ", n));
      const std::vector<Hash> want = ReferenceInclusionProof(index, First(n));
      ASSERT_OK_AND_ASSIGN(ProofPlan plan, InclusionProofNodes(index, n));
      EXPECT_EQ(plan.ProofSize(), want.size());
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof, InclusionProof(index, n, store_));
      ASSERT_EQ(proof, want);
      const Hash& leaf = leaves_[index];
      ASSERT_OK(VerifyInclusion(index, n, leaf, proof, roots_[n]));
      ASSERT_OK_AND_ASSIGN(Hash computed, RootFromInclusionProof(index, n, leaf, proof));
      EXPECT_EQ(computed, roots_[n]);

      for (size_t j = 0; j < proof.size(); ++j) {
        std::vector<Hash> bad = proof;
        bad[j] = FlipBit(bad[j], j * 37 + index);
        EXPECT_THAT(VerifyInclusion(index, n, leaf, bad, roots_[n]),
                    StatusIs(absl::StatusCode::kDataLoss));
      }
      EXPECT_THAT(VerifyInclusion(index, n, FlipBit(leaf, n), proof, roots_[n]),
                  StatusIs(absl::StatusCode::kDataLoss));
      EXPECT_THAT(VerifyInclusion(index, n, leaf, proof, FlipBit(roots_[n], 0)),
                  StatusIs(absl::StatusCode::kDataLoss));
      std::vector<Hash> longer = proof;
      longer.push_back(leaf);
      EXPECT_THAT(VerifyInclusion(index, n, leaf, longer, roots_[n]),
                  StatusIs(absl::StatusCode::kInvalidArgument));
      if (!proof.empty()) {
        EXPECT_THAT(VerifyInclusion(index, n, leaf,
                                    absl::MakeConstSpan(proof).first(proof.size() - 1),
                                    roots_[n]),
                    StatusIs(absl::StatusCode::kInvalidArgument));
      }
      EXPECT_THAT(VerifyInclusion(n, n, leaf, proof, roots_[n]),
                  StatusIs(absl::StatusCode::kInvalidArgument));
      // The same leaf and proof claimed at a neighbouring index.
      for (uint64_t other : {index - 1, index + 1}) {
        if (other >= n) continue;  // also skips index - 1 wrapping around
        EXPECT_THAT(VerifyInclusion(other, n, leaf, proof, roots_[n]),
                    StatusIs(ExpectedCode(proof, ReferenceInclusionProof(other, First(n)))))
            << "claimed index " << other;
      }
      // The proof claimed for a neighbouring size, against that size's root.
      for (uint64_t other : {n - 1, n + 1}) {
        if (other <= index) continue;
        EXPECT_THAT(VerifyInclusion(index, other, leaf, proof, roots_[other]),
                    StatusIs(ExpectedCode(proof, ReferenceInclusionProof(index, First(other)))))
            << "claimed size " << other;
      }
    }
  }
}

TEST_F(ExhaustiveTest, ConsistencyProofs) {
  for (uint64_t n = 0; n <= kMaxSize; ++n) {
    for (uint64_t m = 0; m <= n; ++m) {
      SCOPED_TRACE(absl::StrCat("old ", m, " new ", n));
      const std::vector<Hash> want = ReferenceConsistencyProof(m, First(n));
      ASSERT_OK_AND_ASSIGN(ProofPlan plan, ConsistencyProofNodes(m, n));
      EXPECT_EQ(plan.ProofSize(), want.size());
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof, ConsistencyProof(m, n, store_));
      ASSERT_EQ(proof, want);
      ASSERT_OK(VerifyConsistency(m, n, roots_[m], roots_[n], proof));

      for (size_t j = 0; j < proof.size(); ++j) {
        std::vector<Hash> bad = proof;
        bad[j] = FlipBit(bad[j], j * 37 + m);
        EXPECT_THAT(VerifyConsistency(m, n, roots_[m], roots_[n], bad),
                    StatusIs(absl::StatusCode::kDataLoss));
      }
      EXPECT_THAT(VerifyConsistency(m, n, FlipBit(roots_[m], n), roots_[n], proof),
                  StatusIs(absl::StatusCode::kDataLoss));
      if (m > 0) {  // for m == 0 the new root is unconstrained
        EXPECT_THAT(VerifyConsistency(m, n, roots_[m], FlipBit(roots_[n], m), proof),
                    StatusIs(absl::StatusCode::kDataLoss));
      }
      std::vector<Hash> longer = proof;
      longer.push_back(roots_[m]);
      EXPECT_THAT(VerifyConsistency(m, n, roots_[m], roots_[n], longer),
                  StatusIs(absl::StatusCode::kInvalidArgument));
      if (!proof.empty()) {
        EXPECT_THAT(VerifyConsistency(m, n, roots_[m], roots_[n],
                                      absl::MakeConstSpan(proof).first(proof.size() - 1)),
                    StatusIs(absl::StatusCode::kInvalidArgument));
      }
      // The proof claimed for neighbouring sizes, with those sizes' roots.
      for (uint64_t other : {m - 1, m + 1}) {
        if (other > n) continue;  // also skips m - 1 wrapping around
        EXPECT_THAT(VerifyConsistency(other, n, roots_[other], roots_[n], proof),
                    StatusIs(ExpectedCode(proof, ReferenceConsistencyProof(other, First(n)))))
            << "claimed old size " << other;
      }
      for (uint64_t other : {n - 1, n + 1}) {
        if (other < m || other > kMaxSize + 1) continue;
        EXPECT_THAT(VerifyConsistency(m, other, roots_[m], roots_[other], proof),
                    StatusIs(ExpectedCode(proof, ReferenceConsistencyProof(m, First(other)))))
            << "claimed new size " << other;
      }
    }
  }
}

TEST(ProofPlanTest, InclusionPlansFoldTheRightEdge) {
  // The tree of 7 leaves of RFC 9162 2.1.5: PATH(0, D[7]) = [b, h, l], where
  // l = the right edge [4, 7), folded from i = node 1/2 and j = leaf 6.
  ASSERT_OK_AND_ASSIGN(ProofPlan plan, InclusionProofNodes(0, 7));
  EXPECT_THAT(plan.nodes, ElementsAre(NodeId{0, 1}, NodeId{1, 1}, NodeId{1, 2},
                                      NodeId{0, 6}));
  EXPECT_EQ(plan.fold_begin, 2u);
  EXPECT_EQ(plan.fold_end, 4u);
  EXPECT_EQ(plan.proof_nodes, 4u);
  EXPECT_EQ(plan.ProofSize(), 3u);

  // The last leaf has only left siblings; leaf 6 itself is read to check
  // that the tree has 7 leaves.
  ASSERT_OK_AND_ASSIGN(plan, InclusionProofNodes(6, 7));
  EXPECT_THAT(plan.nodes, ElementsAre(NodeId{1, 2}, NodeId{2, 0}, NodeId{0, 6}));
  EXPECT_EQ(plan.fold_begin, plan.fold_end);
  EXPECT_EQ(plan.proof_nodes, 2u);
  EXPECT_EQ(plan.ProofSize(), 2u);

  ASSERT_OK_AND_ASSIGN(plan, InclusionProofNodes(0, 1));
  EXPECT_THAT(plan.nodes, ElementsAre(NodeId{0, 0}));
  EXPECT_EQ(plan.ProofSize(), 0u);

  EXPECT_THAT(InclusionProofNodes(7, 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "not in a tree of size 7"));
  EXPECT_THAT(InclusionProofNodes(0, 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ProofPlanTest, ConsistencyPlans) {
  // RFC 9162 2.1.5: PROOF(3, D[7]) = [c, d, g, l].
  ASSERT_OK_AND_ASSIGN(ProofPlan plan, ConsistencyProofNodes(3, 7));
  EXPECT_THAT(plan.nodes, ElementsAre(NodeId{0, 2}, NodeId{0, 3}, NodeId{1, 0},
                                      NodeId{1, 2}, NodeId{0, 6}));
  EXPECT_EQ(plan.fold_begin, 3u);
  EXPECT_EQ(plan.fold_end, 5u);
  EXPECT_EQ(plan.ProofSize(), 4u);
  // PROOF(4, D[7]) = [l]: the old tree is a complete subtree, left out.
  ASSERT_OK_AND_ASSIGN(plan, ConsistencyProofNodes(4, 7));
  EXPECT_THAT(plan.nodes, ElementsAre(NodeId{1, 2}, NodeId{0, 6}));
  EXPECT_EQ(plan.ProofSize(), 1u);
  // PROOF(6, D[7]) = [i, j, k]: i = node 1/2 (the old tree's last complete
  // subtree), j = leaf 6, k = node 2/0.
  ASSERT_OK_AND_ASSIGN(plan, ConsistencyProofNodes(6, 7));
  EXPECT_THAT(plan.nodes, ElementsAre(NodeId{1, 2}, NodeId{0, 6}, NodeId{2, 0}));
  EXPECT_EQ(plan.ProofSize(), 3u);
  // Empty proofs still read the last leaf of the new tree.
  for (uint64_t old_size : {0, 7}) {
    ASSERT_OK_AND_ASSIGN(plan, ConsistencyProofNodes(old_size, 7));
    EXPECT_THAT(plan.nodes, ElementsAre(NodeId{0, 6}));
    EXPECT_EQ(plan.ProofSize(), 0u);
  }
  ASSERT_OK_AND_ASSIGN(plan, ConsistencyProofNodes(0, 0));
  EXPECT_THAT(plan.nodes, IsEmpty());
  EXPECT_THAT(ConsistencyProofNodes(8, 7),
              StatusIs(absl::StatusCode::kInvalidArgument, "larger than"));
}

TEST(ProofPlanTest, ProofFromHashesChecksTheCount) {
  ASSERT_OK_AND_ASSIGN(ProofPlan plan, InclusionProofNodes(0, 7));
  std::vector<Hash> hashes(3);
  EXPECT_THAT(plan.ProofFromHashes(hashes),
              StatusIs(absl::StatusCode::kInvalidArgument, "4 nodes, got 3"));
}

// Wraps a reader, counting calls and nodes, or failing on demand.
class FakeReader : public HashReader {
 public:
  explicit FakeReader(HashReader* inner) : inner_(inner) {}
  absl::StatusOr<std::vector<Hash>> ReadHashes(
      absl::Span<const NodeId> nodes) override {
    ++calls;
    max_nodes = std::max(max_nodes, nodes.size());
    if (!fail_with.ok()) return fail_with;
    absl::StatusOr<std::vector<Hash>> hashes = inner_->ReadHashes(nodes);
    if (hashes.ok() && drop_one) hashes->pop_back();
    return hashes;
  }
  int calls = 0;
  size_t max_nodes = 0;
  absl::Status fail_with;
  bool drop_one = false;

 private:
  HashReader* inner_;
};

TEST(ProofReadTest, OneReadOfLogarithmicallyManyNodesPerProof) {
  MemoryHashStore store;
  for (int i = 0; i < 5000; ++i) store.Append(HashLeaf(absl::StrCat(i)));
  FakeReader reader(&store);
  std::mt19937_64 rng(5);
  for (int iter = 0; iter < 200; ++iter) {
    const uint64_t size = 1 + rng() % 5000;
    const uint64_t index = rng() % size;
    const uint64_t old_size = rng() % (size + 1);
    reader.calls = 0;
    reader.max_nodes = 0;
    ASSERT_OK(InclusionProof(index, size, reader));
    ASSERT_OK(ConsistencyProof(old_size, size, reader));
    ASSERT_OK(TreeRoot(size, reader));
    EXPECT_EQ(reader.calls, 3);
    // A path of 13 levels, plus at most 12 nodes folded into one.
    EXPECT_LE(reader.max_nodes, 26u);
  }
}

TEST(ProofReadTest, SizesBeyondTheReaderAreNotFound) {
  MemoryHashStore store;
  for (int i = 0; i < 6; ++i) store.Append(HashLeaf(absl::StrCat(i)));
  // Within the tree.
  EXPECT_OK(InclusionProof(5, 6, store));
  EXPECT_OK(ConsistencyProof(6, 6, store));
  EXPECT_OK(TreeRoot(6, store));
  // Size 7 needs leaf 6. Even where the proof itself would only use stored
  // nodes (the last leaf, empty proofs), the plan checks the size.
  EXPECT_THAT(InclusionProof(6, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(InclusionProof(0, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(InclusionProof(4, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ConsistencyProof(0, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ConsistencyProof(7, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ConsistencyProof(4, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(ConsistencyProof(6, 7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(TreeRoot(7, store), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(TreeRoot(1000, store), StatusIs(absl::StatusCode::kNotFound));
  // Malformed requests are InvalidArgument whatever the tree.
  EXPECT_THAT(InclusionProof(6, 6, store), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ConsistencyProof(6, 5, store),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The empty tree needs no read.
  MemoryHashStore empty;
  ASSERT_OK_AND_ASSIGN(Hash root, TreeRoot(0, empty));
  EXPECT_EQ(root, EmptyRoot());
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof, ConsistencyProof(0, 0, empty));
  EXPECT_THAT(proof, IsEmpty());
}

TEST(ProofReadTest, ReaderErrorsPropagate) {
  MemoryHashStore store;
  for (int i = 0; i < 10; ++i) store.Append(HashLeaf(absl::StrCat(i)));
  FakeReader reader(&store);
  reader.fail_with = absl::DataLossError("corrupt tile");
  EXPECT_THAT(InclusionProof(3, 10, reader),
              StatusIs(absl::StatusCode::kDataLoss, "corrupt tile"));
  EXPECT_THAT(ConsistencyProof(3, 10, reader), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(TreeRoot(10, reader), StatusIs(absl::StatusCode::kDataLoss));
  // A reader that breaks its contract is an internal error, not a proof.
  reader.fail_with = absl::OkStatus();
  reader.drop_one = true;
  EXPECT_THAT(InclusionProof(3, 10, reader), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(ConsistencyProof(3, 10, reader), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(TreeRoot(10, reader), StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace vitrine::merkle
