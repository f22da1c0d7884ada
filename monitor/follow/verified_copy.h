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
// A failed commit (issue 14: a full disk, EIO) never wedges the copy, and
// never lets it hold or publish what it did not verify. The copy then takes
// no writes: every Append answers the commit's error (ResourceExhausted for
// a full disk, Unavailable for other I/O errors) with its reason, and reads
// go on from the verified head. The next Append or Recover, at most once
// per recovery_interval, asks the store to take writes again
// (Store::Recover: RocksDB's DB::Resume, which succeeds once the cause is
// gone, or at once when RocksDB already recovered by itself), then re-derives
// the copy from the store as Open does (sequencer::ResumeLog by origin) and
// checks it against the head it had published, as the log's sequencer does:
// the same head, or exactly the checkpoint of the commit that failed (it
// landed after all; the store verified it, so it is published), and writes
// go on; anything else - behind the published head, another root, another
// size - is DataLoss for good (a restart would refuse the copy too). The
// store reopens itself in place when RocksDB cannot resume (Store::Recover);
// one that still answers that only a restart helps (FailedPrecondition)
// stops writes until the monitor restarts (Unavailable, saying so). WriteFailure() tells
// readers (health, metrics) which of these holds.
//
// Status codes: Open - InvalidArgument for a bad key, DataLoss for a store
// that does not verify, FailedPrecondition for a store of another log (or
// signed by another key), Unavailable when locked by another process.
// Append - see there. Reads - see VerifiedLog.
//
// Thread-safety: every method may be called from any thread. Appends (and
// Recover) are serialised; readers never wait for one (Latest() and
// WriteFailure() are snapshots, Latest() published after the batch is
// durable).
#ifndef VITRINE_MONITOR_FOLLOW_VERIFIED_COPY_H_
#define VITRINE_MONITOR_FOLLOW_VERIFIED_COPY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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
  // After a failed commit, the least time between two attempts to make the
  // store take writes again: each is a RocksDB Resume (which flushes every
  // memtable when it succeeds) and a re-read of the copy's right edge.
  absl::Duration recovery_interval = absl::Seconds(1);
  // Opens the copy's own stderr lines ("<program>: <origin>: ..."), as
  // FollowerOptions::program: vitrine-rebuilder keeps a copy too.
  std::string program = "vitrine-monitor";
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
  //   other codes from the store (the copy is unchanged then too); after
  //     a commit that failed for I/O, the codes of Recover, until it
  //     succeeds (see "A failed commit" above).
  // Appending no leaves with the verified root stores the note only when
  // the copy has none yet (size 0); otherwise it changes nothing.
  absl::Status Append(uint64_t start, absl::Span<const std::string> leaves,
                      const note::VerifiedCheckpoint& checkpoint,
                      absl::string_view signed_note);

  // Makes the copy take writes again after a failed commit (see "A failed
  // commit" above; Append does this too): OK at once when no commit
  // failed, and once the store takes writes again and holds what was
  // verified. Otherwise the failed commit's code (ResourceExhausted,
  // Unavailable) with its reason while the store does not take writes yet
  // or the last attempt was less than recovery_interval ago; Unavailable
  // when only a restart helps; DataLoss when the store no longer holds the
  // verified head. A caller about to fetch entries asks first.
  absl::Status Recover();

  // Why the copy takes no writes: OK when it does (as far as it knows: no
  // commit failed since the last success); the status Append would answer
  // otherwise. Never waits for an Append.
  absl::Status WriteFailure() const;

  // Calls `watcher` with each head published from now on (a verified batch
  // committed, or a commit found to have landed at recovery), after
  // Latest() returns it, in order, on the appending thread: it must not
  // block (the mirror's WatchCheckpoints streams are fed this way). There
  // is no unregistering, as with sequencer::Sequencer::Watch: register one
  // watcher that forwards to something streams can leave.
  using HeadWatcher = std::function<void(std::shared_ptr<const VerifiedHead>)>;
  void Watch(HeadWatcher watcher) const;

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
               VerifiedCopyOptions options,
               std::shared_ptr<const VerifiedHead> head,
               merkle::CompactRange range, sequencer::TileEdge edge);

  absl::Status RecoverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // Records that `committed` (a failed commit towards `target`) stops writes
  // until recovered, and returns the status Append answers meanwhile.
  // Writes the store's memtables to table files after a commit of
  // `leaves` large enough to matter (a catch-up).
  void FlushIfLarge(absl::Span<const std::string> leaves);
  absl::Status CommitFailed(const absl::Status& committed,
                            const note::Checkpoint& target)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  // Stops writes with `status` (for good, or until a restart); returns it.
  absl::Status StopWrites(absl::Status status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  void Publish(std::shared_ptr<const VerifiedHead> head,
               absl::Status write_failure);

  const std::string origin_;
  const std::string log_vkey_;
  const note::VerifierSet log_keys_;
  const std::unique_ptr<storage::Store> store_;
  const VerifiedCopyOptions options_;

  absl::Mutex append_mu_;  // serialises Append; held across the commit
  merkle::CompactRange range_ ABSL_GUARDED_BY(append_mu_);
  sequencer::TileEdge edge_ ABSL_GUARDED_BY(append_mu_);
  // While not OK, a commit failed and the store was not recovered yet:
  // what Append answers. failed_target_ is the checkpoint that commit
  // was for (it may have landed).
  absl::Status failed_commit_ ABSL_GUARDED_BY(append_mu_);
  note::Checkpoint failed_target_ ABSL_GUARDED_BY(append_mu_);
  absl::Time last_recovery_ ABSL_GUARDED_BY(append_mu_) = absl::InfinitePast();
  // Not OK once writes stopped for good (DataLoss) or until a restart.
  absl::Status stopped_ ABSL_GUARDED_BY(append_mu_);

  mutable absl::Mutex head_mu_;  // held only to copy or swap these
  std::shared_ptr<const VerifiedHead> head_ ABSL_GUARDED_BY(head_mu_);
  absl::Status write_failure_ ABSL_GUARDED_BY(head_mu_);  // WriteFailure()

  // Called under watch_mu_, after head_mu_ is released (a watcher may read
  // Latest()).
  mutable absl::Mutex watch_mu_;
  mutable std::vector<HeadWatcher> watchers_ ABSL_GUARDED_BY(watch_mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_VERIFIED_COPY_H_
