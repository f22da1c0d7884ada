// Runs the operator's build recipe for one release and hashes what it
// built: a fresh job folder, a clean environment, a time limit, and the
// recipe's whole process group killed when it ends, whatever the ending.
//
//   RecipeRunnerOptions options;
//   options.recipe = "git clone -q \"$VITRINE_SOURCE\" src && make -C src "
//                    "OUT=\"$VITRINE_OUTPUT\"";
//   options.timeout = absl::Minutes(30);
//   RecipeRunner runner(options);
//   RecipeJob job{"/data/work/41", "/data/logs/41.log", "example.com/acme",
//                 "acme-cli.tar.gz", "1.4.2", "https://git.example.com/acme"};
//   VITRINE_ASSIGN_OR_RETURN(RecipeResult result, runner.Run(job));
//   if (result.outcome == RecipeOutcome::kBuilt) ... result.sha256 ...
//
// A job, step by step:
//   1. Processes still working for this job (a build interrupted by a
//      crash of the daemon, internal/leftovers.h) are killed; job.dir
//      (made absolute) is removed if it exists and created empty with two
//      folders: build/ (the working directory and HOME) and output/
//      (VITRINE_OUTPUT, empty).
//   2. The recipe runs as `/bin/sh -c <recipe>` - inside bwrap when
//      options.bwrap is set (sandbox.h) - in a new session and process
//      group (posix_spawn with POSIX_SPAWN_SETSID: no shell of the daemon's
//      own), with no signal blocked or ignored, stdin /dev/null, stdout and
//      stderr appended to job.log_path after a header line, no other file
//      descriptor, and exactly this environment:
//        PATH=/usr/bin:/bin  HOME=<job.dir>/build  LANG=C.UTF-8
//        VITRINE_VENDOR, VITRINE_ARTIFACT, VITRINE_VERSION, VITRINE_SOURCE
//          (the release statement's values, byte for byte: quote them)
//        VITRINE_OUTPUT=<job.dir>/output
//      (SOURCE_DATE_EPOCH and everything else the daemon has are unset.)
//   3. When the recipe's process exits, or options.timeout passes, or
//      Cancel is called, SIGKILL goes to its whole process group (so no
//      background child outlives it), then it is reaped. Children that
//      made a session of their own escape the group: bwrap's pid namespace
//      catches those too (the sandbox dies with its first process). If the
//      daemon itself is killed (SIGKILL, a crash), bwrap's
//      --die-with-parent ends the sandbox; without bwrap the recipe's
//      processes outlive the daemon until the restarted daemon rebuilds
//      that release (step 1 kills them first, unless the recipe cleared
//      its environment).
//   4. Exit status 0: the artifact is output/<job.artifact> if that is a
//      regular file (a name with '/' or "."/".." is never looked up), else
//      the only regular file in output/ (symbolic links are not followed);
//      none or several is a failure. Its SHA-256 is the result.
// The build log ends with a line saying how the job ended.
//
// Status codes: Run fails only for the rebuilder's own trouble (the job
// folder or log cannot be made, the shell cannot be started); whatever the
// recipe does is a RecipeResult.
//
// Thread-safety: one Run at a time (the worker's); Cancel from any thread.
#ifndef VITRINE_REBUILDER_RECIPE_RUNNER_H_
#define VITRINE_REBUILDER_RECIPE_RUNNER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "log/merkle/hash.h"

namespace vitrine::rebuilder {

struct RecipeRunnerOptions {
  // The command, given to /bin/sh -c. Required.
  std::string recipe;
  // How long a recipe may run; then its process group is killed.
  absl::Duration timeout = absl::Hours(1);
  // bwrap's path to run recipes inside it (sandbox.h); empty: no sandbox.
  std::string bwrap;
  // With bwrap: keep the host's network (sources are usually fetched).
  bool network = true;
  // With bwrap: host folders the recipe may read (a local source mirror).
  std::vector<std::string> read_only;
  // A running recipe is checked for its end after 1 ms, then at doubling
  // intervals up to this: a no-op recipe is seen to end within a
  // millisecond or two, an hour-long build costs a wake-up per interval.
  absl::Duration max_poll_interval = absl::Milliseconds(50);
};

// One release to rebuild.
struct RecipeJob {
  std::string dir;       // the job folder, e.g. <data>/work/<leaf index>
  std::string log_path;  // the build log, e.g. <data>/logs/<leaf index>.log
  std::string vendor;    // the release statement's values
  std::string artifact;
  std::string version;
  std::string source;
};

enum class RecipeOutcome {
  kBuilt,      // exit status 0 and one artifact: sha256 holds its digest
  kFailed,     // a non-zero exit, a signal, or no (or no single) artifact
  kTimedOut,   // killed after options.timeout
  kCancelled,  // killed by Cancel (shutdown): nothing to record
};

// Returns "built", "failed", "timed_out" or "cancelled".
absl::string_view OutcomeName(RecipeOutcome outcome);

struct RecipeResult {
  RecipeOutcome outcome = RecipeOutcome::kFailed;
  merkle::Hash sha256;        // kBuilt
  std::string artifact_path;  // kBuilt: the file hashed
  std::string reason;         // otherwise, e.g. "exit status 2"
  absl::Duration duration;    // from start to reaped
};

class RecipeRunner {
 public:
  explicit RecipeRunner(RecipeRunnerOptions options);

  // Runs `job` as described above.
  absl::StatusOr<RecipeResult> Run(const RecipeJob& job);

  // Removes `job`'s folder (its build log stays): a matching rebuild's
  // build tree is of no further use and builds are large.
  absl::Status Discard(const RecipeJob& job) const;

  // Kills the recipe running now, if any, and makes every later Run return
  // kCancelled at once (the daemon is stopping). Idempotent.
  void Cancel();

  const RecipeRunnerOptions& options() const { return options_; }

 private:
  // Waits for `pid` to exit (without reaping it: its process group id stays
  // taken), the deadline or Cancel; kBuilt here means "it ended by itself".
  RecipeOutcome Wait(int pid, absl::Time deadline);

  const RecipeRunnerOptions options_;
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_RECIPE_RUNNER_H_
