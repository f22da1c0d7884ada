#include "rebuilder/recipe_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/file_digest.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "rebuilder/internal/job_folder.h"
#include "rebuilder/internal/leftovers.h"
#include "rebuilder/sandbox.h"

namespace vitrine::rebuilder {
namespace {

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Starts argv[0] (an absolute path) in a new session - so in its own
// process group, whose id is the returned pid - with `env`, `cwd`, stdin
// from /dev/null and stdout and stderr on `log_fd`, nothing else open, no
// signal blocked, every signal's disposition the default (the daemon
// blocks SIGTERM/SIGINT/SIGHUP in all threads and gRPC ignores SIGPIPE;
// neither belongs to a build).
absl::StatusOr<pid_t> Spawn(std::vector<std::string> argv, std::vector<std::string> env,
                            const std::string& cwd, int log_fd) {
  SpawnSetup setup;
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  int error = posix_spawnattr_setflags(
      &setup.attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (error == 0) error = posix_spawnattr_setsigmask(&setup.attr, &none);
  if (error == 0) error = posix_spawnattr_setsigdefault(&setup.attr, &all);
  if (error == 0) {
    error = posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null",
                                             O_RDONLY, 0);
  }
  if (error == 0) error = posix_spawn_file_actions_adddup2(&setup.actions, log_fd, STDOUT_FILENO);
  if (error == 0) error = posix_spawn_file_actions_adddup2(&setup.actions, log_fd, STDERR_FILENO);
  if (error == 0) error = posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (error == 0) error = posix_spawn_file_actions_addchdir_np(&setup.actions, cwd.c_str());
  if (error != 0) return ErrnoStatus(error, "preparing the recipe's process");
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  pid_t pid = -1;
  error = posix_spawn(&pid, c_argv[0], &setup.actions, &setup.attr, c_argv.data(), c_env.data());
  if (error != 0) return ErrnoStatus(error, absl::StrCat("starting ", argv[0]));
  return pid;
}

// Appends a line of the rebuilder's own to the build log; a failure only
// loses that line.
void LogLine(int fd, absl::string_view line) {
  const std::string text = absl::StrCat("vitrine-rebuilder: ", line, "\n");
  absl::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

// Describes a reaped process's status as a build log and report would.
std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return absl::StrCat("killed by signal ", WTERMSIG(status),
                        name == nullptr ? "" : absl::StrCat(" (SIG", name, ")"));
  }
  return absl::StrCat("wait status ", status);
}

}  // namespace

absl::string_view OutcomeName(RecipeOutcome outcome) {
  switch (outcome) {
    case RecipeOutcome::kBuilt: return "built";
    case RecipeOutcome::kFailed: return "failed";
    case RecipeOutcome::kTimedOut: return "timed_out";
    case RecipeOutcome::kCancelled: return "cancelled";
  }
  return "failed";
}

RecipeRunner::RecipeRunner(RecipeRunnerOptions options) : options_(std::move(options)) {}

absl::Status RecipeRunner::Discard(const RecipeJob& job) const { return RemoveTree(job.dir); }

void RecipeRunner::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
}

RecipeOutcome RecipeRunner::Wait(int pid, absl::Time deadline) {
  absl::Duration interval = absl::Milliseconds(1);
  while (true) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    // WNOWAIT: the zombie keeps the pid, so the group id cannot be reused
    // before the group is killed.
    const int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == pid) return RecipeOutcome::kBuilt;
    if (r != 0 && errno != EINTR) return RecipeOutcome::kBuilt;  // nothing left to wait for
    const absl::Time now = absl::Now();
    if (now >= deadline) return RecipeOutcome::kTimedOut;
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&cancelled_), std::min(interval, deadline - now))) {
      return RecipeOutcome::kCancelled;
    }
    interval = std::min(interval * 2, options_.max_poll_interval);
  }
}

absl::StatusOr<RecipeResult> RecipeRunner::Run(const RecipeJob& job) {
  RecipeResult result;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) {
      result.outcome = RecipeOutcome::kCancelled;
      result.reason = "the rebuilder is stopping";
      return result;
    }
  }
  // The recipe runs in build/, elsewhere than the daemon: every path it is
  // given must be absolute, whatever --data was (a relative data folder
  // would otherwise send its output nowhere).
  std::error_code error;
  const std::string dir = std::filesystem::absolute(job.dir, error).lexically_normal();
  if (error) {
    return absl::InternalError(absl::StrCat("the job folder ", job.dir, ": ", error.message()));
  }
  // A build of this job left by a rebuilder killed mid-build must not
  // write into this one's output (internal/leftovers.h). Only a job folder
  // that exists can have one: a first build skips the /proc scan (9-12%
  // of a no-op rebuild's throughput, bench/RESULTS.md).
  const int leftovers =
      PathExists(dir) ? internal::KillLeftovers(absl::StrCat(dir, "/output")) : 0;
  VITRINE_ASSIGN_OR_RETURN(const JobFolders folders, PrepareJobFolders(dir));
  VITRINE_RETURN_IF_ERROR(MakeDirs(std::string(ParentDir(job.log_path)), 0700));
  Fd log{::open(job.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (log.fd < 0) return ErrnoStatus(errno, absl::StrCat("creating ", job.log_path));
  LogLine(log.fd, absl::StrCat("rebuilding ", job.vendor, " ", job.artifact, " ", job.version,
                               " from ", job.source));
  if (leftovers > 0) {
    LogLine(log.fd, absl::StrCat("killed ", leftovers,
                                 " processes left by an interrupted build of this job"));
  }
  LogLine(log.fd, absl::StrCat("recipe: ", options_.recipe));
  LogLine(log.fd, options_.bwrap.empty() ? "sandbox: none" : "sandbox: bwrap");

  std::vector<std::string> argv;
  if (!options_.bwrap.empty()) {
    argv = BwrapArgv(options_.bwrap, dir, folders.build, options_.network,
                     options_.read_only);
  }
  argv.insert(argv.end(), {"/bin/sh", "-c", options_.recipe});
  std::vector<std::string> env = {
      "PATH=/usr/bin:/bin",
      absl::StrCat("HOME=", folders.build),
      "LANG=C.UTF-8",
      absl::StrCat("VITRINE_VENDOR=", job.vendor),
      absl::StrCat("VITRINE_ARTIFACT=", job.artifact),
      absl::StrCat("VITRINE_VERSION=", job.version),
      absl::StrCat("VITRINE_SOURCE=", job.source),
      absl::StrCat("VITRINE_OUTPUT=", folders.output),
  };
  const absl::Time start = absl::Now();
  VITRINE_ASSIGN_OR_RETURN(const pid_t pid,
                           Spawn(std::move(argv), std::move(env), folders.build, log.fd));
  result.outcome = Wait(pid, start + options_.timeout);
  // Whatever ended the wait, nothing of the recipe outlives it.
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.duration = absl::Now() - start;

  if (result.outcome == RecipeOutcome::kTimedOut) {
    result.reason = absl::StrCat("timed out after ", absl::FormatDuration(options_.timeout));
  } else if (result.outcome == RecipeOutcome::kCancelled) {
    result.reason = "cancelled: the rebuilder is stopping";
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.outcome = RecipeOutcome::kFailed;
    result.reason = DescribeStatus(status);
  } else if (absl::StatusOr<std::string> artifact = FindArtifact(folders.output, job.artifact);
             !artifact.ok()) {
    result.outcome = RecipeOutcome::kFailed;
    result.reason = std::string(artifact.status().message());
  } else if (absl::StatusOr<merkle::Hash> digest = client::HashFile(*artifact); !digest.ok()) {
    result.outcome = RecipeOutcome::kFailed;
    result.reason = std::string(digest.status().message());
  } else {
    result.artifact_path = *artifact;
    result.sha256 = *digest;
  }
  LogLine(log.fd, absl::StrCat(OutcomeName(result.outcome), ": ",
                               result.outcome == RecipeOutcome::kBuilt
                                   ? absl::StrCat("sha256 ", result.sha256.ToHex(), " of ",
                                                  result.artifact_path)
                                   : result.reason,
                               " (", absl::FormatDuration(result.duration), ")"));
  return result;
}

}  // namespace vitrine::rebuilder
