// Fuzzes the signed-note parser and verifier (c2sp.org/signed-note):
//   - ParseNote never crashes, and whatever it accepts formats back to the
//     exact input bytes (note.h promises a canonical encoding);
//   - tighter NoteLimits only ever turn acceptance into rejection;
//   - OpenNote and VerifyNote over a fixed key set never crash, agree with
//     each other, and accept only notes with at least one verified signature
//     from a key in the set;
//   - AddSignature on an accepted note keeps every existing line byte for
//     byte and appends one that verifies.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "log/note/internal/fuzz_keys.h"
#include "log/note/note.h"

namespace {

using vitrine::note::AddSignature;
using vitrine::note::FormatNote;
using vitrine::note::Note;
using vitrine::note::NoteLimits;
using vitrine::note::OpenNote;
using vitrine::note::ParseNote;
using vitrine::note::VerifiedNote;
using vitrine::note::VerifierSet;
using vitrine::note::VerifyNote;
using vitrine::note::internal::FuzzKeys;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckVerified(const VerifiedNote& verified, const Note& note,
                   const VerifierSet& trusted) {
  Check(!verified.verified.empty());
  Check(verified.verified.size() + verified.unknown.size() ==
        note.signatures.size());
  Check(verified.note.text == note.text);
  for (const auto& signature : verified.verified) {
    Check(trusted.Find(signature.name, signature.key_id) != nullptr);
  }
  for (const auto& signature : verified.unknown) {
    Check(trusted.Find(signature.name, signature.key_id) == nullptr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const VerifierSet& trusted = FuzzKeys().all;

  absl::StatusOr<Note> note = ParseNote(input);
  // Small limits reject more but never accept what the defaults reject.
  const NoteLimits tight{/*max_size=*/256, /*max_signatures=*/2};
  if (ParseNote(input, tight).ok()) Check(note.ok());

  absl::StatusOr<VerifiedNote> opened = OpenNote(input, trusted);
  if (!note.ok()) {
    Check(!opened.ok());
    return 0;
  }
  Check(FormatNote(*note) == input);

  absl::StatusOr<VerifiedNote> verified = VerifyNote(*note, trusted);
  Check(opened.ok() == verified.ok());
  if (!opened.ok()) {
    Check(opened.status().code() == verified.status().code());
  } else {
    CheckVerified(*opened, *note, trusted);
    CheckVerified(*verified, *note, trusted);
  }

  // Signing is slow: only for notes that are short enough to be typical.
  if (input.size() <= 1024) {
    const auto& signer = *FuzzKeys().log_signer;
    absl::StatusOr<std::string> added = AddSignature(input, signer);
    if (added.ok()) {
      // AddSignature refused a note already holding a line of this key, so
      // every other line is unknown to a set of this key alone.
      Check(absl::StartsWith(*added, input));
      absl::StatusOr<VerifiedNote> reopened = OpenNote(*added, FuzzKeys().log);
      Check(reopened.ok() && reopened->verified.size() == 1 &&
            reopened->unknown.size() == note->signatures.size());
    }
  }
  return 0;
}
