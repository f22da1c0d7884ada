#include "common/peer_budget.h"

#include <arpa/inet.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace vitrine {
namespace {

// The least time between two sweeps of a full table.
constexpr absl::Duration kSweepInterval = absl::Seconds(1);

// How long until `bucket` holds one token again, for the refusal message.
absl::Duration RefillTime(double tokens, double rate) {
  if (rate <= 0) return absl::InfiniteDuration();
  return absl::Ceil(absl::Seconds((1 - tokens) / rate), absl::Milliseconds(1));
}

}  // namespace

PeerBudget::PeerBudget(PeerBudgetOptions options, Clock clock)
    : options_(options), clock_(clock ? std::move(clock) : Clock(absl::Now)) {
  total_.tokens = options_.total_burst;
  total_.last = clock_();
}

std::string PeerBudget::AddressOf(absl::string_view peer) {
  absl::string_view rest = peer;
  if (absl::ConsumePrefix(&rest, "ipv4:")) {
    const size_t colon = rest.rfind(':');
    return std::string(colon == rest.npos ? rest : rest.substr(0, colon));
  }
  if (absl::ConsumePrefix(&rest, "ipv6:")) {
    // gRPC writes "[addr]:port", some versions URI-escaped ("%5B...%5D").
    std::string unescaped =
        absl::StrReplaceAll(rest, {{"%5B", "["}, {"%5D", "]"}, {"%25", "%"}});
    absl::string_view host = unescaped;
    if (absl::ConsumePrefix(&host, "[")) {
      const size_t close = host.find(']');
      if (close != host.npos) host = host.substr(0, close);
    }
    const size_t zone = host.find('%');  // "fe80::1%eth0"
    if (zone != host.npos) host = host.substr(0, zone);
    unsigned char bytes[16];
    const std::string host_string(host);
    if (inet_pton(AF_INET6, host_string.c_str(), bytes) != 1) {
      return std::string(peer);
    }
    // One host commonly owns a whole /64.
    std::fill(bytes + 8, bytes + 16, 0);
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, bytes, text, sizeof(text)) == nullptr) {
      return std::string(peer);
    }
    return absl::StrCat(text, "/64");
  }
  return std::string(peer);
}

void PeerBudget::Refill(Bucket& bucket, double rate, double burst,
                        absl::Time now) {
  // A clock that steps back must not drain (or overfill) the bucket.
  if (now <= bucket.last) return;
  bucket.tokens = std::min(
      burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.last) * rate);
  bucket.last = now;
}

void PeerBudget::Forget(Table& table, double rate, double burst,
                        absl::Time now) {
  for (auto it = table.begin(); it != table.end();) {
    Bucket& bucket = it->second;
    const bool idle = now - bucket.last >= options_.idle_forget;
    Refill(bucket, rate, burst, now);
    if (idle && bucket.tokens >= burst) {
      table.erase(it++);
    } else {
      ++it;
    }
  }
}

PeerBudget::Bucket* PeerBudget::Entry(Table& table, absl::Time& swept,
                                      absl::string_view key, double rate,
                                      double burst, absl::Time now) {
  auto it = table.find(key);
  if (it != table.end()) {
    Refill(it->second, rate, burst, now);
    return &it->second;
  }
  if (table.size() >= options_.max_tracked) {
    // A sweep reads the whole table: at most one a second, or peers that
    // keep a full table busy would make every new one cost a full scan.
    if (now - swept >= kSweepInterval) {
      swept = now;
      Forget(table, rate, burst, now);
    }
    if (table.size() >= options_.max_tracked) return nullptr;
  }
  Bucket& bucket = table.try_emplace(key).first->second;
  bucket.tokens = burst;
  bucket.last = now;
  return &bucket;
}

absl::Status PeerBudget::Check(absl::string_view peer) {
  if (!options_.enabled) return absl::OkStatus();
  const absl::Time now = clock_();
  const std::string address = AddressOf(peer);
  absl::MutexLock lock(&mu_);
  auto conn = connections_.find(peer);
  if (conn != connections_.end()) {
    Bucket& bucket = conn->second;
    Refill(bucket, options_.connection_rate, options_.connection_burst, now);
    if (bucket.tokens < 1) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "this connection sent too many signatures that failed to verify (",
          options_.connection_rate, "/s, burst ", options_.connection_burst,
          "); retry in ",
          absl::FormatDuration(
              RefillTime(bucket.tokens, options_.connection_rate))));
    }
    if (bucket.credited) return absl::OkStatus();
  }
  auto addr = addresses_.find(address);
  if (addr != addresses_.end()) {
    Bucket& bucket = addr->second;
    Refill(bucket, options_.address_rate, options_.address_burst, now);
    if (bucket.tokens < 1) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "address ", address,
          " sent too many signatures that failed to verify (",
          options_.address_rate, "/s, burst ", options_.address_burst,
          "); retry in ",
          absl::FormatDuration(
              RefillTime(bucket.tokens, options_.address_rate))));
    }
  }
  Refill(total_, options_.total_rate, options_.total_burst, now);
  if (total_.tokens < 1) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the server is refusing unproven clients: too many signatures failed "
        "to verify (",
        options_.total_rate, "/s in all); retry in ",
        absl::FormatDuration(RefillTime(total_.tokens, options_.total_rate))));
  }
  return absl::OkStatus();
}

void PeerBudget::ChargeFailure(absl::string_view peer) {
  if (!options_.enabled) return;
  const absl::Time now = clock_();
  const std::string address = AddressOf(peer);
  absl::MutexLock lock(&mu_);
  Bucket* conn = Entry(connections_, connections_swept_, peer,
                       options_.connection_rate, options_.connection_burst, now);
  if (conn != nullptr) conn->tokens = std::max(0.0, conn->tokens - 1);
  if (conn != nullptr && conn->credited) return;
  Bucket* addr = Entry(addresses_, addresses_swept_, address,
                       options_.address_rate, options_.address_burst, now);
  if (addr != nullptr) addr->tokens = std::max(0.0, addr->tokens - 1);
  Refill(total_, options_.total_rate, options_.total_burst, now);
  total_.tokens = std::max(0.0, total_.tokens - 1);
}

void PeerBudget::CreditSuccess(absl::string_view peer) {
  if (!options_.enabled) return;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(peer);
  if (it != connections_.end() && it->second.credited) return;
  Bucket* conn = Entry(connections_, connections_swept_, peer,
                       options_.connection_rate, options_.connection_burst, now);
  if (conn != nullptr) conn->credited = true;
}

size_t PeerBudget::tracked_connections() const {
  absl::MutexLock lock(&mu_);
  return connections_.size();
}

size_t PeerBudget::tracked_addresses() const {
  absl::MutexLock lock(&mu_);
  return addresses_.size();
}

}  // namespace vitrine
