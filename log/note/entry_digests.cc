#include "log/note/entry_digests.h"

#include "absl/strings/str_cat.h"

#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::note {

merkle::Hash VendorKey(absl::string_view vendor) {
  // Names hold no newline (the grammar), so this encoding is injective.
  return merkle::Sha256(absl::StrCat("vitrine/vendor/v1\n", vendor, "\n"));
}

EntryDigests DigestsOfText(absl::string_view text) {
  EntryDigests digests;
  if (IsRebuildStatementText(text)) {
    absl::StatusOr<RebuildStatement> rebuild = ParseRebuildStatement(text);
    if (rebuild.ok()) {
      digests.artifact = rebuild->sha256;
      digests.release_key = ReleaseKey(*rebuild);
    }
    return digests;
  }
  absl::StatusOr<Statement> release = ParseStatement(text);
  if (release.ok()) {
    digests.artifact = release->sha256;
    digests.vendor_key = VendorKey(release->vendor);
  }
  return digests;
}

EntryDigests DigestsOfEntry(absl::string_view leaf) {
  absl::StatusOr<Note> parsed = ParseNote(leaf, StatementNoteLimits());
  if (!parsed.ok()) return {};
  return DigestsOfText(parsed->text);
}

}  // namespace vitrine::note
