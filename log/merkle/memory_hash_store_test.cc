#include "log/merkle/memory_hash_store.h"

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle/internal/reference.h"

namespace vitrine::merkle {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::vitrine::merkle::internal::ReferenceRoot;
using ::vitrine::testing::StatusIs;

std::vector<Hash> Leaves(uint64_t n) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(HashLeaf(absl::StrCat("leaf-", i)));
  return leaves;
}

TEST(MemoryHashStoreTest, HoldsEveryCompleteSubtree) {
  std::vector<Hash> leaves = Leaves(300);
  // A hint smaller than what is appended is only a hint.
  MemoryHashStore store(/*expected_leaves=*/100);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    store.Append(leaves[n - 1]);
    ASSERT_EQ(store.size(), n);
    ASSERT_EQ(store.Root(), ReferenceRoot(absl::MakeConstSpan(leaves).first(n)));
  }
  for (uint8_t level = 0; level < 9; ++level) {
    for (uint64_t i = 0; ((i + 1) << level) <= leaves.size(); ++i) {
      NodeId id{level, i};
      ASSERT_OK_AND_ASSIGN(std::vector<Hash> got, store.ReadHashes({id}));
      EXPECT_THAT(got, ElementsAre(ReferenceRoot(absl::MakeConstSpan(leaves).subspan(
                           id.begin(), id.end() - id.begin()))))
          << id;
    }
  }
}

TEST(MemoryHashStoreTest, ReadsManyInOrder) {
  std::vector<Hash> leaves = Leaves(10);
  MemoryHashStore store;
  store.AppendBatch(leaves);
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> got,
                       store.ReadHashes({NodeId{0, 9}, NodeId{3, 0}, NodeId{0, 0}}));
  EXPECT_THAT(got, ElementsAre(leaves[9],
                               ReferenceRoot(absl::MakeConstSpan(leaves).first(8)),
                               leaves[0]));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> none, store.ReadHashes({}));
  EXPECT_THAT(none, IsEmpty());
}

TEST(MemoryHashStoreTest, NodesNotInTheTreeAreNotFound) {
  MemoryHashStore empty;
  EXPECT_EQ(empty.Root(), EmptyRoot());
  EXPECT_THAT(empty.ReadHashes({NodeId{0, 0}}),
              StatusIs(absl::StatusCode::kNotFound, "node 0/0"));

  MemoryHashStore store;
  store.AppendBatch(Leaves(10));
  EXPECT_THAT(store.ReadHashes({NodeId{0, 10}}),
              StatusIs(absl::StatusCode::kNotFound, "tree of size 10"));
  // [8, 12) is not complete yet, nor [0, 16).
  EXPECT_THAT(store.ReadHashes({NodeId{2, 2}}),
              StatusIs(absl::StatusCode::kNotFound, "node 2/2"));
  EXPECT_THAT(store.ReadHashes({NodeId{4, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store.ReadHashes({NodeId{63, 0}}),
              StatusIs(absl::StatusCode::kNotFound));
  // One missing node fails the whole read.
  EXPECT_THAT(store.ReadHashes({NodeId{0, 1}, NodeId{1, 5}}),
              StatusIs(absl::StatusCode::kNotFound, "node 1/5"));
}

}  // namespace
}  // namespace vitrine::merkle
