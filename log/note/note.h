// C2SP signed notes (c2sp.org/signed-note): text signed by one or more keys.
//
//   example.com/log\n           <- text: ends in a newline, may hold blank
//   42\n                           lines; ends at the LAST blank line
//   \n                          <- separating blank line
//   — example.com/log <base64(key ID || signature)>\n   <- 1..N lines
//
//   VITRINE_ASSIGN_OR_RETURN(std::string signed_note, SignNote(text, signer));
//   VerifierSet trusted;
//   VITRINE_RETURN_IF_ERROR(trusted.Add(std::move(verifier)));
//   VITRINE_ASSIGN_OR_RETURN(VerifiedNote note, OpenNote(signed_note, trusted));
//   // note.note.text may now be trusted.
//
// Parsing is strict and canonical: a note that parses formats back to the
// exact same bytes (FormatNote(*ParseNote(n)) == n), so a note's hash or
// its storage as a log entry is unambiguous.
//
// Status codes: InvalidArgument for a malformed note or a signature from a
// known key that does not verify (the note is forged or damaged);
// PermissionDenied when no known key signed it; ResourceExhausted when it is
// larger than NoteLimits allow.
//
// Functions are thread-safe; a VerifierSet may be read from many threads
// once built.
#ifndef VITRINE_LOG_NOTE_NOTE_H_
#define VITRINE_LOG_NOTE_NOTE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/note/signer.h"

namespace vitrine::note {

// Bounds on untrusted input (signed-note: "Verifiers SHOULD apply a maximum
// limit to the number of signatures").
struct NoteLimits {
  // 1 MiB: far above any checkpoint or release statement (16 KiB), small
  // enough that a hostile note costs little to reject.
  size_t max_size = 1 << 20;
  // The spec requires accepting at least 16; 100 leaves room for many
  // witnesses and key rotations while bounding verification work.
  size_t max_signatures = 100;
};

// One signature line: "— <name> base64(key ID || bytes)".
struct Signature {
  std::string name;
  uint32_t key_id = 0;
  std::string bytes;  // The signature after the key ID; at least one byte.

  friend bool operator==(const Signature& a, const Signature& b) {
    return a.name == b.name && a.key_id == b.key_id && a.bytes == b.bytes;
  }
};

// A parsed note. Nothing in it is trusted until OpenNote verified it.
struct Note {
  std::string text;  // Ends in "\n"; excludes the separating blank line.
  std::vector<Signature> signatures;  // In their order in the note.
};

// Returns OK when `text` may be the text of a note: non-empty, valid
// UTF-8, no control character but newline, ending in a newline, within
// limits.max_size.
absl::Status ValidateNoteText(absl::string_view text,
                              const NoteLimits& limits = {});

// Parses the syntax of a signed note without verifying any signature. Every
// rule of signed-note "Format" is enforced; signatures must be canonical
// padded base64 of at least 5 bytes; there must be 1..max_signatures lines.
absl::StatusOr<Note> ParseNote(absl::string_view signed_note,
                               const NoteLimits& limits = {});

// Returns one signature line, newline included.
std::string FormatSignatureLine(const Signature& signature);

// Returns the note's bytes: text, blank line, signature lines. The inverse
// of ParseNote for every note ParseNote accepts.
std::string FormatNote(const Note& note);

// Returns `signer`'s signature of `text` (which must pass ValidateNoteText).
absl::StatusOr<Signature> SignText(absl::string_view text,
                                   const Signer& signer);

// Returns `text` signed by `signer` as a complete note.
absl::StatusOr<std::string> SignNote(absl::string_view text,
                                     const Signer& signer);

// Returns `signed_note` with `signer`'s signature appended after the
// existing ones (which are kept byte for byte but not verified).
// InvalidArgument if the note already holds a line with the signer's name
// and key ID.
absl::StatusOr<std::string> AddSignature(absl::string_view signed_note,
                                         const Signer& signer,
                                         const NoteLimits& limits = {});

// The keys a reader trusts, looked up by (name, key ID) as signed-note
// requires. Verifiers are shared so that one key can sit in several sets.
class VerifierSet {
 public:
  // Adds a verifier; AlreadyExists if one with the same name and key ID is
  // already in the set.
  absl::Status Add(std::shared_ptr<const Verifier> verifier);
  // Returns the verifier for (name, key_id), or nullptr.
  const Verifier* Find(absl::string_view name, uint32_t key_id) const;
  size_t size() const { return verifiers_.size(); }

 private:
  std::map<std::pair<std::string, uint32_t>, std::shared_ptr<const Verifier>>
      verifiers_;
};

// A note whose text is vouched for by at least one trusted key.
struct VerifiedNote {
  Note note;
  // Signatures from known keys, all of which verified, in note order (a key
  // that signed twice appears twice).
  std::vector<Signature> verified;
  // Signatures from keys not in the set, ignored as the spec requires.
  std::vector<Signature> unknown;
};

// Parses `signed_note` and verifies it against `trusted` (signed-note,
// "Signatures"): lines from unknown keys are ignored, every line from a
// known key must verify (InvalidArgument naming the key otherwise), and at
// least one must be present (PermissionDenied otherwise).
absl::StatusOr<VerifiedNote> OpenNote(absl::string_view signed_note,
                                      const VerifierSet& trusted,
                                      const NoteLimits& limits = {});

// Verifies an already parsed note the same way.
absl::StatusOr<VerifiedNote> VerifyNote(Note note, const VerifierSet& trusted,
                                        const NoteLimits& limits = {});

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_NOTE_H_
