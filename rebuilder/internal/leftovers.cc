#include "rebuilder/internal/leftovers.h"

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace vitrine::rebuilder::internal {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// True when `pid`'s environment holds exactly `entry` ("NAME=value").
bool EnvironmentHolds(pid_t pid, const std::string& entry) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/environ"), std::ios::binary);
  if (!in) return false;  // gone, or not ours to read
  const std::string environ((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  // Entries are NUL-terminated: match a whole one.
  for (size_t at = 0; at < environ.size();) {
    const size_t end = environ.find('\0', at);
    const size_t stop = end == std::string::npos ? environ.size() : end;
    if (environ.compare(at, stop - at, entry) == 0) return true;
    at = stop + 1;
  }
  return false;
}

// The live processes (not zombies) marked for the job.
std::vector<pid_t> Marked(const std::string& entry) {
  std::vector<pid_t> marked;
  std::unique_ptr<DIR, DirCloser> proc(::opendir("/proc"));
  if (proc == nullptr) return marked;
  const pid_t self = ::getpid();
  while (const struct dirent* e = ::readdir(proc.get())) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid) || pid == self) continue;
    // A zombie's environ reads empty, so it never matches.
    if (EnvironmentHolds(pid, entry)) marked.push_back(pid);
  }
  return marked;
}

}  // namespace

int KillLeftovers(const std::string& output, absl::Duration patience) {
  const std::string entry = absl::StrCat("VITRINE_OUTPUT=", output);
  int killed = 0;
  const absl::Time deadline = absl::Now() + patience;
  for (std::vector<pid_t> marked = Marked(entry); !marked.empty();
       marked = Marked(entry)) {
    for (pid_t pid : marked) {
      if (::kill(pid, SIGKILL) == 0) ++killed;
    }
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return killed;
}

}  // namespace vitrine::rebuilder::internal
