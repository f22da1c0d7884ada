// The recipe runner's file-system side: a job folder made fresh for each
// build, and the rule that picks the artifact out of the output folder
// (recipe_runner.h, steps 1 and 4).
//
//   VITRINE_ASSIGN_OR_RETURN(JobFolders folders, PrepareJobFolders(dir));
//   ... the recipe runs in folders.build, writes to folders.output ...
//   absl::StatusOr<std::string> artifact = FindArtifact(folders.output, name);
//
// Status codes: PrepareJobFolders and RemoveTree - common/file.h's for the
// OS's answers. FindArtifact - FailedPrecondition naming what the output
// folder held instead of one artifact (the recipe's fault, reported as a
// failed build), or the OS's answer reading the folder.
//
// Thread-safe (plain POSIX calls), as long as no two callers share a folder.
#ifndef VITRINE_REBUILDER_INTERNAL_JOB_FOLDER_H_
#define VITRINE_REBUILDER_INTERNAL_JOB_FOLDER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::rebuilder {

struct JobFolders {
  std::string build;   // <dir>/build: the working directory and HOME
  std::string output;  // <dir>/output: VITRINE_OUTPUT
};

// Removes `dir` if it exists (what an interrupted build left) and creates
// it with empty build/ and output/ folders.
absl::StatusOr<JobFolders> PrepareJobFolders(const std::string& dir);

// Removes `path` and everything below it, like `rm -rf`, including folders
// a build made read-only (Go's module cache is); symbolic links are
// removed, never followed. OK when nothing is there.
absl::Status RemoveTree(const std::string& path);

// Returns the path up to its last '/' ("." when there is none).
absl::string_view ParentDir(absl::string_view path);

// Returns the artifact in `output`: output/<artifact> when that is a
// regular file, else the only regular file in `output`. `artifact` comes
// from the log: a name holding '/' or being "." or ".." is never joined to
// the path. Symbolic links are not followed (a link to a secret of the
// daemon's is not an artifact).
absl::StatusOr<std::string> FindArtifact(const std::string& output, absl::string_view artifact);

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_INTERNAL_JOB_FOLDER_H_
