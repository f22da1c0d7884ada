// C2SP checkpoints (c2sp.org/tlog-checkpoint): a log's signed tree head, a
// signed note whose text is
//
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]...
//
//   Checkpoint checkpoint{"example.com/log", 42, root, {}};
//   VITRINE_ASSIGN_OR_RETURN(std::string signed_note,
//                            SignCheckpoint(checkpoint, *log_signer));
//   ...
//   VITRINE_ASSIGN_OR_RETURN(VerifiedCheckpoint verified,
//       OpenCheckpoint(signed_note, "example.com/log", log_keys));
//   // verified.checkpoint.size and .root may now be trusted.
//
// Status codes: as note.h for the note layer; InvalidArgument for a
// malformed body and for a checkpoint of another origin than expected.
// Functions are thread-safe.
#ifndef VITRINE_LOG_NOTE_CHECKPOINT_H_
#define VITRINE_LOG_NOTE_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::note {

struct Checkpoint {
  // The log's identity; also the name of the key that signs it.
  std::string origin;
  // The number of leaves; the root covers leaves [0, size).
  uint64_t size = 0;
  // RFC 9162 root of the first `size` leaves (SHA-256("") when size is 0).
  merkle::Hash root;
  // Opaque non-empty lines after the root, without their newlines. The spec
  // does not recommend them; Vitrine's log writes none.
  std::vector<std::string> extensions;

  friend bool operator==(const Checkpoint& a, const Checkpoint& b) {
    return a.origin == b.origin && a.size == b.size && a.root == b.root &&
           a.extensions == b.extensions;
  }
};

// Returns the checkpoint's note text. InvalidArgument when a line would be
// empty or hold a newline or another control character.
absl::StatusOr<std::string> FormatCheckpoint(const Checkpoint& checkpoint);

// Parses a checkpoint's note text (tlog-checkpoint "Note text"): a non-empty
// origin, a tree size in decimal without leading zeros that fits in 64
// bits, a root of exactly 32 bytes in canonical padded base64, then
// non-empty extension lines; the text ends in a newline.
absl::StatusOr<Checkpoint> ParseCheckpoint(absl::string_view text);

// Returns the checkpoint signed by the log key as a note. The signer must be
// a type 0x01 key named like the origin (tlog-checkpoint "Signatures"), else
// InvalidArgument.
absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const Signer& log_signer);

// A checkpoint whose log signature verified.
struct VerifiedCheckpoint {
  Checkpoint checkpoint;
  // The note as parsed and verified; other signatures (for example witness
  // cosignatures) are in note.unknown unless `log_keys` knew them.
  VerifiedNote note;
};

// Verifies `signed_note` as a note against `log_keys` (one or more keys of
// the log, for key rotation) and parses its text as a checkpoint whose
// origin must equal `origin`. At least one verified signature must come
// from a type 0x01 key: a witness cosignature alone does not make a
// checkpoint (PermissionDenied).
absl::StatusOr<VerifiedCheckpoint> OpenCheckpoint(
    absl::string_view signed_note, absl::string_view origin,
    const VerifierSet& log_keys, const NoteLimits& limits = {});

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_CHECKPOINT_H_
