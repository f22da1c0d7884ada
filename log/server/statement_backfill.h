// Catching up the statement index of a store written before it existed
// (storage/store.h, "Layout": statement_index): the log deduplicates Adds by
// statement identity (note/statement_admission.h), which needs every logged
// statement's identity indexed before the first Add is admitted.
//
//   VITRINE_ASSIGN_OR_RETURN(uint64_t indexed, IndexLoggedStatements(*store));
//
// Thread-safety: call before the sequencer starts (it is serialised with
// Commit, but a batch committed meanwhile would find the index incomplete).
#ifndef VITRINE_LOG_SERVER_STATEMENT_BACKFILL_H_
#define VITRINE_LOG_SERVER_STATEMENT_BACKFILL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "log/storage/store.h"

namespace vitrine::server {

// Reads the entries the statement index does not cover yet, in chunks, and
// indexes their identities (an entry that is not a signed note gets none).
// Returns how many entries it indexed: 0 for a store that was complete,
// which costs one read.
absl::StatusOr<uint64_t> IndexLoggedStatements(storage::Store& store);

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_STATEMENT_BACKFILL_H_
