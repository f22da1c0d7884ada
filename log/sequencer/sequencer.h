// The log's single writer. Submissions queue; one thread takes everything
// queued (up to a batch limit, or after a short delay), deduplicates it,
// extends the tree, checks the new root on an independent path, signs ONE
// checkpoint for the new size, commits entries, tiles, indexes and the
// checkpoint in one synced RocksDB write batch, publishes the new state and
// only then completes each submitter's callback.
//
//   VITRINE_ASSIGN_OR_RETURN(
//       std::unique_ptr<Sequencer> sequencer,
//       Sequencer::Start(store.get(), std::move(log_signer),
//                        std::move(log_verifier), {}));
//   sequencer->Add({.leaf = note_text, .artifact_digest = sha256},
//                  [](absl::StatusOr<AddResult> result) { ... });
//   std::shared_ptr<const PublishedState> head = sequencer->Published();
//
// Guarantees:
//   - An acknowledged entry is durable at its acknowledged index.
//   - One signed root per tree size, forever: a restart reuses the stored
//     checkpoint and never signs another root for a size already signed.
//   - Before signing, the new root is recomputed from the tile bytes about
//     to be committed (read back from the batch and the store), not from the
//     in-memory compact range; on a mismatch the sequencer signs nothing,
//     stops accepting writes, and reports DataLoss (health()).
//   - Start verifies the store: the root recomputed from the stored tiles
//     equals the latest signed checkpoint's root, and (by default) every
//     full tile hashes to its entry in the tile above and its stored
//     interior (which proofs read instead of hashing the tile) equals the
//     one recomputed from it, else DataLoss.
//   - A failed commit also stops writes: after it the store's state is
//     unknown (the write may or may not be on disk), and nothing is signed
//     until the store, once it takes writes again, has been read back and
//     checked as Start does (see Add); Store::Recover reopens the store in
//     place when RocksDB cannot resume it. A store that says only a restart
//     helps (Recover's FailedPrecondition) stops the sequencer until then.
//   - A log key that cannot sign (an HSM's token removed or failing:
//     Unavailable from Signer::Sign) or whose signature does not verify
//     stops writes the same way: that batch is answered Unavailable (or
//     Internal for a bad signature) and commits nothing, reads go on, and
//     every later Add gets that error until the key signs the published
//     checkpoint again (probed at most once a second, as above).
//
// Thread-safety: Add, Published and health may be called from any thread;
// readers never wait for the writer (Published is an atomic snapshot).
#ifndef VITRINE_LOG_SEQUENCER_SEQUENCER_H_
#define VITRINE_LOG_SEQUENCER_SEQUENCER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/signer.h"
#include "log/storage/store.h"

namespace vitrine::sequencer {

// What one batch cost, for metrics and for finding where latency goes.
struct BatchStats {
  size_t requests = 0;           // Adds taken from the queue in this batch
  size_t appended = 0;           // new leaves committed (0: all duplicates)
  absl::Duration queue_wait;     // the first request's wait in the queue
  absl::Duration lookup;         // the batched dedup lookup
  absl::Duration extend;         // tree, tiles, root check, signing, commit
  absl::Duration commit;         // the synced RocksDB commit within extend
  absl::Duration callbacks;      // completing every request of the batch
};

struct SequencerOptions {
  // Most entries in one commit: bounds the batch's memory and commit time.
  size_t max_batch = 4096;
  // How long the sequencer waits for more entries after the first one of a
  // batch arrives: trades a little latency for fewer, larger fsyncs.
  absl::Duration max_delay = absl::Milliseconds(1);
  // Most entries waiting; beyond it Add fails with ResourceExhausted
  // (back-pressure instead of unbounded memory).
  size_t max_queue = 1 << 16;
  // Start checks that every full tile hashes to its entry in the tile above
  // (one SHA-256 per stored leaf hash, on up to 4 cores: 1.4 s of hashing
  // per 10M entries on a loaded 2-core SHA-NI machine, plus reading 320 MB
  // of tiles). Without it Start checks only the right edge: the root
  // recomputed from the partial tiles, which misses a changed hash inside a
  // full tile or its stored interior (store.h, "Integrity"). The interiors
  // are compared with the hashes this check computes anyway: it adds only
  // their reads (about 32 bytes per entry).
  bool verify_full_tiles_on_start = true;
  // Called on the sequencer's thread after each batch's callbacks: keep it
  // to a few atomic updates (metrics). Unset: nothing is reported.
  std::function<void(const BatchStats&)> on_batch;
};

// An immutable snapshot of the published log: what readers serve.
struct PublishedState {
  note::Checkpoint checkpoint;  // origin, size, root
  std::string signed_note;      // the checkpoint signed by the log key
};

struct AddRequest {
  // The leaf: the whole signed statement note, already validated by the
  // caller (the sequencer does not parse it).
  std::string leaf;
  // The artifact's SHA-256 named by the statement, for FindByDigest.
  std::optional<merkle::Hash> artifact_digest;
  // The statement's identity (note/statement_admission.h). When set, a
  // request whose identity is already logged (or earlier in the batch) is a
  // duplicate of that entry even if its bytes differ (other signature
  // lines): one entry per statement text.
  std::optional<merkle::Hash> statement_id;
  // For a rebuild statement, the ReleaseKey of the release it rebuilt
  // (note/entry_digests.h): FindByDigest finds it under that key too.
  std::optional<merkle::Hash> release_key;
  // For a release statement, its vendor's VendorKey (note/entry_digests.h):
  // the vendor index lists it there.
  std::optional<merkle::Hash> vendor_key;
};

struct AddResult {
  uint64_t index = 0;
  // True when the leaf, or its statement identity, was already in the log
  // (or earlier in the same batch): `index` is the existing one, whose
  // leaf may differ from the request's, and nothing new was written.
  bool duplicate = false;
  // A published state whose tree contains `index`.
  std::shared_ptr<const PublishedState> state;
};

// Called exactly once per Add: from the sequencer's thread after a commit
// (keep it short, and never call Stop from it), or from the caller's thread
// before Add returns when Add refuses the request outright.
using AddCallback = std::function<void(absl::StatusOr<AddResult>)>;

class Sequencer {
 public:
  // Verifies `store` and starts the sequencing thread. A new, empty store
  // gets the signed checkpoint of the empty tree. `store` must outlive the
  // Sequencer. `log_signer` is the log key (type 0x01); its name is the
  // checkpoint origin. `log_verifier` is its public half (a Signer cannot
  // give it): it opens the stored checkpoint and checks every checkpoint
  // signed before it is committed.
  //
  // InvalidArgument when the signer is not a type 0x01 key or the verifier
  // is not its public half; FailedPrecondition when the store belongs to
  // another log (another origin or key); DataLoss when the store fails
  // verification; storage errors as the store reports them.
  static absl::StatusOr<std::unique_ptr<Sequencer>> Start(
      storage::Store* store, std::unique_ptr<note::Signer> log_signer,
      std::shared_ptr<const note::Verifier> log_verifier,
      SequencerOptions options);

  // Stops (see Stop).
  ~Sequencer();

  // Queues `request`; `done` is called after the commit that makes it
  // durable, or with: ResourceExhausted when the queue is full; Unavailable
  // after Stop; DataLoss (and every later Add) once an integrity check
  // failed; the storage error when a commit failed, and for every Add until
  // the store takes writes again. Such an Add asks the sequencer's thread
  // (at most once a second) to resume: once the store accepts a write, the
  // tree is read back from it as Start does, and checked against what was
  // published (a size published earlier never gets another root). When
  // the store answers that only a restart helps, every later Add gets
  // Unavailable with the commit's error and that reason. After a signing
  // failure the same: Unavailable ("the log key cannot sign tree size N
  // ...") until a probe signature by the log key verifies.
  void Add(AddRequest request, AddCallback done);

  // The latest published state; never null after Start.
  std::shared_ptr<const PublishedState> Published() const;

  // Calls `watcher` (from the sequencer's thread) with every state published
  // from now on, in order, until Stop. For WatchCheckpoints streams.
  void Watch(std::function<void(std::shared_ptr<const PublishedState>)> watcher);

  // OK while the sequencer accepts writes; the error that stopped it
  // (Unavailable after Stop), until it resumes (see Add).
  absl::Status health() const;

  // Stops accepting, sequences and commits everything already queued,
  // completes its callbacks, and joins the thread. Idempotent; safe from
  // any thread but the sequencer's own (a callback or watcher).
  void Stop();

 private:
  struct Rep;
  explicit Sequencer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::sequencer

#endif  // VITRINE_LOG_SEQUENCER_SEQUENCER_H_
