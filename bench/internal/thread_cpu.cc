#include "bench/internal/thread_cpu.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace vitrine::bench {
namespace {

std::string ReadSmall(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// utime + stime of a /proc/.../stat line, in seconds; -1 when unreadable.
double CpuOfStat(const std::string& stat) {
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 > stat.size()) return -1;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(paren + 2), ' ', absl::SkipEmpty());
  if (fields.size() < 13) return -1;
  double utime = 0, stime = 0;
  if (!absl::SimpleAtod(fields[11], &utime) || !absl::SimpleAtod(fields[12], &stime)) return -1;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

double MachineBusyCpuSeconds() {
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
  const std::string stat = ReadSmall("/proc/stat");
  const absl::string_view line = absl::string_view(stat).substr(0, stat.find('\n'));
  std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (fields.size() < 9 || fields[0] != "cpu") return 0;
  double busy = 0;
  for (size_t i = 1; i <= 8; ++i) {
    double ticks = 0;
    if (i == 4 || i == 5 || !absl::SimpleAtod(fields[i], &ticks)) continue;  // idle, iowait
    busy += ticks;
  }
  return busy / static_cast<double>(sysconf(_SC_CLK_TCK));
}

ThreadCpuSampler::ThreadCpuSampler(pid_t pid, absl::Duration period) : pid_(pid) {
  Sample(/*first=*/true);
  sampler_ = std::thread([this, period] {
    while (!stop_.load()) {
      absl::SleepFor(period);
      Sample(/*first=*/false);
    }
  });
}

ThreadCpuSampler::~ThreadCpuSampler() { Stop(); }

void ThreadCpuSampler::Sample(bool first) {
  std::error_code error;
  const std::string tasks = absl::StrCat("/proc/", pid_, "/task");
  for (std::filesystem::directory_iterator it(tasks, error), end; !error && it != end;
       it.increment(error)) {
    int tid = 0;
    if (!absl::SimpleAtoi(it->path().filename().string(), &tid)) continue;
    const double cpu = CpuOfStat(ReadSmall(it->path().string() + "/stat"));
    if (cpu < 0) continue;  // ended meanwhile
    absl::MutexLock lock(&mu_);
    auto [thread, born] = threads_.try_emplace(tid);
    if (born) {
      thread->second.name = std::string(
          absl::StripTrailingAsciiWhitespace(ReadSmall(it->path().string() + "/comm")));
      thread->second.first = first ? cpu : 0;
    }
    thread->second.last = cpu;
  }
}

std::map<std::string, double> ThreadCpuSampler::Stop() {
  if (sampler_.joinable()) {
    stop_.store(true);
    sampler_.join();
    Sample(/*first=*/false);
  }
  std::map<std::string, double> by_name;
  absl::MutexLock lock(&mu_);
  for (const auto& [tid, thread] : threads_) by_name[thread.name] += thread.last - thread.first;
  return by_name;
}

}  // namespace vitrine::bench
