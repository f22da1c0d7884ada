// Crash-safe whole-file writes and bounded reads: bundles, client state,
// statements and config files all go through these. A write goes to a temporary file in the destination's
// folder, is fsynced, renamed over the destination, and the folder is
// fsynced: after a crash the path holds the old content or the new one,
// never a mix (POSIX rename is atomic within a file system).
//
//   VITRINE_RETURN_IF_ERROR(WriteFileAtomically(path, contents, 0644));
//   VITRINE_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 1 << 20));
//
// Status codes (ErrnoStatus): NotFound for a missing file (or folder),
// AlreadyExists, PermissionDenied when the OS refuses, ResourceExhausted
// for a full disk or a file over the read limit, Internal for other I/O
// errors; messages carry errno's text. Thread-safe.
#ifndef VITRINE_COMMON_FILE_H_
#define VITRINE_COMMON_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine {

// Replaces the file at `path` with `contents`, crash-safely (above).
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, mode_t mode);

// Returns the whole file at `path`, refusing files over `max_size` bytes.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_size);

// Returns the last path component ("dist/tool.tar.gz" -> "tool.tar.gz").
std::string BaseName(absl::string_view path);

// Returns an absl status for errno value `error` during `what`.
absl::Status ErrnoStatus(int error, absl::string_view what);

// Writes all of `data` to the file descriptor `fd`, retrying short writes
// and EINTR; errors are ErrnoStatus(errno, what) ("writing <path>").
absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what);

// Creates the folder `path` and any missing parents with `mode` (existing
// ones are left as they are), like `mkdir -p`.
absl::Status MakeDirs(const std::string& path, mode_t mode);

// Returns true when something (a file, a folder) exists at `path`.
bool PathExists(const std::string& path);

}  // namespace vitrine

#endif  // VITRINE_COMMON_FILE_H_
