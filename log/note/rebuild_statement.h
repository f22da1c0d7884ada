// Rebuild statements (DESIGN.md format 9), entries of a Vitrine log next to
// release statements: "I, rebuilder R, rebuilt this release from this
// source and got this digest". A signed note whose text is
//
//   vitrine/rebuild/v1
//   rebuilder rebuild.example.org/r1
//   vendor example.com/acme
//   artifact acme-cli_linux_amd64.tar.gz
//   version 1.4.2
//   source https://git.example.com/acme/cli/tree/v1.4.2
//   sha256 <64 lowercase hex digits: what the rebuild produced>
//
// signed by the rebuilder's key, whose name is the rebuilder line. Matches
// and mismatches are both logged: a rebuild whose digest differs from the
// release's is public evidence that the binary did not come from the
// source (or that the build is not reproducible).
//
//   RebuildStatement rebuild = RebuildOf(release, "rebuild.example.org/r1",
//                                        produced_sha256);
//   VITRINE_ASSIGN_OR_RETURN(std::string leaf,
//                            SignRebuildStatement(rebuild, *rebuilder_signer));
//   VITRINE_ASSIGN_OR_RETURN(VerifiedRebuildStatement verified,
//                            VerifyRebuildStatement(leaf, rebuilder_keys));
//   if (SameRelease(verified.statement, release) &&
//       verified.statement.sha256 == release.sha256) ... a match ...
//
// The grammar is the release statement's (statement.h), just as strict:
// the header, then rebuilder, vendor, artifact, version, source and sha256,
// all required, in this order, each once; values are single tokens of
// 1..255 bytes; rebuilder and vendor follow the key-name rules (no '+');
// sha256 is 64 lowercase hex digits; source is byte for byte the release
// statement's source line. The whole note is at most 16 KiB and carries
// exactly the rebuilder's signature as far as the log is concerned
// (statement_admission.h).
//
// Status codes: InvalidArgument for anything malformed (the message names
// the line: "rebuild statement line 3 (vendor): ..."), for a bad signature
// by a known key and for signing with a key named otherwise;
// ResourceExhausted above 16 KiB; PermissionDenied when no registered key
// of the named rebuilder signed.
//
// Functions are thread-safe.
#ifndef VITRINE_LOG_NOTE_REBUILD_STATEMENT_H_
#define VITRINE_LOG_NOTE_REBUILD_STATEMENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/signer.h"
#include "log/note/statement.h"

namespace vitrine::note {

inline constexpr absl::string_view kRebuildStatementHeader =
    "vitrine/rebuild/v1";

struct RebuildStatement {
  std::string rebuilder;  // Also the name of the rebuilder's signing key.
  std::string vendor;     // The release's vendor, artifact, version, source.
  std::string artifact;
  std::string version;
  std::string source;
  merkle::Hash sha256;  // What the rebuild produced.

  friend bool operator==(const RebuildStatement& a, const RebuildStatement& b) {
    return a.rebuilder == b.rebuilder && a.vendor == b.vendor &&
           a.artifact == b.artifact && a.version == b.version &&
           a.source == b.source && a.sha256 == b.sha256;
  }
  friend bool operator!=(const RebuildStatement& a, const RebuildStatement& b) {
    return !(a == b);
  }
};

// Returns true when `text` (a note's text, or a whole note) starts with the
// rebuild header line: which grammar an entry is meant to follow.
bool IsRebuildStatementText(absl::string_view text);

// Returns the rebuild statement `rebuilder` makes about `release` with the
// digest it produced. The release must have a source line (InvalidArgument
// otherwise: there is nothing to rebuild from).
absl::StatusOr<RebuildStatement> RebuildOf(const Statement& release,
                                           absl::string_view rebuilder,
                                           const merkle::Hash& produced);

// Returns true when `rebuild` is about `release`: the same vendor,
// artifact, version and source, byte for byte (the digests may differ).
bool SameRelease(const RebuildStatement& rebuild, const Statement& release);

// Returns the key under which a log indexes the rebuild statements of one
// release (vendor, artifact, version, source), so that FindByDigest on the
// release's digest also finds rebuilds that produced another digest:
// SHA-256 of "vitrine/rebuild-of/v1\n" and the four values, each followed
// by "\n". Domain-separated from artifact digests, which share the index.
merkle::Hash ReleaseKey(absl::string_view vendor, absl::string_view artifact,
                        absl::string_view version, absl::string_view source);
merkle::Hash ReleaseKey(const RebuildStatement& rebuild);

// Returns the note text per the grammar; InvalidArgument naming the field.
absl::StatusOr<std::string> FormatRebuildStatement(
    const RebuildStatement& statement);

// Parses a rebuild statement's note text strictly; whatever parses formats
// back to exactly `text`.
absl::StatusOr<RebuildStatement> ParseRebuildStatement(absl::string_view text);

// Returns the statement signed by `rebuilder_signer`, a type 0x01 key named
// exactly like statement.rebuilder (InvalidArgument otherwise).
absl::StatusOr<std::string> SignRebuildStatement(
    const RebuildStatement& statement, const Signer& rebuilder_signer);

// A rebuild statement whose rebuilder signature verified.
struct VerifiedRebuildStatement {
  RebuildStatement statement;
  Note note;
  Signature rebuilder_signature;
};

// Verifies a signed rebuild statement as an endpoint or monitor would: at
// most 16 KiB, the grammar, every signature by a key of `rebuilder_keys`
// verifies (InvalidArgument naming it otherwise), and one verified type
// 0x01 signature is by a key named exactly statement.rebuilder
// (PermissionDenied otherwise, "signed by X, statement names rebuilder Y"
// when another trusted rebuilder signed). Unknown keys are ignored.
absl::StatusOr<VerifiedRebuildStatement> VerifyRebuildStatement(
    absl::string_view signed_statement, const VerifierSet& rebuilder_keys);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_REBUILD_STATEMENT_H_
