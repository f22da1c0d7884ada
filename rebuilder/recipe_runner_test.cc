#include "rebuilder/recipe_runner.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "rebuilder/sandbox.h"

namespace vitrine::rebuilder {
namespace {

// The file's content; "" when it cannot be read.
std::string ReadAll(const std::string& path) {
  return ReadSmallFile(path, 1 << 20).value_or("");
}

// True while `pid` is a process that has not exited (a zombie has).
bool Alive(pid_t pid) {
  const std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return false;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

class RecipeRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp == nullptr ? "/tmp" : tmp, "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  RecipeJob Job(int index = 1) const {
    return RecipeJob{absl::StrCat(dir_, "/work/", index),
                     absl::StrCat(dir_, "/logs/", index, ".log"),
                     "example.com/acme", "acme.tar.gz", "1.4.2",
                     "https://git.example.com/acme/cli/tree/v1.4.2"};
  }

  RecipeResult Run(const std::string& recipe, absl::Duration timeout = absl::Seconds(20),
                   const std::string& bwrap = "") {
    RecipeRunnerOptions options;
    options.recipe = recipe;
    options.timeout = timeout;
    options.bwrap = bwrap;
    RecipeRunner runner(options);
    absl::StatusOr<RecipeResult> result = runner.Run(Job());
    EXPECT_OK(result);
    return result.ok() ? *result : RecipeResult{};
  }

  // Expects the process whose pid the recipe wrote to background.pid to
  // be gone: it got SIGKILL with its group (its reaping is init's).
  void ExpectBackgroundDied() const {
    int background = 0;
    ASSERT_TRUE(absl::SimpleAtoi(
        absl::StripAsciiWhitespace(ReadAll(Job().dir + "/background.pid")), &background));
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (Alive(background) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    EXPECT_FALSE(Alive(background));
  }

  std::string dir_;
};

TEST_F(RecipeRunnerTest, HashesTheNamedArtifact) {
  const RecipeResult result = Run(
      "printf 'release bytes' > \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"; "
      "printf other > \"$VITRINE_OUTPUT/notes.txt\"; echo to-stdout; echo to-stderr >&2");
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
  EXPECT_EQ(result.sha256, merkle::Sha256("release bytes"));
  EXPECT_EQ(result.artifact_path, Job().dir + "/output/acme.tar.gz");
  const std::string log = ReadAll(Job().log_path);
  EXPECT_NE(log.find("vitrine-rebuilder: rebuilding example.com/acme acme.tar.gz 1.4.2 from "
                     "https://git.example.com/acme/cli/tree/v1.4.2\n"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("to-stdout\nto-stderr\n"), std::string::npos) << log;
  EXPECT_NE(log.find("vitrine-rebuilder: built: sha256 " + result.sha256.ToHex()),
            std::string::npos)
      << log;
}

// A daemon started with a relative --data gives relative job folders; the
// recipe, which runs in build/, still gets absolute ones.
TEST_F(RecipeRunnerTest, RelativeJobFoldersReachTheRecipeAbsolute) {
  ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir_.c_str()), 0);
  RecipeRunnerOptions options;
  options.recipe = "printf rel > \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"; echo \"$VITRINE_OUTPUT\"";
  options.timeout = absl::Seconds(20);
  RecipeRunner runner(options);
  RecipeJob job = Job();
  job.dir = "work/relative";
  job.log_path = "logs/relative.log";
  absl::StatusOr<RecipeResult> result = runner.Run(job);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_OK(result);
  ASSERT_EQ(result->outcome, RecipeOutcome::kBuilt) << result->reason;
  EXPECT_EQ(result->sha256, merkle::Sha256("rel"));
  EXPECT_NE(ReadAll(dir_ + "/logs/relative.log").find(dir_ + "/work/relative/output\n"),
            std::string::npos);
}

// A build of the same job left running by a rebuilder killed mid-build
// (no sandbox to end it) is killed before the folder is reused, so it
// cannot write into the new build's output.
TEST_F(RecipeRunnerTest, KillsWhatAnInterruptedBuildOfTheJobLeft) {
  const std::string output = Job().dir + "/output";
  std::filesystem::create_directories(output);  // the interrupted build's
  const pid_t leftover = ::fork();
  ASSERT_GE(leftover, 0);
  if (leftover == 0) {
    ::setsid();
    const std::string mark = "VITRINE_OUTPUT=" + output;
    char* const argv[] = {const_cast<char*>("/bin/sleep"), const_cast<char*>("60"), nullptr};
    char* const envp[] = {const_cast<char*>(mark.c_str()), nullptr};
    ::execve("/bin/sleep", argv, envp);
    ::_exit(127);
  }
  // Until its exec, the child's environment is still ours.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (ReadAll(absl::StrCat("/proc/", leftover, "/environ")).find("VITRINE_OUTPUT=") ==
             std::string::npos &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const RecipeResult result = Run("printf x > \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"");
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
  int status = 0;
  ASSERT_EQ(::waitpid(leftover, &status, 0), leftover);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  EXPECT_NE(ReadAll(Job().log_path)
                .find("killed 1 processes left by an interrupted build of this job"),
            std::string::npos)
      << ReadAll(Job().log_path);
}

TEST_F(RecipeRunnerTest, TheOnlyFileIsTheArtifactWhateverItsName) {
  const RecipeResult result = Run("printf x > \"$VITRINE_OUTPUT/acme-1.4.2.tgz\"");
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
  EXPECT_EQ(result.sha256, merkle::Sha256("x"));
}

TEST_F(RecipeRunnerTest, NoneOrSeveralFilesIsAFailure) {
  RecipeResult result = Run("mkdir \"$VITRINE_OUTPUT/sub\"");
  EXPECT_EQ(result.outcome, RecipeOutcome::kFailed);
  EXPECT_NE(result.reason.find("holds no regular file"), std::string::npos) << result.reason;
  result = Run("touch \"$VITRINE_OUTPUT/a\" \"$VITRINE_OUTPUT/b\"");
  EXPECT_EQ(result.outcome, RecipeOutcome::kFailed);
  EXPECT_NE(result.reason.find("holds 2 regular files"), std::string::npos) << result.reason;
}

TEST_F(RecipeRunnerTest, SymbolicLinksAreNotArtifacts) {
  const RecipeResult result =
      Run("ln -s /etc/passwd \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"");
  EXPECT_EQ(result.outcome, RecipeOutcome::kFailed);
  EXPECT_NE(result.reason.find("no regular file"), std::string::npos) << result.reason;
}

TEST_F(RecipeRunnerTest, AnArtifactNameIsNeverAPath) {
  RecipeRunnerOptions options;
  options.recipe = "printf inside > \"$VITRINE_OUTPUT/one\"; printf outside > ../outside";
  RecipeRunner runner(options);
  RecipeJob job = Job();
  job.artifact = "../outside";
  ASSERT_OK_AND_ASSIGN(RecipeResult result, runner.Run(job));
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
  EXPECT_EQ(result.sha256, merkle::Sha256("inside"));
}

TEST_F(RecipeRunnerTest, NonZeroExitAndSignalsFail) {
  RecipeResult result = Run("echo building; exit 3");
  EXPECT_EQ(result.outcome, RecipeOutcome::kFailed);
  EXPECT_EQ(result.reason, "exit status 3");
  EXPECT_NE(ReadAll(Job().log_path).find("vitrine-rebuilder: failed: exit status 3"),
            std::string::npos);
  result = Run("kill -9 $$");
  EXPECT_EQ(result.outcome, RecipeOutcome::kFailed);
  EXPECT_EQ(result.reason, "killed by signal 9 (SIGKILL)");
}

TEST_F(RecipeRunnerTest, CleanEnvironment) {
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  ::setenv("VITRINE_LEAK", "secret", 1);
  const RecipeResult result = Run("env > \"$VITRINE_OUTPUT/env\"; pwd > \"$HOME/../pwd\"");
  ::unsetenv("SOURCE_DATE_EPOCH");
  ::unsetenv("VITRINE_LEAK");
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
  const std::string env = ReadAll(result.artifact_path);
  const std::string build = Job().dir + "/build";
  for (const std::string& line :
       {std::string("PATH=/usr/bin:/bin"), "HOME=" + build, std::string("LANG=C.UTF-8"),
        std::string("VITRINE_VENDOR=example.com/acme"), std::string("VITRINE_ARTIFACT=acme.tar.gz"),
        std::string("VITRINE_VERSION=1.4.2"),
        std::string("VITRINE_SOURCE=https://git.example.com/acme/cli/tree/v1.4.2"),
        "VITRINE_OUTPUT=" + Job().dir + "/output"}) {
    EXPECT_NE(env.find(line + "\n"), std::string::npos) << line << " in\n" << env;
  }
  EXPECT_EQ(env.find("SOURCE_DATE_EPOCH"), std::string::npos) << env;
  EXPECT_EQ(env.find("VITRINE_LEAK"), std::string::npos) << env;
  EXPECT_EQ(ReadAll(Job().dir + "/pwd"), build + "\n");
}

TEST_F(RecipeRunnerTest, EachJobStartsInFreshEmptyFolders) {
  ASSERT_OK(MakeDirs(Job().dir + "/build/readonly", 0700));
  ASSERT_OK(WriteFileAtomically(Job().dir + "/build/readonly/left", "x", 0644));
  ASSERT_OK(MakeDirs(Job().dir + "/output", 0700));
  ASSERT_OK(WriteFileAtomically(Job().dir + "/output/old", "x", 0644));
  ASSERT_EQ(::chmod((Job().dir + "/build/readonly").c_str(), 0500), 0);
  const RecipeResult result = Run(
      "test -z \"$(ls -A)\" && test -z \"$(ls -A \"$VITRINE_OUTPUT\")\" && "
      "printf ok > \"$VITRINE_OUTPUT/a\"");
  EXPECT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
}

TEST_F(RecipeRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  const absl::Time start = absl::Now();
  const RecipeResult result =
      Run("sleep 60 & echo $! > \"$HOME/../background.pid\"; sleep 60", absl::Milliseconds(500));
  EXPECT_EQ(result.outcome, RecipeOutcome::kTimedOut);
  EXPECT_EQ(result.reason, "timed out after 500ms");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  ExpectBackgroundDied();
}

TEST_F(RecipeRunnerTest, NothingOutlivesASuccessfulRecipe) {
  const RecipeResult result = Run(
      "sleep 60 & echo $! > \"$HOME/../background.pid\"; printf x > \"$VITRINE_OUTPUT/a\"");
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt) << result.reason;
  ExpectBackgroundDied();
}

TEST_F(RecipeRunnerTest, CancelKillsTheRunningRecipeAndLaterOnes) {
  RecipeRunnerOptions options;
  options.recipe = "sleep 60";
  RecipeRunner runner(options);
  std::atomic<bool> done{false};
  absl::StatusOr<RecipeResult> result;
  std::thread worker([&] {
    result = runner.Run(Job());
    done = true;
  });
  absl::SleepFor(absl::Milliseconds(200));
  const absl::Time cancelled = absl::Now();
  runner.Cancel();
  worker.join();
  EXPECT_LT(absl::Now() - cancelled, absl::Seconds(5));
  ASSERT_OK(result);
  EXPECT_EQ(result->outcome, RecipeOutcome::kCancelled);
  ASSERT_OK_AND_ASSIGN(RecipeResult later, runner.Run(Job(2)));
  EXPECT_EQ(later.outcome, RecipeOutcome::kCancelled);
  EXPECT_FALSE(PathExists(Job(2).dir));
}

// Inside bwrap, where this host runs it: the system is read-only, the job
// folder writable, the host's other files out of sight.
TEST_F(RecipeRunnerTest, RunsInsideBubblewrap) {
  const std::optional<std::string> bwrap = FindBwrap();
  if (!bwrap.has_value()) GTEST_SKIP() << "bwrap is not installed";
  const RecipeResult probe = Run("printf x > \"$VITRINE_OUTPUT/a\"", absl::Seconds(20), *bwrap);
  if (probe.outcome != RecipeOutcome::kBuilt) {
    GTEST_SKIP() << "bwrap does not run here: " << probe.reason << "\n"
                 << ReadAll(Job().log_path);
  }
  const std::string marker = dir_ + "/outside-marker";
  ASSERT_OK(WriteFileAtomically(marker, "x", 0644));
  const RecipeResult result = Run(
      absl::StrCat("touch /usr/vitrine-probe 2>/dev/null && exit 10; ",
                   "test -e ", marker, " && exit 11; ",
                   "echo $$ > \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\""),
      absl::Seconds(20), *bwrap);
  ASSERT_EQ(result.outcome, RecipeOutcome::kBuilt)
      << result.reason << "\n" << ReadAll(Job().log_path);
  EXPECT_NE(ReadAll(Job().log_path).find("sandbox: bwrap"), std::string::npos);
}

}  // namespace
}  // namespace vitrine::rebuilder
