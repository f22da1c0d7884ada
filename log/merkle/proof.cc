#include "log/merkle/proof.h"

#include <utility>

#include "absl/numeric/bits.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"

namespace vitrine::merkle {
namespace {

// Appends to `plan` the siblings of the path from complete subtree
// {level, index} to the root of the tree of `size` leaves, bottom-up: the
// hashes RFC 9162 2.1.3.1 PATH and 2.1.4.1 SUBPROOF append on their way
// back up the recursion. Requires the subtree to lie within [0, size).
void AppendPath(uint8_t level, uint64_t index, uint64_t size,
                ProofPlan& plan) {
  const uint64_t last_leaf = size - 1;
  uint64_t node = index;
  // Stop at the root: the level where the last leaf's ancestor is node 0.
  for (int l = level; l < 64 && (last_leaf >> l) != 0; ++l, node >>= 1) {
    const auto at = static_cast<uint8_t>(l);
    const uint64_t last = last_leaf >> l;  // the right edge at this level
    if ((node & 1) != 0) {
      // A left sibling: always a complete subtree.
      plan.nodes.push_back(NodeId{at, node - 1});
    } else if (node == last) {
      // On the right edge with nothing to its right: MTH promotes the node
      // itself, so this level adds no hash.
    } else if (node + 1 < last ||
               (size & ((uint64_t{1} << l) - 1)) == 0) {
      plan.nodes.push_back(NodeId{at, node + 1});
    } else {
      // The right sibling is the partial right edge: MTH of what it covers,
      // folded from its complete subtrees. This happens at most once.
      plan.fold_begin = plan.nodes.size();
      for (NodeId id : RangeNodes((node + 1) << l, size)) {
        plan.nodes.push_back(id);
      }
      plan.fold_end = plan.nodes.size();
    }
  }
}

// Ends the proof part of `plan` and, unless the proof already reads a node
// covering the last leaf, adds a read of it: a reader that does not hold
// `size` leaves then fails instead of the plan proving against a tree that
// is not there.
void FinishPlan(uint64_t size, bool covers_last_leaf, ProofPlan& plan) {
  plan.proof_nodes = plan.nodes.size();
  if (size > 0 && !covers_last_leaf) plan.nodes.push_back(NodeId{0, size - 1});
}

absl::StatusOr<std::vector<Hash>> ReadProof(const ProofPlan& plan,
                                            HashReader& reader) {
  if (plan.nodes.empty()) return std::vector<Hash>();
  VITRINE_ASSIGN_OR_RETURN(std::vector<Hash> hashes,
                           reader.ReadHashes(plan.nodes));
  if (hashes.size() != plan.nodes.size()) {
    return absl::InternalError(
        absl::StrCat("HashReader returned ", hashes.size(), " hashes for ",
                     plan.nodes.size(), " nodes"));
  }
  return plan.ProofFromHashes(hashes);
}

}  // namespace

size_t ProofPlan::ProofSize() const {
  const size_t folded = fold_end - fold_begin;
  return proof_nodes - folded + (folded > 0 ? 1 : 0);
}

absl::StatusOr<std::vector<Hash>> ProofPlan::ProofFromHashes(
    absl::Span<const Hash> hashes) const {
  if (hashes.size() != nodes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "proof plan has ", nodes.size(), " nodes, got ", hashes.size(),
        " hashes"));
  }
  std::vector<Hash> proof;
  proof.reserve(ProofSize());
  for (size_t i = 0; i < proof_nodes; ++i) {
    if (i == fold_begin && fold_begin < fold_end) {
      // Fold right to left, as MTH nests the right edge.
      Hash hash = hashes[fold_end - 1];
      for (size_t j = fold_end - 1; j-- > fold_begin;) {
        hash = HashChildren(hashes[j], hash);
      }
      proof.push_back(hash);
      i = fold_end - 1;
    } else {
      proof.push_back(hashes[i]);
    }
  }
  return proof;
}

absl::StatusOr<ProofPlan> InclusionProofNodes(uint64_t index, uint64_t size) {
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf index ", index, " is not in a tree of size ", size));
  }
  ProofPlan plan;
  AppendPath(0, index, size, plan);
  // Below the level where the paths of `index` and the last leaf meet, the
  // right sibling covers the last leaf; there is none when they are one.
  FinishPlan(size, /*covers_last_leaf=*/index != size - 1, plan);
  return plan;
}

absl::StatusOr<ProofPlan> ConsistencyProofNodes(uint64_t old_size,
                                                uint64_t new_size) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("old tree size ", old_size,
                     " is larger than new tree size ", new_size));
  }
  ProofPlan plan;
  if (old_size == 0 || old_size == new_size) {
    FinishPlan(new_size, /*covers_last_leaf=*/false, plan);
    return plan;
  }
  // SUBPROOF ends, in its m == n case, at the largest complete subtree that
  // ends at old_size; it adds that subtree's hash unless it is the whole old
  // tree (old_size a power of two, b still true), then the path above it.
  const auto level = static_cast<uint8_t>(absl::countr_zero(old_size));
  const uint64_t index = (old_size >> level) - 1;
  if (index != 0) plan.nodes.push_back(NodeId{level, index});
  // old_size < new_size: as for inclusion, the path meets the right edge.
  AppendPath(level, index, new_size, plan);
  FinishPlan(new_size, /*covers_last_leaf=*/true, plan);
  return plan;
}

absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size,
                                                 HashReader& reader) {
  VITRINE_ASSIGN_OR_RETURN(ProofPlan plan, InclusionProofNodes(index, size));
  return ReadProof(plan, reader);
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size,
                                                   uint64_t new_size,
                                                   HashReader& reader) {
  VITRINE_ASSIGN_OR_RETURN(ProofPlan plan,
                           ConsistencyProofNodes(old_size, new_size));
  return ReadProof(plan, reader);
}

absl::StatusOr<Hash> TreeRoot(uint64_t size, HashReader& reader) {
  if (size == 0) return EmptyRoot();
  std::vector<NodeId> nodes = RangeNodes(0, size);
  VITRINE_ASSIGN_OR_RETURN(std::vector<Hash> hashes, reader.ReadHashes(nodes));
  if (hashes.size() != nodes.size()) {
    return absl::InternalError(
        absl::StrCat("HashReader returned ", hashes.size(), " hashes for ",
                     nodes.size(), " nodes"));
  }
  VITRINE_ASSIGN_OR_RETURN(CompactRange range,
                           CompactRange::FromHashes(0, size, std::move(hashes)));
  return range.Root();
}

}  // namespace vitrine::merkle
