// The log's consistency proofs that gossip needs, fetched off gRPC's
// callback threads (issue 11, "Gossip flood stalls witnessing").
//
// When a peer gossips a checkpoint larger than this monitor's verified head
// without a usable proof, only the log can say whether it extends the head
// (peer_check.h). Asking the log from the Gossip handler blocked one of
// gRPC's callback threads per checkpoint for a round trip; a flood of such
// checkpoints (64 a request, hundreds of requests a second) held them all,
// and the log's pushes to the witness on the same server waited behind
// them. The fetcher asks the log once per (origin, old size, new size), on
// its own thread, and never blocks the caller:
//
//   ProofFetcher fetcher(fetch_from_log, {});
//   ProofLookup got = fetcher.Lookup("log.example/a", 10, 20, context->peer());
//   if (got.state == ProofLookup::kReady) {
//     ... got.proof (the log's proof, or its error) ...
//   } else {
//     ... judge the checkpoint later: a later exchange finds it cached ...
//   }
//
// Lookup of (origin, old_size, new_size):
//   kReady      answered from the cache: the log's proof, or the log's error
//               (errors are kept retry_after, then asked again);
//   kPending    already queued or being fetched, whoever asked first: this
//               caller is not charged;
//   kQueued     queued now, charged to the asking peer's address (one token
//               of its fetch budget, a PeerBudget of fetches);
//   kOverBudget the peer's address (or all peers together) asked for more
//               new fetches than the budget allows: nothing is queued;
//   kQueueFull  max_queued fetches wait already: nothing is queued.
// Nothing is ever refused for what is cached or pending, so a flood of one
// checkpoint costs one fetch whatever its rate, and a flood of distinct
// sizes costs at most the budget's rate in fetches.
//
// Thread-safety: thread-safe. The destructor stops the threads, waiting
// for fetches in flight (each bounded by the fetch function's deadline).
#ifndef VITRINE_MONITOR_GOSSIP_PROOF_FETCHER_H_
#define VITRINE_MONITOR_GOSSIP_PROOF_FETCHER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/peer_budget.h"
#include "log/merkle/hash.h"

namespace vitrine::monitor {

struct ProofFetcherOptions {
  // Fetch threads, each holding one call to a log at a time: proofs are a
  // few hashes, one thread keeps up with any honest gossip.
  int threads = 1;
  // Distinct fetches waiting for a thread; more are refused (kQueueFull):
  // bounds memory and how stale a queued question gets.
  size_t max_queued = 64;
  // Answers kept, the oldest dropped first: a proof is at most 63 hashes,
  // 1024 of them about 2 MiB.
  size_t max_cached = 1024;
  // How long the log's error is remembered before the question is asked
  // again: a log that is down is not asked once per gossiped checkpoint.
  absl::Duration retry_after = absl::Seconds(5);
  // New fetches one peer address may cause, per second and at once, and
  // all peers together: honest peers gossip once per round per log.
  double peer_rate = 2;
  double peer_burst = 8;
  double total_rate = 50;
  double total_burst = 200;
};

struct ProofLookup {
  enum State { kReady, kPending, kQueued, kOverBudget, kQueueFull };
  State state = kQueueFull;
  // kReady only: the log's proof or its error.
  absl::StatusOr<std::vector<merkle::Hash>> proof;
};

// Returns "ready", "pending", "queued", "over_budget", "queue_full".
const char* ProofLookupStateName(ProofLookup::State state);

struct ProofFetcherStats {
  uint64_t ready = 0;        // Lookups answered from the cache.
  uint64_t pending = 0;      // Lookups that joined a queued fetch.
  uint64_t queued = 0;       // Fetches queued.
  uint64_t over_budget = 0;  // Lookups refused by the budget.
  uint64_t queue_full = 0;   // Lookups refused by a full queue.
  uint64_t fetched = 0;      // Fetches done (the log answered a proof).
  uint64_t failed = 0;       // Fetches the log answered with an error.
};

class ProofFetcher {
 public:
  // The log's RFC 6962 consistency proof between two sizes of a log.
  using FetchFn = std::function<absl::StatusOr<std::vector<merkle::Hash>>(
      const std::string& origin, uint64_t old_size, uint64_t new_size)>;

  // Starts options.threads threads calling `fetch` (non-empty).
  ProofFetcher(FetchFn fetch, ProofFetcherOptions options);
  ~ProofFetcher();
  ProofFetcher(const ProofFetcher&) = delete;
  ProofFetcher& operator=(const ProofFetcher&) = delete;

  // Returns the answer for the question when cached, else queues it as
  // above, charged to `peer` (a gRPC peer string). Never blocks on a log.
  ProofLookup Lookup(const std::string& origin, uint64_t old_size,
                     uint64_t new_size, absl::string_view peer);

  // Waits until nothing is queued or in flight, or `timeout` passed; true
  // when idle. For tests and orderly shutdowns.
  bool WaitIdle(absl::Duration timeout);

  ProofFetcherStats Stats() const;

 private:
  using Key = std::tuple<std::string, uint64_t, uint64_t>;
  struct Entry {
    bool done = false;
    absl::StatusOr<std::vector<merkle::Hash>> proof;
    absl::Time done_at;
    uint64_t generation = 0;  // Matches done_order_ while current.
  };

  void Loop();
  void Store(const Key& key, absl::StatusOr<std::vector<merkle::Hash>> proof)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FetchFn fetch_;
  const ProofFetcherOptions options_;
  PeerBudget budget_;  // Of new fetches, per peer address.

  mutable absl::Mutex mu_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::deque<Key> queue_ ABSL_GUARDED_BY(mu_);
  // Done entries, oldest first, with their generation.
  std::deque<std::pair<Key, uint64_t>> done_order_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 0;
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  ProofFetcherStats stats_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_PROOF_FETCHER_H_
