// Filling a log's store fast, in process, through the real Sequencer: for
// benchmarks that need a large log (10M entries) without spending a quarter
// of an hour on gRPC and vendor-signature verification.
//
//   FillOptions options;
//   options.data = "/tmp/bench/log";   // `vitrine-log init` made its key
//   options.entries = 10000000;
//   VITRINE_ASSIGN_OR_RETURN(FillResult filled, FillLog(options));
//
// The entries are synthetic but shaped like the log's own: release
// statements in the DESIGN.md format 6 grammar (about 420 bytes: vendor,
// artifact, version, sha256 and a source URL, then one signature line),
// each with its artifact digest and statement identity, so the store's
// digest and statement indexes are written as a served log's are (and the
// log's next start has nothing to re-index). The signature line is 64
// pseudo-random bytes, not a signature: no vendor key exists to check it,
// and the log never re-verifies stored entries.
//
// Thread-safety: FillLog opens the store itself; nothing else may hold it.
#ifndef VITRINE_BENCH_INTERNAL_LOG_FILL_H_
#define VITRINE_BENCH_INTERNAL_LOG_FILL_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "log/merkle/hash.h"

namespace vitrine::bench {

// Entry `index` of a synthetic log: the leaf, and what the sequencer
// indexes it by.
struct SyntheticEntry {
  std::string leaf;
  merkle::Hash artifact_digest;
  merkle::Hash statement_id;  // note::StatementId of the statement's text
};

// Returns entry `index` (deterministic; distinct for every index).
SyntheticEntry MakeSyntheticEntry(uint64_t index);

struct FillOptions {
  // The log's data folder: <data>/store, and the key <data>/log.key that
  // `vitrine-log init` wrote.
  std::string data;
  // The store is filled up to this many entries (nothing is added when it
  // already holds as many).
  uint64_t entries = 0;
  // Adds queued in the sequencer at once: enough to fill its 4096-entry
  // batches, well under its 65536-entry queue limit.
  uint64_t max_in_flight = 16384;
  // Called every million entries with the count and the seconds so far.
  std::function<void(uint64_t entries, double seconds)> progress;
};

struct FillResult {
  uint64_t entries_before = 0;
  uint64_t entries_after = 0;
  double start_seconds = 0;  // Sequencer::Start (it verifies the store)
  double add_seconds = 0;    // first Add to the last acknowledgement
  uint64_t leaf_bytes = 0;   // the added leaves' bytes
  uint64_t disk_bytes = 0;   // Store::DiskBytes after a flush
};

// Fills the store as described above. Storage and key errors as reported;
// Internal when an Add fails.
absl::StatusOr<FillResult> FillLog(const FillOptions& options);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_LOG_FILL_H_
