// File helpers of the `vitrine` command: whole-file reads, crash-safe
// replacement (temporary file, fsync, rename, fsync of the folder) so a
// statement on disk is never half written. (Artifacts are hashed with
// client/file_digest.h, bundles written with client/bundle_file.h.)
//
//   VITRINE_ASSIGN_OR_RETURN(std::string note, ReadWholeFile(path));
//   VITRINE_RETURN_IF_ERROR(WriteFileAtomically("tool.tar.gz.statement", text));
//
// Status codes: NotFound for a missing file, PermissionDenied when the OS
// refuses, Internal for other I/O errors; messages name the path.
// Thread-safe (plain POSIX calls).
#ifndef VITRINE_CLIENT_CLI_FILES_H_
#define VITRINE_CLIENT_CLI_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::cli {

// Returns the whole content of `path`.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Replaces `path` with `content` atomically, with file mode 0644.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view content);

// Returns the last path component ("dist/tool.tar.gz" -> "tool.tar.gz").
std::string BaseName(absl::string_view path);

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_FILES_H_
