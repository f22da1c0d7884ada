// Catching up the vendor index of a store written before it existed
// (store.h, "Layout": vendor_index): vitrine-log and a monitor's verified
// copy list a vendor's releases from it (the JSON read API), which needs
// every logged release indexed. Both call this at startup, before anything
// commits.
//
//   VITRINE_ASSIGN_OR_RETURN(uint64_t indexed, IndexLoggedVendors(*store));
//
// Bounded memory: the entries are read and indexed a chunk at a time, each
// chunk one synced write that also advances the coverage, so a crash
// midway resumes from the last chunk written.
//
// Thread-safety: call before the store's writer starts (it is serialised
// with Commit, but a batch committed meanwhile would not advance the
// coverage, and the backfill then rewrites that batch's keys: harmless).
#ifndef VITRINE_LOG_STORAGE_VENDOR_BACKFILL_H_
#define VITRINE_LOG_STORAGE_VENDOR_BACKFILL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/storage/store.h"

namespace vitrine::storage {

// The outline of every index catch-up (this one and the statement index's,
// log/server/statement_backfill.h): reads the entries [begin, EntryCount())
// 4096 at a time and hands each chunk to `index`, which writes its keys
// (and the index's coverage) in one synced write. Returns how many entries
// it went through. Memory: one chunk, at most 4096 leaves of 16 KiB.
absl::StatusOr<uint64_t> BackfillIndex(
    Store& store, uint64_t begin,
    const std::function<absl::Status(uint64_t start,
                                     const std::vector<std::string>& leaves)>&
        index);

// Reads the entries the vendor index does not cover yet and lists each
// release statement under its vendor key (note/entry_digests.h, the rule
// the sequencer and the verified copy apply). Returns how many entries it
// went through: 0 for a store that was complete, which costs no read.
absl::StatusOr<uint64_t> IndexLoggedVendors(Store& store);

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_VENDOR_BACKFILL_H_
