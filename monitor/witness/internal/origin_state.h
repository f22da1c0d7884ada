// What the witness holds for one configured log, and the checks shared by
// add-checkpoint and the loading of state files. Internal to
// //monitor/witness:witness.
#ifndef VITRINE_MONITOR_WITNESS_INTERNAL_ORIGIN_STATE_H_
#define VITRINE_MONITOR_WITNESS_INTERNAL_ORIGIN_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::monitor::internal {

// The latest checkpoint cosigned for an origin. Immutable once published.
struct HeldCheckpoint {
  note::Checkpoint checkpoint;
  // The log's note in canonical form (canonical_note.h): the checkpoint
  // text and the log's verified signature line(s), nothing a sender added.
  std::string log_note;
  std::string cosigned_note;  // log_note with this witness's line appended.
};

struct OriginState {
  std::string origin;
  note::VerifierSet keys;                      // Type 0x01, named origin.
  std::map<uint32_t, std::string> vkey_by_id;  // For evidence.
  std::string path;                            // The state file.

  // Held from the size check until the new state is persisted and
  // published: check-and-persist is atomic per origin.
  absl::Mutex write_mu;
  // Set when this witness saw a conflict; the Alarm keeps it across
  // restarts, this keeps it when there is no Alarm.
  bool halted ABSL_GUARDED_BY(write_mu) = false;

  // Guards only the pointer swap: readers never wait for an fsync.
  mutable absl::Mutex publish_mu;
  std::shared_ptr<const HeldCheckpoint> held ABSL_GUARDED_BY(publish_mu);

  std::shared_ptr<const HeldCheckpoint> Snapshot() const {
    absl::MutexLock lock(&publish_mu);
    return held;
  }
  void Publish(std::shared_ptr<const HeldCheckpoint> next) {
    absl::MutexLock lock(&publish_mu);
    held = std::move(next);
  }
};

// Returns the state file name of `origin`: hex(SHA-256(origin)) followed by
// ".checkpoint", safe for any bytes in the origin.
std::string StateFileName(absl::string_view origin);

// Parses a signed note whose text must be a checkpoint. InvalidArgument for
// anything malformed (an oversized note or too many signatures included).
absl::StatusOr<note::Note> ParseCheckpointNote(absl::string_view signed_note,
                                               note::Checkpoint* checkpoint);

// Checks, before any signature is verified, that `note` carries at most
// one line per configured key of the origin: a real checkpoint has one per
// log key, and each such line costs an Ed25519 verification, so a sender
// cannot make the witness verify more than keys.size() signatures.
// InvalidArgument naming the key otherwise. Lines by other keys cost
// nothing (they are never verified) and are dropped from what is kept.
absl::Status CheckLogKeyLines(const note::Note& note, const OriginState& state);

// A note the log signed, reduced to what the witness keeps.
struct LogSignedNote {
  std::string log_vkey;  // The vkey of the first key that signed.
  // The text and the log's verified line(s) (canonical_note.h).
  note::Note canonical;
};

// Verifies the log's signature on a parsed note with the origin's keys.
// PermissionDenied when no configured key signed, or one of them signed but
// its signature does not verify (a forgery is no better than no signature).
absl::StatusOr<LogSignedNote> VerifyLogSignature(const note::Note& note,
                                                 const OriginState& state);

// Returns the canonical `note` with `cosignature` appended: the lines of
// `note` are kept except one by the same witness key (name and key ID).
std::string AppendCosignature(note::Note note,
                              const note::Signature& cosignature);

}  // namespace vitrine::monitor::internal

#endif  // VITRINE_MONITOR_WITNESS_INTERNAL_ORIGIN_STATE_H_
