#include "log/storage/vendor_backfill.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "log/note/entry_digests.h"

namespace vitrine::storage {
namespace {

// Entries read and indexed per synced write: at most 4096 leaves of 16 KiB
// (64 MiB) in memory, typically a few MB.
constexpr uint64_t kChunk = 4096;

}  // namespace

absl::StatusOr<uint64_t> BackfillIndex(
    Store& store, uint64_t begin,
    const std::function<absl::Status(uint64_t start,
                                     const std::vector<std::string>& leaves)>&
        index) {
  const uint64_t end = store.EntryCount();
  for (uint64_t next = begin; next < end;) {
    const uint64_t chunk_end = std::min(end, next + kChunk);
    VITRINE_ASSIGN_OR_RETURN(std::vector<std::string> leaves,
                             store.GetEntries(next, chunk_end));
    VITRINE_RETURN_IF_ERROR(index(next, leaves));
    next = chunk_end;
  }
  return end > begin ? end - begin : 0;
}

absl::StatusOr<uint64_t> IndexLoggedVendors(Store& store) {
  return BackfillIndex(
      store, store.VendorIndexCoverage(),
      [&store](uint64_t start, const std::vector<std::string>& leaves) {
        std::vector<std::optional<merkle::Hash>> keys;
        keys.reserve(leaves.size());
        for (const std::string& leaf : leaves) {
          keys.push_back(note::DigestsOfEntry(leaf).vendor_key);
        }
        return store.IndexVendors(start, keys);
      });
}

}  // namespace vitrine::storage
