#include "bench/internal/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace vitrine::bench {

absl::StatusOr<pid_t> StartChild(const std::vector<std::string>& args, int* stdout_fd,
                                 const std::string& stderr_path) {
  int err = -1;
  if (!stderr_path.empty()) {
    err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err < 0) {
      return absl::InternalError(absl::StrCat("open ", stderr_path, ": ", std::strerror(errno)));
    }
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (err >= 0) close(err);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    if (err >= 0) close(err);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(126);  // the parent died before prctl
    dup2(fds[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
    if (err >= 0) dup2(err, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  if (err >= 0) close(err);
  *stdout_fd = fds[0];
  return pid;
}

absl::StatusOr<std::string> ReadLine(int fd, absl::Time deadline, std::string& buffer) {
  for (;;) {
    const size_t newline = buffer.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      return line;
    }
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (wait_ms <= 0) return absl::DeadlineExceededError("no line in time");
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(wait_ms));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::NotFoundError("end of output");
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

std::map<std::string, std::string> ReadBanner(int fd, absl::Time deadline,
                                              absl::string_view last, std::string& text) {
  std::map<std::string, std::string> fields;
  std::string buffer;
  for (;;) {
    absl::StatusOr<std::string> line = ReadLine(fd, deadline, buffer);
    if (!line.ok()) break;
    absl::StrAppend(&text, *line, "\n");
    const absl::string_view stripped = absl::StripAsciiWhitespace(*line);
    const size_t colon = stripped.find(':');
    if (colon == absl::string_view::npos) continue;
    const std::string name(stripped.substr(0, colon));
    fields[name] = std::string(absl::StripAsciiWhitespace(stripped.substr(colon + 1)));
    if (name == last) break;
  }
  return fields;
}

std::string RunfilesBinary(const char* argv0, absl::string_view path) {
  const char* runfiles = std::getenv("RUNFILES_DIR");
  std::vector<std::string> candidates;
  if (runfiles != nullptr) candidates.push_back(absl::StrCat(runfiles, "/vitrine/", path));
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  candidates.push_back(absl::StrCat(self, ".runfiles/vitrine/", path));
  candidates.push_back(absl::StrCat(argv0, ".runfiles/vitrine/", path));
  for (const std::string& candidate : candidates) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return candidates.back();
}

std::string HostPortOfUrl(absl::string_view url) {
  absl::ConsumePrefix(&url, "http://");
  return std::string(url.substr(0, url.find(' ')));
}

absl::StatusOr<std::string> RunForLine(const std::vector<std::string>& args,
                                       absl::string_view prefix, absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(args);
  if (!child.ok()) return child.status();
  const int code = (*child)->Wait(timeout);
  const std::string output = (*child)->Output();
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (code == 0 && absl::ConsumePrefix(&line, prefix)) return std::string(line);
  }
  return absl::InternalError(absl::StrCat(absl::StrJoin(args, " "), " exited with ", code,
                                          " and printed: ", output));
}

int WaitOrKill(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return -1;
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int TerminateChild(pid_t pid, absl::Duration grace) {
  kill(pid, SIGTERM);
  return WaitOrKill(pid, grace);
}

namespace {

// Returns the sum of two adjacent clock-tick fields of /proc/<pid>/stat in
// seconds: `first` counts fields after the parenthesised command name, from
// 0 (proc(5)'s field 14, utime, is 11 here; 16, cutime, is 13).
double StatSeconds(pid_t pid, size_t first) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<std::string> fields =
      absl::StrSplit(absl::string_view(stat).substr(paren + 2), ' ', absl::SkipEmpty());
  if (fields.size() < first + 2) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::strtod(fields[first].c_str(), nullptr) +
          std::strtod(fields[first + 1].c_str(), nullptr)) /
         ticks;
}

}  // namespace

double CpuSecondsOf(pid_t pid) { return StatSeconds(pid, 11); }

double ReapedChildrenCpuSecondsOf(pid_t pid) { return StatSeconds(pid, 13); }

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& args) {
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  int out = -1;
  absl::StatusOr<pid_t> pid = StartChild(args, &out);
  if (!pid.ok()) return pid.status();
  child->pid_ = *pid;
  child->started_ = absl::Now();
  ChildProcess* self = child.get();
  child->reader_ = std::thread([self, out] {
    char chunk[4096];
    for (;;) {
      const ssize_t n = read(out, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      absl::MutexLock lock(&self->mu_);
      self->output_.append(chunk, static_cast<size_t>(n));
    }
    close(out);
  });
  return child;
}

ChildProcess::~ChildProcess() {
  if (!code_.has_value()) {
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
  if (reader_.joinable()) reader_.join();
}

std::optional<int> ChildProcess::Poll() {
  if (code_.has_value()) return code_;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done != pid_) return std::nullopt;
  exited_ = absl::Now();
  code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (reader_.joinable()) reader_.join();  // the pipe's end follows the exit
  return code_;
}

int ChildProcess::Wait(absl::Duration timeout) {
  if (code_.has_value()) return *code_;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (std::optional<int> code = Poll(); code.has_value()) return *code;
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (std::optional<int> code = Poll(); code.has_value()) return *code;
  kill(pid_, SIGKILL);
  exited_ = absl::Now();
  code_ = WaitOrKill(pid_, absl::Seconds(10));
  if (reader_.joinable()) reader_.join();
  return *code_;
}

std::string ChildProcess::Output() const {
  absl::MutexLock lock(&mu_);
  return output_;
}

}  // namespace vitrine::bench
