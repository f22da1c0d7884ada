#include "client/cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/time/clock.h"

namespace vitrine::cli {

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) == 1) {}

void Progress::Add(uint64_t n) {
  count_ += n;
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < absl::Milliseconds(100) && count_ != total_) return;
  last_draw_ = now;
  Draw();
}

void Progress::Draw() {
  drawn_ = true;
  if (total_ == 0) {
    std::fprintf(stderr, "\r%s %llu", label_.c_str(),
                 static_cast<unsigned long long>(count_));
  } else {
    std::fprintf(stderr, "\r%s %llu/%llu (%d%%)", label_.c_str(),
                 static_cast<unsigned long long>(count_),
                 static_cast<unsigned long long>(total_),
                 static_cast<int>(100 * count_ / total_));
  }
  std::fflush(stderr);
}

void Progress::Done() {
  if (done_ || !enabled_) return;
  done_ = true;
  if (!drawn_) return;
  Draw();
  std::fprintf(stderr, "\n");
}

}  // namespace vitrine::cli
