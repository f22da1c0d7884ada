// Pinning a benchmark's processes to CPUs, so that a load generator and
// the servers it measures do not share cores (issue 16: on a 2-core box a
// generator that takes a core of its own measures the server on the other,
// instead of both fighting over two).
//
//   VITRINE_RETURN_IF_ERROR(PinProcessTree(server_pid, {1}));  // server, its
//                                                             // children
//   VITRINE_RETURN_IF_ERROR(PinThreads(getpid(), {0}));       // this client
//
// Threads and processes started later by a pinned thread inherit its mask,
// so a server's thread pools grown after pinning stay on its CPUs.
//
// Thread-safety: thread-safe (each call reads /proc afresh).
#ifndef VITRINE_BENCH_INTERNAL_CPU_PINNING_H_
#define VITRINE_BENCH_INTERNAL_CPU_PINNING_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace vitrine::bench {

// Sets the CPU affinity of every thread of process `pid` to `cpus`.
// NotFound when the process is gone; Internal when the kernel refuses.
absl::Status PinThreads(pid_t pid, const std::vector<int>& cpus);

// PinThreads for `pid` and, recursively, every child process it has now
// (from /proc/<pid>/task/<tid>/children): an nginx master and its workers.
absl::Status PinProcessTree(pid_t pid, const std::vector<int>& cpus);

// Returns "0" or "0-2,5": `cpus` for a report line.
std::string DescribeCpus(const std::vector<int>& cpus);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_CPU_PINNING_H_
