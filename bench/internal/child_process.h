// Child processes for the benchmarks: a command started with its stdout
// collected and its stderr shared, waited for with a deadline, killed when
// the benchmark dies. LogChild (log_child.h) starts the log server with
// these; backup_bench times `vitrine-log backup` and `restore` with them.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> backup,
//       ChildProcess::Start({binary, "backup", "--data=" + data, "--to=" + to}));
//   while (!backup->Poll().has_value()) { ... measure meanwhile ... }
//   std::string printed = backup->Output();
//
// Every child gets PR_SET_PDEATHSIG(SIGTERM): it stops when the thread that
// started it exits, so start children from the main thread.
// Thread-safety: the free functions are thread-safe; a ChildProcess has one
// owner (Output may be called from any thread).
#ifndef VITRINE_BENCH_INTERNAL_CHILD_PROCESS_H_
#define VITRINE_BENCH_INTERNAL_CHILD_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace vitrine::bench {

// Starts `args` (args[0] is the binary's path) with stdout on a pipe,
// returned in *stdout_fd (close it when done), and stderr inherited - or
// appended to `stderr_path` when one is given (a chatty daemon's lines kept
// out of the benchmark's report). Internal when pipe, open or fork fails;
// an exec failure is exit code 127.
absl::StatusOr<pid_t> StartChild(const std::vector<std::string>& args, int* stdout_fd,
                                 const std::string& stderr_path = "");

// Reads one line (without its newline) from `fd`, waiting until `deadline`;
// `buffer` carries what was read past the line. NotFound at end of file,
// DeadlineExceeded on timeout.
absl::StatusOr<std::string> ReadLine(int fd, absl::Time deadline, std::string& buffer);

// Reads a server's "ready" banner from `fd`: lines "  <name>: <value>"
// (leading white space and the value's surrounding white space dropped)
// until the one named `last`, end of file or `deadline`. Returns name ->
// value for every such line; `text` gets every line read, for errors.
std::map<std::string, std::string> ReadBanner(int fd, absl::Time deadline,
                                              absl::string_view last, std::string& text);

// Returns the binary at workspace path `path` (e.g. "log/server/vitrine-log")
// in this binary's Bazel runfiles ($RUNFILES_DIR, then /proc/self/exe's and
// `argv0`'s .runfiles folders): the first that exists, else the last
// candidate (so the error names it).
std::string RunfilesBinary(const char* argv0, absl::string_view path);

// Returns "host:port" of a banner's URL value ("http://host:port (...)").
std::string HostPortOfUrl(absl::string_view url);

// Runs `args` to completion (killed after `timeout`) and returns what
// follows `prefix` on the first stdout line starting with it - e.g.
// "verifier key: " of an init command. Internal, with the output, when the
// command fails or prints no such line.
absl::StatusOr<std::string> RunForLine(const std::vector<std::string>& args,
                                       absl::string_view prefix, absl::Duration timeout);

// Waits for `pid` up to `timeout`, then SIGKILLs it. Returns its exit code,
// or 128 + the signal that ended it.
int WaitOrKill(pid_t pid, absl::Duration timeout);

// Sends SIGTERM to `pid` and waits for it up to `grace`, then SIGKILLs it.
// Returns its exit code, or 128 + the signal that ended it.
int TerminateChild(pid_t pid, absl::Duration grace);

// Returns the CPU seconds (user + system) process `pid` has used so far (0
// when it cannot be read).
double CpuSecondsOf(pid_t pid);

// Returns the CPU seconds (user + system) of `pid`'s children that it has
// waited for (proc(5) cutime + cstime): e.g. a daemon's build recipes.
double ReapedChildrenCpuSecondsOf(pid_t pid);

// A command run to completion in the background, its stdout collected.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& args);
  // Kills the child (SIGKILL) if it is still running, and reaps it.
  ~ChildProcess();

  // Returns the exit code (128 + signal) once the child has exited, nullopt
  // while it runs. Does not block.
  std::optional<int> Poll();
  // Waits up to `timeout`, then SIGKILLs; returns the exit code.
  int Wait(absl::Duration timeout);
  // What the child printed on stdout so far (all of it after it exited).
  std::string Output() const;
  // When Start returned, and when Poll or Wait first saw the exit.
  absl::Time started() const { return started_; }
  absl::Time exited() const { return exited_; }
  pid_t pid() const { return pid_; }

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  std::optional<int> code_;
  absl::Time started_;
  absl::Time exited_ = absl::InfiniteFuture();
  std::thread reader_;  // reads stdout until end of file
  mutable absl::Mutex mu_;
  std::string output_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_CHILD_PROCESS_H_
