#include "log/merkle/verify.h"

#include "absl/numeric/bits.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace vitrine::merkle {
namespace {

// Returns the number of hashes in PATH(index, D[size]), index < size: one
// sibling per level below the level where the paths of `index` and of the
// last leaf meet, then one per left sibling on the right edge above it.
size_t InclusionProofSize(uint64_t index, uint64_t size) {
  const uint64_t last = size - 1;
  const int inner = absl::bit_width(index ^ last);
  return inner + absl::popcount(inner >= 64 ? 0 : last >> inner);
}

// Returns the number of hashes in PROOF(old_size, D[new_size]),
// 0 < old_size < new_size: the path from the largest complete subtree ending
// at old_size, plus that subtree's hash unless it is the whole old tree.
size_t ConsistencyProofSize(uint64_t old_size, uint64_t new_size) {
  const int level = absl::countr_zero(old_size);
  const uint64_t last_old = old_size - 1;
  const uint64_t last_new = new_size - 1;
  const int inner = absl::bit_width(last_old ^ last_new);  // > level
  const size_t start = absl::has_single_bit(old_size) ? 0 : 1;
  return start + (inner - level) +
         absl::popcount(inner >= 64 ? 0 : last_new >> inner);
}

// Right-shifts fn and sn together until fn is odd or zero.
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

absl::Status Mismatch(absl::string_view what, const Hash& got,
                      const Hash& want) {
  return absl::DataLossError(absl::StrCat(what, " does not verify: computed ",
                                          got.ToHex(), ", want ", want.ToHex()));
}

}  // namespace

absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size,
                                            const Hash& leaf_hash,
                                            absl::Span<const Hash> proof) {
  // Step 1.
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf index ", index, " is not in a tree of size ", size));
  }
  // Checking the length up front makes a malformed proof InvalidArgument,
  // not a mismatch; the loop's own checks below then cannot fire.
  const size_t want = InclusionProofSize(index, size);
  if (proof.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat("inclusion proof for leaf ", index, " in a tree of size ",
                     size, " has ", want, " hashes, got ", proof.size()));
  }
  // Steps 2-4.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return absl::InvalidArgumentError("inclusion proof too long");
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 5, first half.
  if (sn != 0) return absl::InvalidArgumentError("inclusion proof too short");
  return r;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size,
                             const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root) {
  VITRINE_ASSIGN_OR_RETURN(Hash computed,
                           RootFromInclusionProof(index, size, leaf_hash, proof));
  // Step 5, second half.
  if (computed != root) {
    return Mismatch(absl::StrCat("inclusion proof for leaf ", index,
                                 " in a tree of size ", size),
                    computed, root);
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               const Hash& old_root, const Hash& new_root,
                               absl::Span<const Hash> proof) {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("old tree size ", old_size,
                     " is larger than new tree size ", new_size));
  }
  const std::string what = absl::StrCat(
      "consistency proof from size ", old_size, " to size ", new_size);
  // The conventions for the cases RFC 9162 2.1.4.2 leaves out (its step 1
  // fails on an empty proof): every tree extends the empty one, and a tree
  // is consistent with itself.
  if (old_size == 0 || old_size == new_size) {
    if (!proof.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " must be empty, got ", proof.size(), " hashes"));
    }
    if (old_size == 0 && old_root != EmptyRoot()) {
      return Mismatch(absl::StrCat(what, ": old root of the empty tree"),
                      old_root, EmptyRoot());
    }
    if (old_size == new_size && old_root != new_root) {
      return Mismatch(absl::StrCat(what, ": equal sizes, roots"), new_root,
                      old_root);
    }
    return absl::OkStatus();
  }
  const size_t want = ConsistencyProofSize(old_size, new_size);
  if (proof.size() != want) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " has ", want, " hashes, got ", proof.size()));
  }
  // Step 2: for a power-of-two old size the proof omits the old root, which
  // is its first node.
  size_t next = 0;
  const Hash first = absl::has_single_bit(old_size) ? old_root : proof[next++];
  // Steps 3-4.
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  // Steps 5-6.
  Hash fr = first;
  Hash sr = first;
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) return absl::InvalidArgumentError(what + " is too long");
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 7.
  if (sn != 0) return absl::InvalidArgumentError(what + " is too short");
  if (fr != old_root) return Mismatch(what + ": old root", fr, old_root);
  if (sr != new_root) return Mismatch(what + ": new root", sr, new_root);
  return absl::OkStatus();
}

}  // namespace vitrine::merkle
