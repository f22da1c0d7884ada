// Verification of inclusion and consistency proofs, exactly as RFC 9162
// 2.1.3.2 and 2.1.4.2 (RFC 6962 audit paths and consistency proofs), for
// clients, monitors and witnesses that hold only roots.
//
//   absl::Status ok = VerifyInclusion(index, size, HashLeaf(entry), proof,
//                                     checkpoint_root);
//   absl::Status ok = VerifyConsistency(old_size, new_size, old_root,
//                                       new_root, proof);
//
// Status codes, so that callers can tell a bad request from bad data:
//   InvalidArgument: the inputs are malformed whatever the hashes are: an
//     index >= size, old_size > new_size, or a proof with the wrong number
//     of hashes for its sizes (including a non-empty proof where the
//     convention wants an empty one: old_size 0 or old_size == new_size).
//   DataLoss: the proof is well formed but the hashes do not reproduce the
//     root(s) (or old_size is 0 and old_root is not EmptyRoot()). absl
//     reserves DataLoss for corruption that deserves an alert, which is what
//     this is: the data is corrupt or the log lied. Never retry it; a
//     monitor keeps the inputs as evidence.
//
// Pure functions; thread-safe. About one hash per proof hash: an inclusion
// proof at 2^24 leaves is 24 hashes.
#ifndef VITRINE_LOG_MERKLE_VERIFY_H_
#define VITRINE_LOG_MERKLE_VERIFY_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"

namespace vitrine::merkle {

// Returns the root of the tree of `size` leaves in which `proof` (leaf to
// root) places `leaf_hash` at `index`: RFC 9162 2.1.3.2 up to the final
// comparison. InvalidArgument when index >= size or the proof length is not
// the one PATH(index, D[size]) has.
absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size,
                                            const Hash& leaf_hash,
                                            absl::Span<const Hash> proof);

// Checks that `proof` shows `leaf_hash` at `index` in the tree of `size`
// leaves whose root is `root` (RFC 9162 2.1.3.2). InvalidArgument for
// malformed inputs, DataLoss when the root does not match.
absl::Status VerifyInclusion(uint64_t index, uint64_t size,
                             const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root);

// Checks that the tree of `new_size` leaves with root `new_root` extends the
// tree of `old_size` leaves with root `old_root` (RFC 9162 2.1.4.2). An
// old_size of 0 (old_root must be EmptyRoot()) and old_size == new_size
// (the roots must be equal) take an empty proof. InvalidArgument for
// malformed inputs, DataLoss when a root does not match.
absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               const Hash& old_root, const Hash& new_root,
                               absl::Span<const Hash> proof);

}  // namespace vitrine::merkle

#endif  // VITRINE_LOG_MERKLE_VERIFY_H_
