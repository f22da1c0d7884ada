// Watches a vitrine-log from outside for the rebuilder benchmark: when did
// each release statement, and each rebuilder's rebuild statement about it,
// first appear in a checkpoint the log published? It follows the log as a
// monitor would - WatchCheckpoints, then GetEntries for each new range -
// but over plain gRPC without verifying anything (the rebuilders verify;
// this only needs times, and must not take the CPU they measure with).
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<RebuildWatcher> watcher,
//                            RebuildWatcher::Start(log->grpc_address(), 0));
//   ... releases logged, rebuilders at work ...
//   std::optional<absl::Time> r1 = watcher->RebuildSeen("bench.example/r1", "1.0.7");
//
// A statement's time is when the watcher received the first checkpoint
// covering it (before fetching the entries of the range), so it lags the
// log's publication by the stream's delivery only. Entries are told apart
// by their version line: the benchmark gives every release its own.
// Thread-safety: every method from any thread.
#ifndef VITRINE_BENCH_INTERNAL_REBUILD_WATCHER_H_
#define VITRINE_BENCH_INTERNAL_REBUILD_WATCHER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace vitrine::bench {

class RebuildWatcher {
 public:
  // Connects to the log at `address` and follows it on a thread of its own
  // from entry `after_size` on.
  static absl::StatusOr<std::unique_ptr<RebuildWatcher>> Start(const std::string& address,
                                                               uint64_t after_size);
  ~RebuildWatcher();  // Stop()

  // Returns when the release statement with `version` was first seen.
  std::optional<absl::Time> ReleaseSeen(const std::string& version) const;
  // Returns when `rebuilder`'s rebuild statement about `version` was first
  // seen.
  std::optional<absl::Time> RebuildSeen(const std::string& rebuilder,
                                        const std::string& version) const;
  // Returns how many rebuild statements by `rebuilder` were seen.
  uint64_t RebuildsBy(const std::string& rebuilder) const;
  // Returns how many entries were read (the size of the log seen).
  uint64_t size() const;
  // Returns the last trouble of the stream or a fetch (empty when none);
  // the watcher reconnects after 100 ms.
  std::string last_error() const;

  // Ends the stream and joins the thread. Idempotent.
  void Stop();

 private:
  struct Stamps {
    std::optional<absl::Time> release;
    std::map<std::string, absl::Time> rebuilds;  // rebuilder -> first seen
  };
  class Rep;  // the gRPC stubs, hidden from this header

  explicit RebuildWatcher(std::unique_ptr<Rep> rep, uint64_t after_size);
  void Loop();
  // Reads entries [size_, end) and stamps each with `seen`.
  absl::Status Fetch(uint64_t end, absl::Time seen);
  void Record(const std::string& leaf, absl::Time seen);

  std::unique_ptr<Rep> rep_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_ ABSL_GUARDED_BY(mu_) = nullptr;  // to cancel
  uint64_t size_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Stamps> by_version_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> rebuilds_by_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_REBUILD_WATCHER_H_
