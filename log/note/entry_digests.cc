#include "log/note/entry_digests.h"

#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::note {

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
  if (release.ok()) digests.artifact = release->sha256;
  return digests;
}

EntryDigests DigestsOfEntry(absl::string_view leaf) {
  absl::StatusOr<Note> parsed = ParseNote(leaf, StatementNoteLimits());
  if (!parsed.ok()) return {};
  return DigestsOfText(parsed->text);
}

}  // namespace vitrine::note
