#include "log/server/statement_backfill.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"

namespace vitrine::server {
namespace {

// Entries read and indexed per synced write: about 4-60 MB of statements.
constexpr uint64_t kChunk = 4096;

}  // namespace

absl::StatusOr<uint64_t> IndexLoggedStatements(storage::Store& store) {
  const uint64_t begin = store.StatementIndexCoverage();
  const uint64_t end = store.EntryCount();
  for (uint64_t next = begin; next < end;) {
    const uint64_t chunk_end = std::min(end, next + kChunk);
    VITRINE_ASSIGN_OR_RETURN(std::vector<std::string> leaves,
                             store.GetEntries(next, chunk_end));
    std::vector<std::optional<merkle::Hash>> ids;
    ids.reserve(leaves.size());
    for (const std::string& leaf : leaves) {
      absl::StatusOr<note::Note> parsed =
          note::ParseNote(leaf, note::StatementNoteLimits());
      ids.push_back(parsed.ok() ? std::optional<merkle::Hash>(
                                      note::StatementId(parsed->text))
                                : std::nullopt);
    }
    VITRINE_RETURN_IF_ERROR(store.IndexStatements(next, ids));
    next = chunk_end;
  }
  return end - begin;
}

}  // namespace vitrine::server
