// What a Vitrine log admits as an entry, and what identifies one (issue 11,
// "What a statement is"). Endpoints keep VerifyStatement (statement.h),
// which ignores signatures from keys they do not know; a log cannot: a
// signature line nobody checks is bytes anyone can add, and an entry anyone
// can mint is a log anyone can fill.
//
//   VITRINE_ASSIGN_OR_RETURN(ScreenedStatement screened,
//       ScreenStatement(leaf, vendor_keys, supervisor_keys, {}));  // no Ed25519
//   if (store.HasStatement(screened.id)) ...   // a duplicate: nothing to verify
//   VITRINE_RETURN_IF_ERROR(VerifyScreened(screened, vendor_keys,
//                                          supervisor_keys));   // Ed25519
//
// The rule, for the log:
//   - The statement's identity is its text: StatementId = SHA-256 of the
//     note text (the body, without the blank line and signatures). The log
//     holds at most one entry per identity: the first note admitted for it.
//     A later note with the same text (the same signatures, fewer, more, or
//     in another order) is a duplicate and is answered with the entry
//     already logged. Minting a new entry therefore takes a new text, which
//     takes the vendor's key.
//   - Every signature line must be by a key the log recognises: a vendor key
//     named exactly like the statement's vendor, or a registered supervisor
//     key with another name (a vendor cannot supervise itself). Any other
//     line is refused, naming it. A supervisor cosigns before the statement
//     is submitted; the log never adds lines to an entry.
//   - No key signs twice (same name and key ID), and a note carries at most
//     1 + max_supervisors lines, so the verification work of one statement
//     is bounded by what a statement can legitimately carry.
//   - Every line verifies (VerifyScreened): a bad signature by a known key
//     is forgery or damage.
// Screening does no Ed25519 work: it costs a parse, a few lookups and one
// SHA-256, so a server can refuse what is malformed, repeated or already
// logged before spending anything on signatures.
//
// Rebuild statements (rebuild_statement.h) follow the same rule with one
// difference: they carry exactly one signature line, by a registered
// rebuilder key named exactly like the statement's rebuilder. A rebuild is
// one party's claim; nobody cosigns it, so a second line has no key the log
// could recognise for it. ScreenRebuildStatement / VerifyScreenedRebuild.
//
// Status codes: as VerifyStatement for size and grammar (ResourceExhausted,
// InvalidArgument); InvalidArgument naming the signature line for an
// unrecognised key, a repeated key or too many lines; PermissionDenied when
// no key of the vendor signed, for a line under the vendor's name by a key
// not registered, and for another registered vendor's line; InvalidArgument from VerifyScreened naming
// the key whose signature fails.
//
// Functions are thread-safe.
#ifndef VITRINE_LOG_NOTE_STATEMENT_ADMISSION_H_
#define VITRINE_LOG_NOTE_STATEMENT_ADMISSION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::note {

struct AdmissionLimits {
  // Supervisor signatures one statement may carry: independent build
  // supervisors are few; each line costs the log one Ed25519 verification.
  size_t max_supervisors = 8;
};

// A statement that passed every check but its signatures.
struct ScreenedStatement {
  Statement statement;
  Note note;
  merkle::Hash id;  // StatementId(note.text)
};

// Returns the identity of a statement whose note text is `text`: SHA-256 of
// the text's bytes.
merkle::Hash StatementId(absl::string_view text);

// Checks everything of the rule above that needs no signature verification.
absl::StatusOr<ScreenedStatement> ScreenStatement(
    absl::string_view signed_statement, const VerifierSet& vendor_keys,
    const VerifierSet& supervisor_keys, const AdmissionLimits& limits = {});

// Verifies every signature line of a screened statement against the key
// that screening found for it.
absl::Status VerifyScreened(const ScreenedStatement& screened,
                            const VerifierSet& vendor_keys,
                            const VerifierSet& supervisor_keys);

// A rebuild statement that passed every check but its signature.
struct ScreenedRebuild {
  RebuildStatement statement;
  Note note;
  merkle::Hash id;  // StatementId(note.text)
};

// Checks a rebuild statement as the log admits it, without Ed25519: size
// and grammar (ResourceExhausted, InvalidArgument); InvalidArgument for
// more than one signature line; PermissionDenied for a line by another
// registered rebuilder ("signed by X, statement names rebuilder Y") or by
// any key that is not a registered key of the statement's rebuilder.
absl::StatusOr<ScreenedRebuild> ScreenRebuildStatement(
    absl::string_view signed_statement, const VerifierSet& rebuilder_keys);

// Verifies the screened rebuild statement's signature line.
absl::Status VerifyScreenedRebuild(const ScreenedRebuild& screened,
                                   const VerifierSet& rebuilder_keys);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_STATEMENT_ADMISSION_H_
