#include "monitor/gossip/proof_fetcher.h"

#include <utility>

namespace vitrine::monitor {
namespace {

PeerBudgetOptions FetchBudget(const ProofFetcherOptions& options) {
  PeerBudgetOptions budget;
  // One bucket per address is the budget; a connection's is the same size
  // so that it never binds first.
  budget.connection_rate = options.peer_rate;
  budget.connection_burst = options.peer_burst;
  budget.address_rate = options.peer_rate;
  budget.address_burst = options.peer_burst;
  budget.total_rate = options.total_rate;
  budget.total_burst = options.total_burst;
  return budget;
}

}  // namespace

const char* ProofLookupStateName(ProofLookup::State state) {
  switch (state) {
    case ProofLookup::kReady:
      return "ready";
    case ProofLookup::kPending:
      return "pending";
    case ProofLookup::kQueued:
      return "queued";
    case ProofLookup::kOverBudget:
      return "over_budget";
    case ProofLookup::kQueueFull:
      return "queue_full";
  }
  return "unknown";
}

ProofFetcher::ProofFetcher(FetchFn fetch, ProofFetcherOptions options)
    : fetch_(std::move(fetch)),
      options_(options),
      budget_(FetchBudget(options_)) {
  const int threads = options_.threads < 1 ? 1 : options_.threads;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ProofFetcher::~ProofFetcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

ProofLookup ProofFetcher::Lookup(const std::string& origin, uint64_t old_size,
                                 uint64_t new_size, absl::string_view peer) {
  Key key(origin, old_size, new_size);
  ProofLookup lookup;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.done &&
      !it->second.proof.ok() &&
      absl::Now() - it->second.done_at >= options_.retry_after) {
    entries_.erase(it);  // Ask the log again.
    it = entries_.end();
  }
  if (it != entries_.end()) {
    if (it->second.done) {
      ++stats_.ready;
      lookup.state = ProofLookup::kReady;
      lookup.proof = it->second.proof;
    } else {
      ++stats_.pending;
      lookup.state = ProofLookup::kPending;
    }
    return lookup;
  }
  if (queue_.size() >= options_.max_queued) {
    ++stats_.queue_full;
    lookup.state = ProofLookup::kQueueFull;
    return lookup;
  }
  if (!budget_.Check(peer).ok()) {
    ++stats_.over_budget;
    lookup.state = ProofLookup::kOverBudget;
    return lookup;
  }
  budget_.ChargeFailure(peer);  // One new fetch spent.
  entries_.try_emplace(key);
  queue_.push_back(std::move(key));
  ++stats_.queued;
  lookup.state = ProofLookup::kQueued;
  return lookup;
}

void ProofFetcher::Loop() {
  auto work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stopping_ || !queue_.empty();
  };
  while (true) {
    Key key;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&work));
      if (stopping_) return;
      key = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
    }
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        fetch_(std::get<0>(key), std::get<1>(key), std::get<2>(key));
    absl::MutexLock lock(&mu_);
    --in_flight_;
    if (proof.ok()) {
      ++stats_.fetched;
    } else {
      ++stats_.failed;
    }
    Store(key, std::move(proof));
  }
}

void ProofFetcher::Store(const Key& key,
                         absl::StatusOr<std::vector<merkle::Hash>> proof) {
  Entry& entry = entries_[key];
  entry.done = true;
  entry.proof = std::move(proof);
  entry.done_at = absl::Now();
  entry.generation = ++next_generation_;
  done_order_.emplace_back(key, entry.generation);
  while (done_order_.size() > options_.max_cached) {
    auto& [oldest, generation] = done_order_.front();
    auto it = entries_.find(oldest);
    if (it != entries_.end() && it->second.done &&
        it->second.generation == generation) {
      entries_.erase(it);
    }
    done_order_.pop_front();
  }
}

bool ProofFetcher::WaitIdle(absl::Duration timeout) {
  auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return queue_.empty() && in_flight_ == 0;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

ProofFetcherStats ProofFetcher::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace vitrine::monitor
