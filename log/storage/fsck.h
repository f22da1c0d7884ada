// An offline check of a whole store (issue 14, `vitrine-log fsck`): every
// tile, tile interior, index entry and signed root is recomputed from the
// entries and compared with what is stored, so that damage RocksDB's block
// checksums cannot see (a wrong value written whole, an index that lost a
// key) is found before a reader meets it.
//
//   VITRINE_ASSIGN_OR_RETURN(FsckReport report,
//                            Fsck("data/log/store", "example.com/log",
//                                 log_keys, progress));
//   for (const std::string& p : report.problems) std::cout << p << "\n";
//   return report.problems.empty() ? 0 : 1;
//
// What is checked, in one pass over the entries in index order:
//   - entries: keys 0..N-1 with none missing;
//   - tiles and interiors: each full tile, with its interior, and each
//     level's partial tile at size N, byte for byte as the sequencer writes
//     them (sequencer::TileEdge);
//   - checkpoints: each is signed by one of `log_keys` for `origin`, and
//     its root is the root of the entries' first `size`; the latest one is
//     at size N; so is the witnessed checkpoint (if any) at its size;
//   - the leaf index holds HashLeaf(entry i) -> i for every i, and no other
//     key; the digest index holds (sha256, i) for every statement, and no
//     other key; the statement index maps each entry that is a note, below
//     its coverage mark, to i or to an earlier entry of the same text; the
//     vendor index holds (VendorKey, i) for every release statement below
//     its coverage mark, and no other key there.
// Problems are reported with their location ("tile 0/3: ...", "entry 17:
// ...", "leaf index: ..."); the check goes on after each one. RocksDB
// corruption (a checksum that fails) is a problem of its column family.
//
// The store must not be open elsewhere (a stopped log or a copy).
#ifndef VITRINE_LOG_STORAGE_FSCK_H_
#define VITRINE_LOG_STORAGE_FSCK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/note/note.h"

namespace vitrine::storage {

struct FsckReport {
  uint64_t entries = 0;
  uint64_t tiles_checked = 0;
  uint64_t checkpoints_checked = 0;
  // One line each, with its location; empty when the store is sound.
  std::vector<std::string> problems;
  // Problems beyond the first kMaxFsckProblems are counted, not kept.
  uint64_t problems_not_listed = 0;
};

inline constexpr size_t kMaxFsckProblems = 1000;

// Called with (entries checked, entries in the store) now and then.
using FsckProgress = std::function<void(uint64_t done, uint64_t total)>;

// Checks the store at `path` (which must exist). The status is not OK only
// when the check could not run (the store cannot be opened, or reading it
// failed other than with corruption); what is wrong with the store is in
// the report.
absl::StatusOr<FsckReport> Fsck(const std::string& path,
                                absl::string_view origin,
                                const note::VerifierSet& log_keys,
                                const FsckProgress& progress = nullptr);

}  // namespace vitrine::storage

#endif  // VITRINE_LOG_STORAGE_FSCK_H_
