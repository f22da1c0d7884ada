// The canonical form of a checkpoint note, the only form vitrine-monitor
// stores, serves and gossips (issue 11): the checkpoint text, the log's own
// signature line(s), and the cosignature lines the monitor verified or made
// itself. Any other signature line - another witness's, or junk a peer
// padded a genuine checkpoint with - is dropped, so what a peer sends can
// never grow what the monitor keeps or passes on.
//
//   VITRINE_ASSIGN_OR_RETURN(note::VerifiedNote verified,
//                            note::OpenNote(pushed, log_keys));
//   std::string stored = FormatCanonicalNote(verified.note.text,
//                                            verified.verified);
//
//   // A note whose log lines were verified before (a followed log's head):
//   std::string sent = CanonicalNoteByKeys(head.signed_note, log.log_keys());
//
// Nothing here verifies a signature: callers pass lines they verified (or
// made). Functions are pure and thread-safe.
#ifndef VITRINE_MONITOR_WITNESS_CANONICAL_NOTE_H_
#define VITRINE_MONITOR_WITNESS_CANONICAL_NOTE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/note/note.h"

namespace vitrine::monitor {

// Returns the note made of `text` and `lines` in their order, each key
// (name and key ID) once: the first of its lines is kept. `text` must be a
// valid note text (a parsed note's).
note::Note CanonicalNote(absl::string_view text,
                         absl::Span<const note::Signature> lines);

// Returns FormatNote(CanonicalNote(text, lines)).
std::string FormatCanonicalNote(absl::string_view text,
                                absl::Span<const note::Signature> lines);

// Returns the lines of `note` whose (name, key ID) is in `keys`, in note
// order. Verifies nothing.
std::vector<note::Signature> LinesByKeys(const note::Note& note,
                                         const note::VerifierSet& keys);

// Returns `signed_note` keeping only the lines by `keys` (each key once),
// for a note whose lines by those keys were verified when it was received.
// A note that does not parse is returned unchanged (the caller verified
// it, so this does not happen).
std::string CanonicalNoteByKeys(absl::string_view signed_note,
                                const note::VerifierSet& keys);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_WITNESS_CANONICAL_NOTE_H_
