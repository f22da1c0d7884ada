// Where a process's CPU went, by thread name, over an interval: for
// explaining what a phase of a benchmark cost (e.g. a backup's copy threads
// against the log's own). Threads that start and end within the interval
// are counted up to their last sample, so keep the period short.
//
//   ThreadCpuSampler sampler(log->pid(), absl::Milliseconds(200));
//   ... the phase ...
//   for (const auto& [name, seconds] : sampler.Stop()) ...
//
// Names are the kernel's thread names (/proc/<pid>/task/<tid>/comm, at most
// 15 bytes: "rocksdb:low", "backup_engine", ...).
// Thread-safety: one owner.
#ifndef VITRINE_BENCH_INTERNAL_THREAD_CPU_H_
#define VITRINE_BENCH_INTERNAL_THREAD_CPU_H_

#include <sys/types.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace vitrine::bench {

// Returns the CPU seconds all CPUs of the machine have spent busy (not idle,
// not waiting for I/O) since boot (/proc/stat): with a process's own CPU,
// tells how much of a phase went to other processes.
double MachineBusyCpuSeconds();

class ThreadCpuSampler {
 public:
  // Takes a first sample of `pid`'s threads, then one every `period` on a
  // thread of its own until Stop.
  ThreadCpuSampler(pid_t pid, absl::Duration period);
  // Stops sampling (if Stop was not called).
  ~ThreadCpuSampler();

  // Takes a last sample and returns the CPU seconds (user + system) each
  // thread name used since the first one; threads born meanwhile count from
  // zero.
  std::map<std::string, double> Stop();

 private:
  struct Thread {
    std::string name;
    double first = 0;  // CPU seconds at the first sample (0 if born later)
    double last = 0;
  };
  void Sample(bool first);

  const pid_t pid_;
  absl::Mutex mu_;
  std::map<pid_t, Thread> threads_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> stop_{false};
  std::thread sampler_;
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_THREAD_CPU_H_
