#include "bench/internal/cpu_pinning.h"

#include <sched.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vitrine::bench {
namespace {

// The thread IDs of `pid`, from /proc/<pid>/task.
std::vector<pid_t> ThreadsOf(pid_t pid) {
  std::vector<pid_t> threads;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/task"), error)) {
    pid_t tid = 0;
    if (absl::SimpleAtoi(task.path().filename().string(), &tid)) {
      threads.push_back(tid);
    }
  }
  return threads;
}

}  // namespace

absl::Status PinThreads(pid_t pid, const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  const std::vector<pid_t> threads = ThreadsOf(pid);
  if (threads.empty()) {
    return absl::NotFoundError(absl::StrCat("no process ", pid));
  }
  for (pid_t tid : threads) {
    // A thread that ended since the listing is ESRCH: nothing to pin.
    if (sched_setaffinity(tid, sizeof(set), &set) != 0 && errno != ESRCH) {
      return absl::InternalError(absl::StrCat("pinning thread ", tid, " of ",
                                              pid, " to CPUs ",
                                              DescribeCpus(cpus), ": ",
                                              std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

absl::Status PinProcessTree(pid_t pid, const std::vector<int>& cpus) {
  if (absl::Status pinned = PinThreads(pid, cpus); !pinned.ok()) return pinned;
  for (pid_t tid : ThreadsOf(pid)) {
    std::ifstream children(absl::StrCat("/proc/", pid, "/task/", tid, "/children"));
    pid_t child = 0;
    while (children >> child) {
      if (absl::Status pinned = PinProcessTree(child, cpus);
          !pinned.ok() && !absl::IsNotFound(pinned)) {
        return pinned;
      }
    }
  }
  return absl::OkStatus();
}

std::string DescribeCpus(const std::vector<int>& cpus) {
  std::string text;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    absl::StrAppend(&text, text.empty() ? "" : ",", cpus[i]);
    if (j > i) absl::StrAppend(&text, "-", cpus[j]);
    i = j + 1;
  }
  return text;
}

}  // namespace vitrine::bench
