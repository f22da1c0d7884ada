// A one-line counter on stderr for long work (submitting thousands of
// statements, following entries), drawn only when stderr is a terminal so
// that logs and pipes stay clean.
//
//   Progress progress("submitted", statements.size());
//   for (...) { ...; progress.Add(batch.size()); }
//   progress.Done();
//
// Not thread-safe: one thread draws.
#ifndef VITRINE_CLIENT_CLI_PROGRESS_H_
#define VITRINE_CLIENT_CLI_PROGRESS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace vitrine::cli {

class Progress {
 public:
  // `total` 0 means unknown (a plain counter, as when following).
  Progress(std::string label, uint64_t total);
  ~Progress() { Done(); }

  // Counts `n` more and redraws, at most 10 times a second.
  void Add(uint64_t n);
  // Draws the final count and ends the line (idempotent).
  void Done();

  bool enabled() const { return enabled_; }

 private:
  void Draw();

  const std::string label_;
  const uint64_t total_;
  const bool enabled_;
  uint64_t count_ = 0;
  bool drawn_ = false;
  bool done_ = false;
  absl::Time last_draw_ = absl::InfinitePast();
};

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_PROGRESS_H_
