// The SHA-256 of a file, read in a streaming way (constant memory), for the
// artifact digest that release statements name (DESIGN.md format 6).
//
//   VITRINE_ASSIGN_OR_RETURN(merkle::Hash digest, HashFile("tool.tar.gz"));
//   // digest.ToHex() is the statement's "sha256" value.
//
// Status codes: NotFound for a missing file, InvalidArgument for a folder,
// Internal for read errors (with errno's text). Thread-safe.
#ifndef VITRINE_CLIENT_FILE_DIGEST_H_
#define VITRINE_CLIENT_FILE_DIGEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "log/merkle/hash.h"

namespace vitrine::client {

// Returns SHA-256 of the whole content of the file at `path`.
absl::StatusOr<merkle::Hash> HashFile(const std::string& path);

}  // namespace vitrine::client

#endif  // VITRINE_CLIENT_FILE_DIGEST_H_
