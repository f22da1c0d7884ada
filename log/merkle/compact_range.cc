#include "log/merkle/compact_range.h"

#include <algorithm>
#include <utility>

#include "absl/numeric/bits.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace vitrine::merkle {
namespace {

// Returns the level of the largest complete subtree that starts at `begin`
// and fits in [begin, end); requires begin < end.
uint8_t LargestNodeLevel(uint64_t begin, uint64_t end) {
  // Aligned at `begin` (any level for begin == 0), no larger than the range.
  int aligned = begin == 0 ? 63 : absl::countr_zero(begin);
  int fits = 63 - absl::countl_zero(end - begin);
  return static_cast<uint8_t>(std::min(aligned, fits));
}

// Returns how many nodes RangeNodes(begin, end) has, without allocating.
size_t RangeNodeCount(uint64_t begin, uint64_t end) {
  size_t count = 0;
  while (begin < end) {
    begin += uint64_t{1} << LargestNodeLevel(begin, end);
    ++count;
  }
  return count;
}

}  // namespace

std::vector<NodeId> RangeNodes(uint64_t begin, uint64_t end) {
  // Greedy from the left: the largest aligned subtree that fits at each step
  // gives the unique minimal cover, sizes first growing then shrinking.
  std::vector<NodeId> nodes;
  while (begin < end) {
    uint8_t level = LargestNodeLevel(begin, end);
    nodes.push_back(NodeId{level, begin >> level});
    begin += uint64_t{1} << level;
  }
  return nodes;
}

CompactRange::CompactRange(uint64_t begin) : begin_(begin), end_(begin) {}

absl::StatusOr<CompactRange> CompactRange::FromHashes(
    uint64_t begin, uint64_t end, std::vector<Hash> hashes) {
  if (begin > end) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compact range begins at ", begin, " after its end ", end));
  }
  size_t want = RangeNodeCount(begin, end);
  if (hashes.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("compact range [", begin, ", ", end, ") has ", want,
                     " hashes, got ", hashes.size()));
  }
  CompactRange range(begin);
  range.end_ = end;
  range.hashes_ = std::move(hashes);
  return range;
}

void CompactRange::Push(NodeId id, Hash hash, const NodeVisitor& visitor) {
  // `id` ends where the range ends. While it is a right child whose left
  // sibling lies inside the range, that sibling is the last node of the
  // range (the largest aligned subtree ending there), so the two merge.
  while ((id.index & 1) != 0 && ((id.index - 1) << id.level) >= begin_) {
    hash = HashChildren(hashes_.back(), hash);
    hashes_.pop_back();
    id = NodeId{static_cast<uint8_t>(id.level + 1), id.index >> 1};
    if (visitor) visitor(id, hash);
  }
  hashes_.push_back(hash);
}

void CompactRange::Append(const Hash& leaf_hash, const NodeVisitor& visitor) {
  NodeId leaf{0, end_};
  if (visitor) visitor(leaf, leaf_hash);
  Push(leaf, leaf_hash, visitor);
  ++end_;
}

void CompactRange::AppendBatch(absl::Span<const Hash> leaf_hashes,
                               const NodeVisitor& visitor) {
  for (const Hash& leaf_hash : leaf_hashes) Append(leaf_hash, visitor);
}

absl::Status CompactRange::Merge(const CompactRange& right,
                                 const NodeVisitor& visitor) {
  if (right.begin_ != end_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot merge [", right.begin_, ", ", right.end_,
                     ") onto [", begin_, ", ", end_, "): not adjacent"));
  }
  std::vector<NodeId> ids = RangeNodes(right.begin_, right.end_);
  for (size_t i = 0; i < ids.size(); ++i) {
    Push(ids[i], right.hashes_[i], visitor);
  }
  end_ = right.end_;
  return absl::OkStatus();
}

std::vector<NodeId> CompactRange::nodes() const {
  return RangeNodes(begin_, end_);
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyRoot();
  // RFC 9162 2.1.1: MTH splits at the largest power of two, so the right
  // edge nests rightmost-first: fold from the right.
  Hash hash = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) {
    hash = HashChildren(hashes_[i], hash);
  }
  return hash;
}

}  // namespace vitrine::merkle
