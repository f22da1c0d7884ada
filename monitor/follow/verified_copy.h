// The monitor's verified copy of one log, on disk in log/storage's layout
// (entries, C2SP tiles with their interiors, signed checkpoints), so the
// monitor proves from it exactly as the log does. It only ever grows by a
// batch of entries whose root, recomputed here, equals a checkpoint signed
// by the log: what it holds is verified, never merely received.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<VerifiedCopy> copy,
//       VerifiedCopy::Open("data/monitor/log1", log_vkey));
//   uint64_t start = copy->Latest()->checkpoint.size;
//   ... fetch leaves [start, checkpoint.size) from the log ...
//   absl::Status appended = copy->Append(start, leaves, checkpoint, note);
//   if (IsRootMismatch(appended)) ... ENTRIES_MISMATCH evidence from
//       copy->RangeAt(start) and the leaves: the copy did not change ...
//
// Open resumes from the store as the log's sequencer does
// (sequencer::ResumeLog by origin): the latest stored checkpoint must verify
// under the log key and equal the root recomputed from the stored tiles
// (every full tile against its parent and its interior too when
// verify_full_tiles). A new copy is the empty tree with an empty note.
//
// Status codes: Open - InvalidArgument for a bad key, DataLoss for a store
// that does not verify, FailedPrecondition for a store of another log (or
// signed by another key), Unavailable when locked by another process.
// Append - see there. Reads - see VerifiedLog.
//
// Thread-safety: every method may be called from any thread. Appends are
// serialised; readers never wait for one (Latest() is an atomic snapshot
// published after the batch is durable).
#ifndef VITRINE_MONITOR_FOLLOW_VERIFIED_COPY_H_
#define VITRINE_MONITOR_FOLLOW_VERIFIED_COPY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "log/sequencer/tile_edge.h"
#include "log/storage/store.h"
#include "monitor/verified_log.h"

namespace vitrine::monitor {

// True when `status` is Append's refusal of leaves whose root differs from
// the checkpoint's (evidence), as opposed to a failure of the store.
bool IsRootMismatch(const absl::Status& status);

struct VerifiedCopyOptions {
  // Hash every stored full tile against its parent (and its interior) at
  // Open: about one SHA-256 per entry (a second or two per million on two
  // cores). A copy that is only ever written by this code can skip it.
  bool verify_full_tiles = true;
};

class VerifiedCopy : public VerifiedLog {
 public:
  // Opens (or creates) the copy at `path` of the log whose verifier key is
  // `log_vkey` (C2SP vkey; its name is the origin). store_options.path is
  // replaced by `path`.
  static absl::StatusOr<std::unique_ptr<VerifiedCopy>> Open(
      std::string path, std::string log_vkey,
      storage::StoreOptions store_options = {},
      VerifiedCopyOptions options = {});

  // Appends `leaves` at `start` if they extend the verified tree to exactly
  // `checkpoint`'s root, storing entries (with their artifact digests when
  // they parse as statements), tiles, interiors and `signed_note` in one
  // synced batch, then publishes the new head. `checkpoint` must be
  // `signed_note` opened with log_keys() (the caller did that).
  //   FailedPrecondition: start is not the verified size, or start +
  //     leaves.size() is not checkpoint's size, or the origin differs;
  //   DataLoss with IsRootMismatch: the leaves do not hash to the
  //     checkpoint's root - the copy is unchanged;
  //   other codes from the store (the copy is unchanged then too).
  // Appending no leaves with the verified root stores the note only when
  // the copy has none yet (size 0); otherwise it changes nothing.
  absl::Status Append(uint64_t start, absl::Span<const std::string> leaves,
                      const note::VerifiedCheckpoint& checkpoint,
                      absl::string_view signed_note);

  // VerifiedLog.
  const std::string& origin() const override { return origin_; }
  const std::string& log_vkey() const override { return log_vkey_; }
  const note::VerifierSet& log_keys() const override { return log_keys_; }
  std::shared_ptr<const VerifiedHead> Latest() const override;
  absl::StatusOr<merkle::Hash> RootAt(uint64_t size) const override;
  absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(
      uint64_t old_size, uint64_t new_size) const override;
  absl::StatusOr<std::vector<merkle::Hash>> RangeAt(
      uint64_t size) const override;

  // The store, for reads (entries, inclusion proofs); valid while this
  // copy lives. Writing to it directly would break the copy's invariants.
  storage::Store& store() const { return *store_; }

 private:
  VerifiedCopy(std::string origin, std::string log_vkey,
               note::VerifierSet log_keys, std::unique_ptr<storage::Store> store,
               std::shared_ptr<const VerifiedHead> head,
               merkle::CompactRange range, sequencer::TileEdge edge);

  const std::string origin_;
  const std::string log_vkey_;
  const note::VerifierSet log_keys_;
  const std::unique_ptr<storage::Store> store_;

  absl::Mutex append_mu_;  // serialises Append; held across the commit
  merkle::CompactRange range_ ABSL_GUARDED_BY(append_mu_);
  sequencer::TileEdge edge_ ABSL_GUARDED_BY(append_mu_);

  mutable absl::Mutex head_mu_;  // held only to copy or swap the pointer
  std::shared_ptr<const VerifiedHead> head_ ABSL_GUARDED_BY(head_mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_VERIFIED_COPY_H_
