// Test support for log/storage and the layers above it: writes a log into a
// Store the way the sequencer does (entries, the tiles an append changed and
// a checkpoint for the new size, in one WriteBatch per append; with each full
// tile its interior, unless turned off to mimic an older store), keeps an
// in-memory reference tree to compare proofs against, and damages store
// files on disk for corruption tests. For tests only.
//
//   ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open({dir}));
//   TestLog log(store.get());
//   ASSERT_OK(log.Append(merkle::testing::TestEntries(1000)));
//   InclusionProof(3, 1000, store->hash_reader());   // == ... log.reference()
//
//   ASSERT_OK(store->Flush()); store.reset();
//   ASSERT_OK(FlipByteInFiles(dir, tile_bytes));      // then reopen and read
//
// Not thread-safe.
#ifndef VITRINE_LOG_STORAGE_TESTING_TEST_LOG_H_
#define VITRINE_LOG_STORAGE_TESTING_TEST_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/storage/store.h"

namespace vitrine::storage::testing {

// Returns the checkpoint note TestLog stores for a tree: not signed, but one
// distinct text per (size, root).
std::string TestCheckpointNote(uint64_t size, const merkle::Hash& root);

// Returns a TEST_TMPDIR folder named `name` that does not exist yet.
std::string FreshTestDir(absl::string_view name);

class TestLog {
 public:
  // `store` must outlive this TestLog (or be replaced by set_store).
  explicit TestLog(Store* store) : store_(store) {}

  // Points at another Store object for the same log, e.g. after reopening.
  void set_store(Store* store) { store_ = store; }
  // Whether batches carry full tiles' interiors (default true), as the
  // sequencer's do; false writes a store as it was before interiors.
  void set_write_interiors(bool write) { write_interiors_ = write; }
  // Whether entries carry a statement identity (SHA-256 of the entry), as
  // the log's do; default false, as a monitor's copy.
  void set_statement_ids(bool ids) { statement_ids_ = ids; }
  // Whether entries carry every key note::DigestsOfEntry gives them (the
  // artifact digest, unless MakeBatch's `digests` say otherwise, a
  // rebuild's release key, a release's vendor key), as the log's and a
  // monitor's copy's do; default false (test entries are no statements).
  void set_entry_digests(bool digests) { entry_digests_ = digests; }

  // Returns the batch that appends `entries` at size(): each entry with its
  // leaf hash and digests[i] (when `digests` is not empty it must be as long
  // as `entries`), every tile the append creates or widens, and the
  // checkpoint for the new size. Does not change this TestLog.
  WriteBatch MakeBatch(absl::Span<const std::string> entries,
                       absl::Span<const std::optional<merkle::Hash>> digests =
                           {}) const;

  // Commits MakeBatch(entries, digests); on success the reference tree and
  // size() follow. Returns Commit's status.
  absl::Status Append(absl::Span<const std::string> entries,
                      absl::Span<const std::optional<merkle::Hash>> digests = {});

  uint64_t size() const { return range_.end(); }
  merkle::Hash root() const { return range_.Root(); }
  // The same tree, held in memory: the reference for proofs.
  merkle::MemoryHashStore& reference() { return reference_; }
  // Every hash at tree level 8L, i.e. the contents of tile level L.
  const std::vector<std::vector<merkle::Hash>>& tile_levels() const {
    return tile_levels_;
  }

 private:
  struct Next {
    merkle::CompactRange range;
    std::vector<std::vector<merkle::Hash>> tile_levels;
  };
  WriteBatch Build(absl::Span<const std::string> entries,
                   absl::Span<const std::optional<merkle::Hash>> digests,
                   Next& next) const;

  Store* store_;
  bool write_interiors_ = true;
  bool statement_ids_ = false;
  bool entry_digests_ = false;
  merkle::CompactRange range_;
  std::vector<std::vector<merkle::Hash>> tile_levels_;
  merkle::MemoryHashStore reference_;
};

// Flips one byte (the middle one) of the first occurrence of `needle` in the
// files of folder `dir` whose names end with `suffix`. Returns the file's
// path; NotFound when no such file holds `needle`.
absl::StatusOr<std::string> FlipByteInFiles(const std::string& dir,
                                            absl::string_view needle,
                                            absl::string_view suffix = ".sst");

// Makes the closed store at `path` one from before the vendor index: its
// column family dropped, so that the next Open creates it empty, with a
// coverage of 0 (what IndexLoggedVendors catches up).
absl::Status DropVendorIndex(const std::string& path);

}  // namespace vitrine::storage::testing

#endif  // VITRINE_LOG_STORAGE_TESTING_TEST_LOG_H_
