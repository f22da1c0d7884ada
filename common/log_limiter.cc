#include "common/log_limiter.h"

#include <utility>

namespace vitrine {

LogLimiter::LogLimiter(LogLimiterOptions options, Clock clock)
    : options_(std::move(options)), clock_(std::move(clock)) {}

LogLimiter::Window& LogLimiter::WindowOf(absl::string_view peer,
                                         absl::Time now) {
  auto found = windows_.find(peer);
  if (found != windows_.end()) return found->second;
  if (windows_.size() >= options_.max_peers) {
    // Forget what has nothing left to report.
    absl::erase_if(windows_, [&](const auto& entry) {
      return entry.second.suppressed == 0 &&
             now - entry.second.start >= options_.window;
    });
    if (windows_.size() >= options_.max_peers) return untracked_;
  }
  Window& window = windows_[peer];
  window.start = now;
  return window;
}

LogLimiter::Admission LogLimiter::Admit(absl::string_view peer) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  Window& window = WindowOf(peer, now);
  if (now - window.start >= options_.window) {
    window.start = now;
    window.written = 0;
  }
  Admission admission;
  if (window.written >= options_.lines_per_window) {
    ++window.suppressed;
    return admission;
  }
  ++window.written;
  admission.write = true;
  admission.suppressed = std::exchange(window.suppressed, 0);
  return admission;
}

size_t LogLimiter::tracked_peers() const {
  absl::MutexLock lock(&mu_);
  return windows_.size();
}

}  // namespace vitrine
