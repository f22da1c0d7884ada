// A memory of the checkpoints whose log signature this monitor verified, so
// that a peer replaying genuine checkpoints costs a hash, not an Ed25519
// verification (issue 11: a gossip flood of the log's newest checkpoint
// made the monitor verify it again for every copy of every request).
//
//   VerifiedNotes notes(4096);
//   absl::StatusOr<OpenedCheckpoint> opened =
//       notes.Open(theirs.note(), log.origin(), log.log_keys());
//   // opened->checkpoint may be trusted; opened->canonical_note is the text
//   // and the log's verified line(s) (monitor/witness/canonical_note.h).
//
// A note is looked up by its canonical form: the text and the lines by the
// log's keys, found without verifying anything. Lines by other keys are
// ignored by verification anyway, so padding a genuine note with junk lines
// finds the same entry; a note whose log lines differ is a new entry and is
// verified (a forged line fails there, and is not remembered). Only what
// verified is kept, at most `capacity` entries of a few hundred bytes, the
// oldest forgotten first.
//
// Thread-safety: thread-safe.
#ifndef VITRINE_MONITOR_GOSSIP_VERIFIED_NOTES_H_
#define VITRINE_MONITOR_GOSSIP_VERIFIED_NOTES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"

namespace vitrine::monitor {

// A checkpoint whose log signature verified, in canonical form.
struct OpenedCheckpoint {
  note::Checkpoint checkpoint;
  std::string canonical_note;
};

class VerifiedNotes {
 public:
  // Keeps at most `capacity` checkpoints (at least 1).
  explicit VerifiedNotes(size_t capacity);

  // Returns the checkpoint of `signed_note` as note::OpenCheckpoint would
  // (same codes), from memory when its canonical form verified before.
  // `keys` must be the same set for an origin on every call (a followed
  // log's keys are fixed).
  absl::StatusOr<OpenedCheckpoint> Open(absl::string_view signed_note,
                                        absl::string_view origin,
                                        const note::VerifierSet& keys);

  // Counts for tests and metrics.
  uint64_t hits() const;
  uint64_t verified() const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::map<merkle::Hash, note::Checkpoint> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<merkle::Hash> order_ ABSL_GUARDED_BY(mu_);  // Oldest first.
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t verified_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_VERIFIED_NOTES_H_
