#include "monitor/witness/canonical_note.h"

#include <set>
#include <utility>

namespace vitrine::monitor {

note::Note CanonicalNote(absl::string_view text,
                         absl::Span<const note::Signature> lines) {
  note::Note canonical;
  canonical.text = std::string(text);
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const note::Signature& line : lines) {
    if (seen.insert({line.name, line.key_id}).second) {
      canonical.signatures.push_back(line);
    }
  }
  return canonical;
}

std::string FormatCanonicalNote(absl::string_view text,
                                absl::Span<const note::Signature> lines) {
  return note::FormatNote(CanonicalNote(text, lines));
}

std::vector<note::Signature> LinesByKeys(const note::Note& note,
                                         const note::VerifierSet& keys) {
  std::vector<note::Signature> kept;
  for (const note::Signature& line : note.signatures) {
    if (keys.Find(line.name, line.key_id) != nullptr) kept.push_back(line);
  }
  return kept;
}

std::string CanonicalNoteByKeys(absl::string_view signed_note,
                                const note::VerifierSet& keys) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(signed_note);
  if (!parsed.ok()) return std::string(signed_note);
  return FormatCanonicalNote(parsed->text, LinesByKeys(*parsed, keys));
}

}  // namespace vitrine::monitor
