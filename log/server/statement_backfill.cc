#include "log/server/statement_backfill.h"

#include <optional>
#include <string>
#include <vector>

#include "log/note/note.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"
#include "log/storage/vendor_backfill.h"

namespace vitrine::server {

absl::StatusOr<uint64_t> IndexLoggedStatements(storage::Store& store) {
  return storage::BackfillIndex(
      store, store.StatementIndexCoverage(),
      [&store](uint64_t start, const std::vector<std::string>& leaves) {
        std::vector<std::optional<merkle::Hash>> ids;
        ids.reserve(leaves.size());
        for (const std::string& leaf : leaves) {
          absl::StatusOr<note::Note> parsed =
              note::ParseNote(leaf, note::StatementNoteLimits());
          ids.push_back(parsed.ok() ? std::optional<merkle::Hash>(
                                          note::StatementId(parsed->text))
                                    : std::nullopt);
        }
        return store.IndexStatements(start, ids);
      });
}

}  // namespace vitrine::server
