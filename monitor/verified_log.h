// What a monitor knows for certain about one log it follows: the latest
// checkpoint it verified (log signature, consistency with the one before,
// and every entry hashed into its root) and the verified tree behind it,
// from which it answers roots and consistency proofs for any size it holds.
// The follower writes it; gossip, the witness and evidence read it.
//
//   std::shared_ptr<const VerifiedHead> head = log.Latest();
//   if (head->checkpoint.size >= theirs.size) {
//     VITRINE_ASSIGN_OR_RETURN(merkle::Hash mine, log.RootAt(theirs.size));
//     if (mine != theirs.root) ... evidence ...
//   }
//
// Thread-safety: every method may be called from any thread, concurrently
// with the follower extending the tree.
#ifndef VITRINE_MONITOR_VERIFIED_LOG_H_
#define VITRINE_MONITOR_VERIFIED_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"

namespace vitrine::monitor {

// A checkpoint the monitor verified, with the note as the log signed it.
struct VerifiedHead {
  note::Checkpoint checkpoint;  // origin, size, root
  // The signed note exactly as received (log signature and any witness
  // cosignatures it carried). Empty for the empty tree before the monitor
  // saw any checkpoint.
  std::string signed_note;
};

class VerifiedLog {
 public:
  virtual ~VerifiedLog() = default;

  // The log's origin and its verifier key (C2SP vkey), as configured.
  virtual const std::string& origin() const = 0;
  virtual const std::string& log_vkey() const = 0;
  // The log's key, to open its checkpoints.
  virtual const note::VerifierSet& log_keys() const = 0;

  // The latest verified checkpoint; never null (size 0 and an empty note
  // before the first one).
  virtual std::shared_ptr<const VerifiedHead> Latest() const = 0;

  // The root of the verified tree of `size` leaves. OutOfRange when size is
  // beyond Latest(); DataLoss when the copy is damaged.
  virtual absl::StatusOr<merkle::Hash> RootAt(uint64_t size) const = 0;

  // The RFC 6962 consistency proof from old_size to new_size of the
  // verified tree. InvalidArgument when old_size > new_size; OutOfRange
  // when new_size is beyond Latest().
  virtual absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(
      uint64_t old_size, uint64_t new_size) const = 0;

  // The compact range of the verified tree of `size` leaves: the hashes of
  // merkle::RangeNodes(0, size), left to right (they fold to RootAt(size)).
  // For ENTRIES_MISMATCH evidence. OutOfRange beyond Latest().
  virtual absl::StatusOr<std::vector<merkle::Hash>> RangeAt(
      uint64_t size) const = 0;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_VERIFIED_LOG_H_
