#include "monitor/gossip/verified_notes.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "monitor/witness/canonical_note.h"

namespace vitrine::monitor {

VerifiedNotes::VerifiedNotes(size_t capacity)
    : capacity_(capacity < 1 ? 1 : capacity) {}

absl::StatusOr<OpenedCheckpoint> VerifiedNotes::Open(
    absl::string_view signed_note, absl::string_view origin,
    const note::VerifierSet& keys) {
  // Parsing is cheap and bounded (note::NoteLimits); only then a lookup.
  absl::StatusOr<note::Note> parsed = note::ParseNote(signed_note);
  if (!parsed.ok()) return parsed.status();
  OpenedCheckpoint opened;
  opened.canonical_note =
      FormatCanonicalNote(parsed->text, LinesByKeys(*parsed, keys));
  const merkle::Hash key = merkle::HashLeaf(
      absl::StrCat(origin, std::string(1, '\0'), opened.canonical_note));
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      ++hits_;
      opened.checkpoint = it->second;
      return opened;
    }
  }
  // Verifying the canonical note is verifying the original: lines by other
  // keys are ignored by OpenCheckpoint. It may still lack a log line
  // (PermissionDenied) or carry a forged one (InvalidArgument).
  absl::StatusOr<note::VerifiedCheckpoint> verified =
      note::OpenCheckpoint(signed_note, origin, keys);
  if (!verified.ok()) return verified.status();
  opened.checkpoint = verified->checkpoint;
  absl::MutexLock lock(&mu_);
  ++verified_;
  if (entries_.emplace(key, opened.checkpoint).second) {
    order_.push_back(key);
    while (order_.size() > capacity_) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }
  return opened;
}

uint64_t VerifiedNotes::hits() const {
  absl::MutexLock lock(&mu_);
  return hits_;
}

uint64_t VerifiedNotes::verified() const {
  absl::MutexLock lock(&mu_);
  return verified_;
}

}  // namespace vitrine::monitor
