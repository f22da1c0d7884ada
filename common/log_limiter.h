// Per-peer limits on log lines: a peer that sends a thousand bad requests a
// second must not fill the disk, or bury the one line an operator needs.
//
//   LogLimiter limiter(LogLimiterOptions{});
//   LogLimiter::Admission admission =
//       limiter.Admit(PeerBudget::AddressOf(context->peer()));
//   if (admission.suppressed > 0) {
//     std::fprintf(stderr, "...: suppressed %llu lines from peer %s\n", ...);
//   }
//   if (admission.write) std::fprintf(stderr, "...: rejected from %s: ...\n", ...);
//
// Each peer key gets `lines_per_window` lines per `window` (a fixed window
// that starts with the peer's first line). The lines over the limit are
// counted, not written; the first line admitted after the window ends
// carries their number (Admission::suppressed), so the caller writes one
// "suppressed K lines" line before it. A peer that stops sending leaves its
// count unreported until it sends again.
//
// Memory: at most `max_peers` keys. When a new key arrives and the table is
// full, the keys whose window is over and that suppressed nothing are
// forgotten; when none is, the new key shares one bucket ("" in Admit) with
// every other untracked key: a flood of addresses is limited as one peer.
//
// Thread-safety: thread-safe; one mutex held for a hash lookup (and, when
// the table is full, one pass over it).
#ifndef VITRINE_COMMON_LOG_LIMITER_H_
#define VITRINE_COMMON_LOG_LIMITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vitrine {

struct LogLimiterOptions {
  // Lines per peer per window: enough to see what a misconfigured peer
  // does wrong, too few to flood anything.
  uint64_t lines_per_window = 10;
  absl::Duration window = absl::Minutes(1);
  // Peers tracked at once (each about 100 bytes).
  size_t max_peers = 4096;
};

class LogLimiter {
 public:
  using Clock = std::function<absl::Time()>;

  // What to do with one line from a peer.
  struct Admission {
    bool write = false;       // write the line
    uint64_t suppressed = 0;  // lines not written since this peer's last
                              // written one; report them first when > 0
  };

  // `clock` is injectable so that tests control the windows.
  explicit LogLimiter(LogLimiterOptions options, Clock clock = absl::Now);

  // Decides on one line from `peer` (any key: an address, a name) and
  // counts it.
  Admission Admit(absl::string_view peer);

  // The number of peer keys tracked now (for tests).
  size_t tracked_peers() const;

 private:
  struct Window {
    absl::Time start;
    uint64_t written = 0;
    uint64_t suppressed = 0;
  };

  // Finds or makes `peer`'s window; the shared bucket when the table is
  // full and nothing can be forgotten.
  Window& WindowOf(absl::string_view peer, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const LogLimiterOptions options_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Window> windows_ ABSL_GUARDED_BY(mu_);
  Window untracked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_LOG_LIMITER_H_
