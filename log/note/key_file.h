// Reads and writes key strings (keys.h) in files, guarding private keys:
// a signer key file is created exclusively with mode 0600 and synced, and
// is refused when group or others can read or write it, as ssh does.
//
//   VITRINE_ASSIGN_OR_RETURN(GeneratedKey key, GenerateKey(name, type));
//   VITRINE_RETURN_IF_ERROR(WriteSignerKeyFile("/etc/vitrine/log.key",
//                                              key.signer_key));
//   VITRINE_ASSIGN_OR_RETURN(std::string skey,
//                            ReadSignerKeyFile("/etc/vitrine/log.key"));
//
// A file holds one key string and a trailing newline. Status codes:
// AlreadyExists when writing over an existing file, NotFound for a missing
// file, PermissionDenied when the OS refuses access, FailedPrecondition for a
// signer key file whose mode lets group or others in (fix the mode with
// chmod 600 and retry), InvalidArgument for content that is not one key
// string, Internal for other I/O errors. Thread-safe (plain POSIX calls).
#ifndef VITRINE_LOG_NOTE_KEY_FILE_H_
#define VITRINE_LOG_NOTE_KEY_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::note {

// Writes `signer_key` to a new file at `path` with mode 0600 (O_EXCL: never
// replaces a key), fsyncs it and its directory so the key survives a crash.
absl::Status WriteSignerKeyFile(const std::string& path,
                                absl::string_view signer_key);

// Reads a signer key file after checking that it is a regular file with no
// group or other permission bits. The key string is not parsed here.
absl::StatusOr<std::string> ReadSignerKeyFile(const std::string& path);

// Writes a verifier key to a new file with mode 0644, synced like a signer
// key file.
absl::Status WriteVerifierKeyFile(const std::string& path,
                                  absl::string_view verifier_key);

// Reads a verifier key file (any mode).
absl::StatusOr<std::string> ReadVerifierKeyFile(const std::string& path);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_KEY_FILE_H_
