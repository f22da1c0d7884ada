// A small fixed pool of threads that runs closures in FIFO order: where the
// Log service moves work off threads that must not be held up (the
// sequencer's single writer thread calls Add's completion callbacks; the
// inclusion proofs and response serialisation of an Add run here instead).
//
//   Executor executor(2);
//   executor.Schedule([call] { call->Complete(); });
//   // ~Executor runs everything still queued, then joins.
//
// Thread-safety: Schedule may be called from any thread, including an
// executor thread. Destroy only after every caller of Schedule is done.
#ifndef VITRINE_LOG_SERVER_EXECUTOR_H_
#define VITRINE_LOG_SERVER_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace vitrine::server {

class Executor {
 public:
  // Starts `threads` threads (at least one).
  explicit Executor(size_t threads);
  // Runs what is queued, then joins the threads.
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task` to run on one of the threads. Unbounded: callers bound
  // the work they schedule (the Log service schedules at most one task per
  // Add call in flight, and gRPC bounds those).
  void Schedule(absl::AnyInvocable<void() &&> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_EXECUTOR_H_
