#include "log/server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace vitrine::server {

absl::StatusOr<std::unique_ptr<RateLimiter>> RateLimiter::Create(
    RateLimiterOptions options, Clock clock) {
  if (!std::isfinite(options.rate_per_second) || options.rate_per_second < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate limit: rate_per_second must be finite and not negative, not ",
        options.rate_per_second));
  }
  if (options.rate_per_second > 0 &&
      !(std::isfinite(options.burst) && options.burst >= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate limit: burst must be at least 1, not ", options.burst));
  }
  if (clock == nullptr) clock = absl::Now;
  return std::unique_ptr<RateLimiter>(
      new RateLimiter(options, std::move(clock)));
}

absl::Status RateLimiter::Acquire(absl::string_view vendor, uint64_t n) {
  const double rate = options_.rate_per_second;
  if (rate == 0 || n == 0) return absl::OkStatus();
  const double wanted = static_cast<double>(n);
  if (wanted > options_.burst) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "vendor ", vendor, " asked for ", n,
        " statements at once, more than its burst of ", options_.burst,
        "; send fewer per request"));
  }
  const absl::Time now = clock_();
  double missing;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] =
        buckets_.try_emplace(vendor, Bucket{options_.burst, now});
    Bucket& bucket = it->second;
    // A clock that steps back must not drain (or overfill) the bucket.
    if (now > bucket.last) {
      const double elapsed = absl::ToDoubleSeconds(now - bucket.last);
      bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * rate);
      bucket.last = now;
    }
    if (bucket.tokens >= wanted) {
      bucket.tokens -= wanted;
      return absl::OkStatus();
    }
    missing = wanted - bucket.tokens;
  }
  const absl::Duration wait =
      absl::Ceil(absl::Seconds(missing / rate), absl::Milliseconds(1));
  // Key names hold no space, so a bucket name with one already says whose
  // it is (the log's rebuilders: "rebuilder <name>").
  const absl::string_view role =
      absl::StrContains(vendor, ' ') ? "" : "vendor ";
  return absl::ResourceExhaustedError(absl::StrCat(
      role, vendor, " is over its rate limit (", rate,
      " statements/s, burst ", options_.burst, "); retry in ",
      absl::FormatDuration(wait)));
}

}  // namespace vitrine::server
