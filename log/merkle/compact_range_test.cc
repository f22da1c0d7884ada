#include "log/merkle/compact_range.h"

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
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
  leaves.reserve(n);
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(HashLeaf(absl::StrCat("leaf-", i)));
  return leaves;
}

// The hash of a complete subtree, by the reference.
Hash ReferenceNode(const std::vector<Hash>& leaves, NodeId id) {
  return ReferenceRoot(
      absl::MakeConstSpan(leaves).subspan(id.begin(), id.end() - id.begin()));
}

CompactRange Build(const std::vector<Hash>& leaves, uint64_t begin,
                   uint64_t end) {
  CompactRange range(begin);
  for (uint64_t i = begin; i < end; ++i) range.Append(leaves[i]);
  return range;
}

// Every complete subtree inside [begin, end).
std::set<NodeId> CompleteSubtrees(uint64_t begin, uint64_t end) {
  std::set<NodeId> nodes;
  for (uint8_t level = 0; (uint64_t{1} << level) <= end; ++level) {
    for (uint64_t i = (begin + (uint64_t{1} << level) - 1) >> level;
         ((i + 1) << level) <= end; ++i) {
      nodes.insert(NodeId{level, i});
    }
  }
  return nodes;
}

TEST(RangeNodesTest, TrickyRanges) {
  EXPECT_THAT(RangeNodes(0, 0), IsEmpty());
  EXPECT_THAT(RangeNodes(5, 5), IsEmpty());
  EXPECT_THAT(RangeNodes(0, 1), ElementsAre(NodeId{0, 0}));
  EXPECT_THAT(RangeNodes(0, 8), ElementsAre(NodeId{3, 0}));
  EXPECT_THAT(RangeNodes(0, 7),
              ElementsAre(NodeId{2, 0}, NodeId{1, 2}, NodeId{0, 6}));
  EXPECT_THAT(RangeNodes(1, 8),
              ElementsAre(NodeId{0, 1}, NodeId{1, 1}, NodeId{2, 1}));
  EXPECT_THAT(RangeNodes(3, 13), ElementsAre(NodeId{0, 3}, NodeId{2, 1},
                                             NodeId{2, 2}, NodeId{0, 12}));
  EXPECT_THAT(RangeNodes(7, 9), ElementsAre(NodeId{0, 7}, NodeId{0, 8}));
  EXPECT_THAT(RangeNodes(8, 16), ElementsAre(NodeId{3, 1}));
  EXPECT_THAT(RangeNodes(0, uint64_t{1} << 63), ElementsAre(NodeId{63, 0}));
  const uint64_t max = ~uint64_t{0};
  EXPECT_THAT(RangeNodes(max - 1, max), ElementsAre(NodeId{0, max - 1}));
  EXPECT_EQ(RangeNodes(0, max).size(), 64u);
  EXPECT_EQ(RangeNodes(1, max).size(), 126u);
}

TEST(RangeNodesTest, MinimalCoverOfRandomRanges) {
  std::mt19937_64 rng(1);
  for (int iter = 0; iter < 2000; ++iter) {
    uint64_t begin = rng() >> (rng() % 64);
    uint64_t end = begin + (rng() >> (rng() % 64)) % (~uint64_t{0} - begin);
    std::vector<NodeId> nodes = RangeNodes(begin, end);
    uint64_t at = begin;
    for (size_t i = 0; i < nodes.size(); ++i) {
      ASSERT_EQ(nodes[i].begin(), at) << begin << " " << end;
      at += uint64_t{1} << nodes[i].level;
      // Minimal: no two neighbours are siblings.
      if (i > 0 && nodes[i - 1].level == nodes[i].level) {
        EXPECT_FALSE(nodes[i - 1].index % 2 == 0) << begin << " " << end;
      }
    }
    EXPECT_EQ(at, end);
  }
}

TEST(CompactRangeTest, RootsMatchReference) {
  std::vector<Hash> leaves = Leaves(600);
  CompactRange range;
  EXPECT_EQ(range.Root(), EmptyRoot());
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    range.Append(leaves[n - 1]);
    ASSERT_EQ(range.end(), n);
    ASSERT_EQ(range.Root(), ReferenceRoot(absl::MakeConstSpan(leaves).first(n)))
        << "size " << n;
  }
}

TEST(CompactRangeTest, RandomSizesAndEveryHashMatchReference) {
  std::vector<Hash> leaves = Leaves(5000);
  std::mt19937_64 rng(2);
  for (int iter = 0; iter < 20; ++iter) {
    uint64_t begin = rng() % 2000;
    uint64_t end = begin + rng() % (leaves.size() - begin);
    CompactRange range = Build(leaves, begin, end);
    std::vector<NodeId> ids = range.nodes();
    ASSERT_EQ(ids, RangeNodes(begin, end));
    ASSERT_EQ(ids.size(), range.hashes().size());
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(range.hashes()[i], ReferenceNode(leaves, ids[i])) << ids[i];
    }
    if (begin == 0) {
      EXPECT_EQ(range.Root(), ReferenceRoot(absl::MakeConstSpan(leaves).first(end)));
    }
  }
}

TEST(CompactRangeTest, RootOfAnAlignedSubtreeRangeIsItsMth) {
  std::vector<Hash> leaves = Leaves(1024 + 300);
  CompactRange range = Build(leaves, 1024, leaves.size());
  EXPECT_EQ(range.Root(),
            ReferenceRoot(absl::MakeConstSpan(leaves).subspan(1024)));
}

TEST(CompactRangeTest, AppendBatchEqualsAppend) {
  std::vector<Hash> leaves = Leaves(1000);
  for (uint64_t begin : {0, 1, 7, 64, 333}) {
    CompactRange one_by_one = Build(leaves, begin, leaves.size());
    CompactRange batched(begin);
    std::vector<std::pair<NodeId, Hash>> seen_batched, seen_single;
    auto record = [](auto& seen) {
      return [&seen](NodeId id, const Hash& h) { seen.emplace_back(id, h); };
    };
    // Uneven batches, including an empty one.
    uint64_t at = begin;
    for (uint64_t len : {0, 1, 2, 5, 100, 1000}) {
      len = std::min<uint64_t>(len, leaves.size() - at);
      batched.AppendBatch(absl::MakeConstSpan(leaves).subspan(at, len),
                          record(seen_batched));
      at += len;
    }
    CompactRange single(begin);
    for (uint64_t i = begin; i < leaves.size(); ++i) {
      single.Append(leaves[i], record(seen_single));
    }
    EXPECT_EQ(batched.end(), one_by_one.end());
    EXPECT_TRUE(std::equal(batched.hashes().begin(), batched.hashes().end(),
                           one_by_one.hashes().begin(), one_by_one.hashes().end()));
    EXPECT_EQ(seen_batched, seen_single);
  }
}

TEST(CompactRangeTest, VisitorSeesEveryCompleteSubtreeOnceBottomUp) {
  std::vector<Hash> leaves = Leaves(700);
  for (uint64_t begin : {0, 1, 5, 256, 300}) {
    CompactRange range(begin);
    std::set<NodeId> seen;
    for (uint64_t i = begin; i < leaves.size(); ++i) {
      range.Append(leaves[i], [&](NodeId id, const Hash& hash) {
        EXPECT_TRUE(seen.insert(id).second) << "twice: " << id;
        EXPECT_EQ(hash, ReferenceNode(leaves, id)) << id;
        // Bottom-up: its children came first.
        if (id.level > 0) {
          EXPECT_EQ(seen.count(NodeId{static_cast<uint8_t>(id.level - 1), 2 * id.index}), 1u);
          EXPECT_EQ(seen.count(NodeId{static_cast<uint8_t>(id.level - 1), 2 * id.index + 1}), 1u);
        }
      });
    }
    EXPECT_EQ(seen, CompleteSubtrees(begin, leaves.size())) << "begin " << begin;
  }
}

TEST(CompactRangeTest, MergeOfAdjacentRangesEqualsTheWhole) {
  std::vector<Hash> leaves = Leaves(3000);
  std::mt19937_64 rng(3);
  for (int iter = 0; iter < 200; ++iter) {
    uint64_t begin = rng() % 1000;
    uint64_t mid = begin + rng() % (leaves.size() - begin);
    uint64_t end = mid + rng() % (leaves.size() - mid + 1);
    if (iter % 10 == 0) mid = begin;  // an empty left side
    if (iter % 10 == 1) end = mid;    // an empty right side
    CompactRange whole = Build(leaves, begin, end);
    CompactRange left = Build(leaves, begin, mid);
    CompactRange right = Build(leaves, mid, end);
    std::set<NodeId> created;
    ASSERT_OK(left.Merge(right, [&](NodeId id, const Hash& hash) {
      EXPECT_TRUE(created.insert(id).second) << id;
      EXPECT_EQ(hash, ReferenceNode(leaves, id)) << id;
    }));
    EXPECT_EQ(left.begin(), begin);
    EXPECT_EQ(left.end(), end);
    ASSERT_TRUE(std::equal(left.hashes().begin(), left.hashes().end(),
                           whole.hashes().begin(), whole.hashes().end()))
        << begin << " " << mid << " " << end;
    // Exactly the subtrees that straddle the split.
    std::set<NodeId> want;
    for (NodeId id : CompleteSubtrees(begin, end)) {
      if (id.begin() < mid && id.end() > mid) want.insert(id);
    }
    EXPECT_EQ(created, want) << begin << " " << mid << " " << end;
  }
}

TEST(CompactRangeTest, MergeRejectsRangesThatAreNotAdjacent) {
  std::vector<Hash> leaves = Leaves(20);
  CompactRange left = Build(leaves, 0, 5);
  EXPECT_THAT(left.Merge(Build(leaves, 6, 10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "not adjacent"));
  EXPECT_THAT(left.Merge(Build(leaves, 4, 10)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(left.end(), 5u);  // unchanged
  EXPECT_EQ(left.Root(), ReferenceRoot(absl::MakeConstSpan(leaves).first(5)));
}

TEST(CompactRangeTest, FromHashesRoundTrip) {
  std::vector<Hash> leaves = Leaves(600);
  for (auto [begin, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 0}, {0, 1}, {0, 256}, {0, 257}, {3, 3}, {3, 100}, {255, 513}}) {
    CompactRange range = Build(leaves, begin, end);
    std::vector<Hash> hashes(range.hashes().begin(), range.hashes().end());
    ASSERT_OK_AND_ASSIGN(CompactRange resumed,
                         CompactRange::FromHashes(begin, end, hashes));
    EXPECT_EQ(resumed.begin(), begin);
    EXPECT_EQ(resumed.end(), end);
    EXPECT_EQ(resumed.Root(), range.Root());
    // Resuming and appending equals never stopping.
    for (uint64_t i = end; i < leaves.size(); ++i) resumed.Append(leaves[i]);
    CompactRange full = Build(leaves, begin, leaves.size());
    EXPECT_TRUE(std::equal(resumed.hashes().begin(), resumed.hashes().end(),
                           full.hashes().begin(), full.hashes().end()));
  }
}

TEST(CompactRangeTest, FromHashesRejectsBadInput) {
  std::vector<Hash> leaves = Leaves(7);
  EXPECT_THAT(CompactRange::FromHashes(5, 4, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, "after its end"));
  // [0, 7) has three nodes.
  EXPECT_THAT(CompactRange::FromHashes(0, 7, {leaves[0], leaves[1]}),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 3 hashes, got 2"));
  EXPECT_THAT(CompactRange::FromHashes(0, 7, leaves),
              StatusIs(absl::StatusCode::kInvalidArgument, "has 3 hashes, got 7"));
  EXPECT_THAT(CompactRange::FromHashes(0, 0, {leaves[0]}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_OK(CompactRange::FromHashes(0, 7, {leaves[0], leaves[1], leaves[2]}));
}

}  // namespace
}  // namespace vitrine::merkle
