// Per-vendor rate limits: one token bucket per vendor name, so that one
// vendor's release storm (or a leaked vendor key) cannot starve the others
// of the log's write capacity (issue 5: "per-vendor rate limits").
//
//   VITRINE_ASSIGN_OR_RETURN(
//       std::unique_ptr<RateLimiter> limiter,
//       RateLimiter::Create({.rate_per_second = 2000, .burst = 10000}));
//   absl::Status ok = limiter->Acquire("example.com/acme");
//   // ResourceExhausted: "vendor example.com/acme is over its rate limit
//   //   (2000 statements/s, burst 10000); retry in 3ms"
//
// Each bucket holds up to `burst` tokens and refills continuously at
// `rate_per_second`; a new vendor starts with a full bucket. Acquire takes
// tokens or takes none: a refused call does not spend a partial amount.
//
// Memory: one small bucket per distinct vendor name ever passed in. The log
// only passes names of registered vendors whose signature verified, so the
// count is bounded by the registry, not by what clients send.
//
// Thread-safety: thread-safe; one mutex held for a hash lookup and a few
// arithmetic operations per call.
#ifndef VITRINE_LOG_SERVER_RATE_LIMITER_H_
#define VITRINE_LOG_SERVER_RATE_LIMITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace vitrine::server {

struct RateLimiterOptions {
  // Sustained statements per second per vendor: well above any release
  // pipeline, well below the log's ~15,000 durable adds/s. 0 turns the
  // limiter off (benchmarks, private logs).
  double rate_per_second = 2000;
  // Statements a vendor may send at once after being idle: a large release
  // (every artifact of a distribution) goes through without waiting. At
  // least 1 when the limiter is on.
  double burst = 10000;
};

class RateLimiter {
 public:
  // The time source; injectable so that tests control refills.
  using Clock = std::function<absl::Time()>;

  // InvalidArgument for a negative or non-finite rate, or a burst below 1
  // with limiting on.
  static absl::StatusOr<std::unique_ptr<RateLimiter>> Create(
      RateLimiterOptions options, Clock clock = absl::Now);

  // Takes `n` tokens from `vendor`'s bucket. ResourceExhausted, naming the
  // vendor, its limit and how long to wait before `n` tokens are there,
  // when the bucket holds fewer; also when n exceeds the burst, which no
  // wait can satisfy (the message says so). OK for n == 0.
  absl::Status Acquire(absl::string_view vendor, uint64_t n = 1);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
  };

  RateLimiter(RateLimiterOptions options, Clock clock)
      : options_(options), clock_(std::move(clock)) {}

  const RateLimiterOptions options_;
  const Clock clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_RATE_LIMITER_H_
