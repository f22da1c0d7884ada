// Budgets of failed signature verifications per connection, per peer
// address and in total, so that a client forging signatures pays with its
// own budget and never with the machine's CPU or anyone else's quota
// (issue 11, "Bounded verification work").
//
// An Ed25519 verification costs 40-110 us; parsing a request costs a few.
// A server therefore asks Check before it verifies anything a peer sent,
// which is a hash lookup, and ChargeFailure after a signature by a known key
// failed to verify. Once a budget is spent the peer's requests are refused
// RESOURCE_EXHAUSTED before any verification, until the bucket refills.
//
//   PeerBudget budget(PeerBudgetOptions{});
//   absl::Status allowed = budget.Check(context->peer());
//   if (!allowed.ok()) return allowed;                // no Ed25519 spent
//   if (!verified) budget.ChargeFailure(context->peer());
//   else budget.CreditSuccess(context->peer());       // see "Credit" below
//
// Three token buckets, each refilling continuously:
//   - the connection's (the gRPC peer string "ipv4:10.1.2.3:40112" names one
//     TCP connection): a forger on one connection is throttled to
//     connection_rate failures/s whatever else happens;
//   - the address's (IPv4 /32, IPv6 /64, since one host owns a /64): opening
//     more connections buys no more failures;
//   - the whole server's: many addresses together cannot spend more than
//     total_rate verifications/s on failures.
// Credit: a connection that has proven a key (its request verified and did
// something only a key holder can do, see CreditSuccess) is held to its own
// connection budget only. An honest client behind the same NAT address as a
// forger, or on the same loopback in tests, keeps working while the
// address's and the server's budgets are spent.
//
// Memory: an entry per connection or address that failed or was credited,
// at most max_tracked of each. Entries whose bucket is full again and that
// were idle for idle_forget are forgotten when the table is full (a sweep
// at most once a second); when none can be, an untracked peer is judged by
// the total budget alone.
//
// Thread-safety: thread-safe; one mutex held for a few hash lookups.
#ifndef VITRINE_COMMON_PEER_BUDGET_H_
#define VITRINE_COMMON_PEER_BUDGET_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vitrine {

struct PeerBudgetOptions {
  // Failed verifications per second one connection may cause, and at once:
  // an honest client with a wrong key learns from its first error; 20 at
  // once covers a batch retried a few times.
  double connection_rate = 1;
  double connection_burst = 20;
  // The same for one address (IPv4 /32, IPv6 /64): a few honest clients
  // behind one NAT, each misconfigured, still fit.
  double address_rate = 5;
  double address_burst = 100;
  // Failed verifications per second for the whole server, from peers
  // without credit: 1,000/s is at most about a tenth of one core of Ed25519.
  double total_rate = 1000;
  double total_burst = 5000;
  // Most connections and most addresses tracked (each about 100 bytes).
  size_t max_tracked = 100000;
  // A full bucket idle this long may be forgotten when the table is full.
  absl::Duration idle_forget = absl::Minutes(1);
  // Turns every check off (benchmarks, private logs behind authentication).
  bool enabled = true;
};

class PeerBudget {
 public:
  // The time source; injectable so that tests control refills.
  using Clock = std::function<absl::Time()>;

  explicit PeerBudget(PeerBudgetOptions options, Clock clock = absl::Now);

  // Returns OK when `peer` (a gRPC peer string; any other string is taken as
  // one connection of its own address) may spend verification work now;
  // ResourceExhausted naming the spent budget and when it refills otherwise.
  // Spends nothing.
  absl::Status Check(absl::string_view peer);

  // Charges one failed verification to the connection, its address and the
  // total.
  void ChargeFailure(absl::string_view peer);

  // Records that the connection proved a key: from now on Check holds it to
  // its own connection budget only. Call it only for what no forger can do
  // (a new entry signed by a registered key), never for a replay of public
  // data.
  void CreditSuccess(absl::string_view peer);

  // Counts for metrics and tests.
  size_t tracked_connections() const;
  size_t tracked_addresses() const;

  // Returns the address part of a gRPC peer string: "ipv4:1.2.3.4:5" gives
  // "1.2.3.4", "ipv6:[2001:db8:1:2:3::4]:5" gives "2001:db8:1:2::/64";
  // anything else is returned whole.
  static std::string AddressOf(absl::string_view peer);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time last;
    bool credited = false;  // connections only
  };
  using Table = absl::flat_hash_map<std::string, Bucket>;

  // Refills `bucket` to `now`.
  static void Refill(Bucket& bucket, double rate, double burst, absl::Time now);
  // Finds or makes the entry for `key`; nullptr when the table is full and
  // nothing could be forgotten.
  // `swept` is the table's last sweep, at most one a second.
  Bucket* Entry(Table& table, absl::Time& swept, absl::string_view key,
                double rate, double burst, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Forget(Table& table, double rate, double burst, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PeerBudgetOptions options_;
  const Clock clock_;
  mutable absl::Mutex mu_;
  Table connections_ ABSL_GUARDED_BY(mu_);
  Table addresses_ ABSL_GUARDED_BY(mu_);
  absl::Time connections_swept_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time addresses_swept_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  Bucket total_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_PEER_BUDGET_H_
