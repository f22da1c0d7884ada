// Release statements, the entries of a Vitrine log (DESIGN.md format 6): a
// signed note whose text says which artifact a vendor released, signed by
// the vendor's key and optionally cosigned by independent supervisors.
//
//   vitrine/release/v1
//   vendor example.com/acme
//   artifact acme-cli_linux_amd64.tar.gz
//   version 1.4.2
//   sha256 <64 lowercase hex digits>
//   source https://git.example.com/acme/cli/tree/v1.4.2      (optional)
//
//   Statement statement{"example.com/acme", "acme-cli", "1.4.2", digest, {}};
//   VITRINE_ASSIGN_OR_RETURN(std::string leaf,
//                            SignStatement(statement, *vendor_signer));
//   VITRINE_ASSIGN_OR_RETURN(leaf, CosignStatement(leaf, *supervisor_signer));
//   VITRINE_ASSIGN_OR_RETURN(VerifiedStatement verified,
//       VerifyStatement(leaf, vendor_keys, supervisor_keys));
//
// The grammar, exactly:
//   - The text is the header line "vitrine/release/v1" then the lines
//     vendor, artifact, version, sha256 and optionally source, in that
//     order, each "<keyword> <value>" with one space, each ending in "\n"
//     (no CR); nothing else, no blank line, no line twice.
//   - A value is 1..255 bytes of valid UTF-8 holding no control character
//     (C0, DEL, C1) and no Unicode white space at all: every value is one
//     token. So there are no leading, trailing or double spaces, and a
//     parsed statement has exactly one spelling. (Artifact names, versions
//     and source URLs are tokens in every ecosystem Vitrine serves; a value
//     with spaces would also be ambiguous to read back by eye.)
//   - vendor is also the name of the key that must sign the statement, so
//     it follows the key-name rules as well: no '+'.
//   - sha256 is the artifact's SHA-256 as exactly 64 lowercase hex digits.
// The leaf a log stores is the whole signed note as submitted, at most
// kMaxStatementNoteSize bytes.
//
// Status codes: InvalidArgument for anything malformed (the message names
// the statement line and why), for a bad signature by a known key, and for
// signing with a key that does not match the statement; ResourceExhausted
// for a note above 16 KiB (like NoteLimits in note.h); PermissionDenied when
// no registered key of the statement's vendor signed it.
//
// Functions are thread-safe.
#ifndef VITRINE_LOG_NOTE_STATEMENT_H_
#define VITRINE_LOG_NOTE_STATEMENT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/signer.h"

namespace vitrine::note {

inline constexpr absl::string_view kStatementHeader = "vitrine/release/v1";
// The largest value of a statement line, in bytes.
inline constexpr size_t kMaxStatementValueSize = 255;
// The largest signed statement note (text, blank line and every signature).
inline constexpr size_t kMaxStatementNoteSize = 16 * 1024;

struct Statement {
  std::string vendor;    // Also the name of the vendor's signing key.
  std::string artifact;  // What was released, e.g. a file name.
  std::string version;
  merkle::Hash sha256;  // SHA-256 of the artifact's bytes.
  // Where the source for audit lives; absent when the line is absent. An
  // engaged empty string is invalid (values are never empty).
  std::optional<std::string> source;

  friend bool operator==(const Statement& a, const Statement& b) {
    return a.vendor == b.vendor && a.artifact == b.artifact &&
           a.version == b.version && a.sha256 == b.sha256 &&
           a.source == b.source;
  }
  friend bool operator!=(const Statement& a, const Statement& b) {
    return !(a == b);
  }
};

// Returns the NoteLimits for statement notes: 16 KiB, and the default
// signature count.
NoteLimits StatementNoteLimits();

// Returns the statement's note text per the grammar above; InvalidArgument
// naming the field when a value breaks it.
absl::StatusOr<std::string> FormatStatement(const Statement& statement);

// Parses a statement's note text strictly (grammar above). Whatever parses
// formats back to exactly `text`. Errors name the line: "statement line 4
// (version): value holds white space at byte 3".
absl::StatusOr<Statement> ParseStatement(absl::string_view text);

// Returns OK when `vendor` may be a statement's vendor line (a key name:
// 1..255 bytes of UTF-8, no control character, white space or '+');
// InvalidArgument saying why otherwise. For readers that take a vendor
// name from outside, e.g. the JSON read API's vendor listing.
absl::Status CheckVendorName(absl::string_view vendor);

// Returns the statement signed by its vendor as a complete note. The signer
// must be a type 0x01 key named exactly like statement.vendor, else
// InvalidArgument (the caller paired the wrong key with the statement).
absl::StatusOr<std::string> SignStatement(const Statement& statement,
                                          const Signer& vendor_signer);

// Returns `signed_statement` with `supervisor`'s signature appended (the
// other lines are kept byte for byte). The note's text must be a valid
// statement; verifies no signature, so a supervisor should VerifyStatement
// (and check the artifact) first. InvalidArgument unless the supervisor is
// a type 0x01 key whose name differs from the vendor's (a vendor cannot
// supervise itself), or if it already signed; ResourceExhausted when the
// result would exceed 16 KiB.
absl::StatusOr<std::string> CosignStatement(absl::string_view signed_statement,
                                            const Signer& supervisor);

// A statement whose vendor signature verified.
struct VerifiedStatement {
  Statement statement;
  Note note;  // The parsed note; note.text is the statement's text.
  // The first signature by a key of `vendor_keys` named statement.vendor;
  // it verified.
  Signature vendor_signature;
  // Every other signature line, in note order, whatever its key; only those
  // also listed in `supervisors` are known to be valid.
  std::vector<Signature> further;
  // Signatures of `further` that verified against `supervisor_keys`, one per
  // distinct supervisor name, in note order. A key named like the vendor
  // never counts: supervision must be independent.
  std::vector<Signature> supervisors;
};

// Verifies a signed statement as a log entry or an endpoint would: the note
// is at most 16 KiB (ResourceExhausted), parses as a statement
// (InvalidArgument), every signature from a key in `vendor_keys` or
// `supervisor_keys` verifies (InvalidArgument naming the key otherwise: a
// known key's bad signature means forgery or damage), and at least one
// verified type 0x01 signature is by a key named exactly statement.vendor.
// When only other vendors' keys signed, PermissionDenied "signed by X,
// statement names vendor Y"; when no known key signed, PermissionDenied.
// Signatures from unknown keys are kept in `further` and otherwise ignored.
// Requiring a number of supervisors is the caller's policy (policy.h).
absl::StatusOr<VerifiedStatement> VerifyStatement(
    absl::string_view signed_statement, const VerifierSet& vendor_keys,
    const VerifierSet& supervisor_keys = VerifierSet());

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_STATEMENT_H_
