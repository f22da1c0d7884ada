// Vendor keys files (DESIGN.md format 6): the verifier keys allowed to
// sign release statements, one C2SP verifier key per line. The log's vendor
// registry (log/server/vendor_registry.h) and a monitor's statement checks
// read the same format.
//
//   # /var/lib/vitrine/log/vendors: Acme rotates its key in March.
//   example.com/acme+1a2b3c4d+AVG...=
//   example.com/acme+5e6f7a8b+Ac3...=
//
//   VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<const VendorKeys> keys,
//                            ReadVendorKeysFile("/var/lib/vitrine/log/vendors"));
//   VerifyStatement(statement, keys->verifiers);
//
// File format: each line, after stripping surrounding ASCII white space
// (so CRLF files and indentation are fine), is empty, a comment starting
// with '#', or exactly one verifier key `name+keyid+base64` that parses
// strictly (note::ParseVerifierKey) and is of type 0x01 (Ed25519 note
// signatures: what vendors sign statements with). A vendor may have several
// keys (rotation); the same key (name and key ID) twice is an error. An
// empty registry is valid: the log then accepts no statement.
//
// Status codes: InvalidArgument naming the line for bad content; for the
// file, NotFound, PermissionDenied, ResourceExhausted (over 16 MiB) or
// Internal as the OS answers.
//
// Thread-safe.
#ifndef VITRINE_LOG_NOTE_VENDOR_KEYS_H_
#define VITRINE_LOG_NOTE_VENDOR_KEYS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/note.h"

namespace vitrine::note {

// Far above any real registry (a key line is about 100 bytes), small enough
// that a wrong path (a disk image, /dev/zero) fails fast.
inline constexpr size_t kMaxVendorFileSize = 16 << 20;

// One immutable set of vendor keys.
struct VendorKeys {
  // Every key, for VerifyStatement.
  VerifierSet verifiers;
  // The distinct vendor names, sorted.
  std::vector<std::string> vendors;
};

// Parses the text of a vendor file (format above). Errors read
// "vendor file line 3: ...".
absl::StatusOr<std::shared_ptr<const VendorKeys>> ParseVendorKeys(absl::string_view text);

// Reads and parses the vendor file at `path`; errors are prefixed with the
// path (file errors keep their common/file.h codes).
absl::StatusOr<std::shared_ptr<const VendorKeys>> ReadVendorKeysFile(const std::string& path);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_VENDOR_KEYS_H_
