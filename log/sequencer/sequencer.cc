#include "log/sequencer/sequencer.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"
#include "log/note/note.h"
#include "log/sequencer/resume.h"
#include "log/sequencer/tile_check.h"
#include "log/sequencer/tile_edge.h"

namespace vitrine::sequencer {
namespace {

using merkle::Hash;
using Watcher = std::function<void(std::shared_ptr<const PublishedState>)>;

struct Pending {
  AddRequest request;
  // Computed by Add on the caller's thread, so the single writer does not.
  Hash leaf_hash;
  AddCallback done;
  absl::Time enqueued;
};

// What the batch decided for one request before anything is committed.
struct Outcome {
  absl::Status status;
  uint64_t index = 0;
  bool duplicate = false;
};

}  // namespace

struct Sequencer::Rep {
  storage::Store* store = nullptr;
  std::unique_ptr<note::Signer> signer;
  note::VerifierSet log_keys;
  SequencerOptions options;
  std::string origin;

  mutable absl::Mutex mu;
  absl::CondVar wake;  // the queue got its first or max_batch-th entry; Stop
  std::deque<Pending> queue ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
  absl::Status failure ABSL_GUARDED_BY(mu);  // what stopped the sequencer
  // The failure was a commit that failed for I/O (a full disk, EIO): the
  // store may take writes again, and Recover may resume. Integrity
  // failures (DataLoss, an in-memory tree that disagrees) stay for good.
  bool recoverable ABSL_GUARDED_BY(mu) = false;
  // The recoverable failure was the log key's (a token that failed or
  // answered a bad signature), not the store's: Recover probes the signer.
  bool signer_failed ABSL_GUARDED_BY(mu) = false;
  // An Add met a recoverable failure: the thread should try Recover.
  bool recover_requested ABSL_GUARDED_BY(mu) = false;
  absl::Time last_recovery ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  std::vector<Watcher> watchers ABSL_GUARDED_BY(mu);

  // Read and replaced only through std::atomic_load/std::atomic_store, so
  // readers never wait for the writer.
  std::shared_ptr<const PublishedState> published;

  // The tree as committed; touched only by the sequencer's thread (and by
  // Start before that thread exists).
  merkle::CompactRange range;
  TileEdge edge;
  // How long the last Extend's Commit took (for BatchStats).
  absl::Duration last_commit;

  absl::Mutex join_mu;  // makes concurrent Stop calls join once
  std::thread thread ABSL_GUARDED_BY(join_mu);

  void Run();
  void ProcessBatch(std::vector<Pending> batch);
  // Commits `leaves` (hashes `hashes`) after the tree of `state` and
  // returns the state published for the new tree.
  absl::StatusOr<std::shared_ptr<const PublishedState>> Extend(
      const PublishedState& state, const std::vector<const Pending*>& leaves,
      const std::vector<Hash>& hashes);
  // Records `status` as what stopped the sequencer, says so on stderr, and
  // returns it. `recoverable`: see Rep::recoverable.
  absl::Status Fail(absl::Status status, bool can_recover = false,
                    bool by_signer = false);
  // After a recoverable failure: once the store takes writes again,
  // re-derives the committed tree from the store (as Start does) and goes
  // on from it. Sizes already signed keep their roots: a store behind the
  // published checkpoint, or another root at its size, is DataLoss for
  // good; a store ahead of it (the failed commit landed after all: its
  // checkpoint is this log's, signed over the published tree) is published.
  void Recover();
  // After the log key failed: signs the published checkpoint again as a
  // probe (nothing is stored or published) and, once that signature
  // verifies, accepts writes again.
  void RecoverSigner();
  void Publish(std::shared_ptr<const PublishedState> state);
};

void Sequencer::Rep::Run() {
  for (;;) {
    std::vector<Pending> batch;
    absl::Status failed;
    {
      absl::MutexLock lock(&mu);
      while (queue.empty() && !stopping && !recover_requested) wake.Wait(&mu);
      if (recover_requested && !stopping) {
        recover_requested = false;
        mu.Unlock();
        Recover();
        mu.Lock();
        continue;
      }
      if (queue.empty()) return;  // stopping, and everything drained
      // Give the batch until max_delay after its first entry to fill up;
      // a stopping sequencer drains at once.
      const absl::Time deadline = queue.front().enqueued + options.max_delay;
      while (!stopping && failure.ok() && queue.size() < options.max_batch) {
        if (wake.WaitWithDeadline(&mu, deadline)) break;  // timed out
      }
      const size_t n = std::min(queue.size(), options.max_batch);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      failed = failure;
    }
    if (!failed.ok()) {
      for (Pending& p : batch) p.done(failed);
      continue;
    }
    ProcessBatch(std::move(batch));
  }
}

void Sequencer::Rep::ProcessBatch(std::vector<Pending> batch) {
  const absl::Time started = absl::Now();
  BatchStats stats;
  stats.requests = batch.size();
  stats.queue_wait = started - batch.front().enqueued;
  const std::shared_ptr<const PublishedState> state = std::atomic_load(&published);
  const uint64_t size = state->checkpoint.size;

  // Dedup: a request already stored, or earlier in this batch, keeps its
  // index. A request is known by its statement identity when it has one
  // (the same leaf is the same text, so the leaf index would add nothing),
  // else by its leaf hash: one batched lookup in each index used.
  std::vector<Hash> by_leaf, by_id;
  std::vector<size_t> key_of(batch.size());  // position in by_leaf or by_id
  for (size_t i = 0; i < batch.size(); ++i) {
    const std::optional<Hash>& id = batch[i].request.statement_id;
    std::vector<Hash>& keys = id.has_value() ? by_id : by_leaf;
    key_of[i] = keys.size();
    keys.push_back(id.has_value() ? *id : batch[i].leaf_hash);
  }
  absl::StatusOr<std::vector<std::optional<uint64_t>>> stored_leaves =
      std::vector<std::optional<uint64_t>>();
  absl::StatusOr<std::vector<std::optional<uint64_t>>> stored_ids =
      std::vector<std::optional<uint64_t>>();
  if (!by_leaf.empty()) stored_leaves = store->FindLeaves(by_leaf);
  if (!by_id.empty()) stored_ids = store->FindStatements(by_id);
  const absl::Status looked = !stored_leaves.ok() ? stored_leaves.status()
                                                  : stored_ids.status();
  const absl::Time looked_up = absl::Now();
  stats.lookup = looked_up - started;
  std::vector<Outcome> outcomes(batch.size());
  // Keys seen earlier in this batch (leaf hashes and identities are
  // SHA-256 of different bytes, so one map holds both).
  absl::flat_hash_map<Hash, uint64_t> batch_index;
  batch_index.reserve(batch.size());
  std::vector<const Pending*> leaves;
  std::vector<Hash> hashes;
  for (size_t i = 0; i < batch.size(); ++i) {
    Outcome& outcome = outcomes[i];
    if (!looked.ok()) {
      outcome.status = looked;
      continue;
    }
    const bool has_id = batch[i].request.statement_id.has_value();
    const Hash& key = has_id ? by_id[key_of[i]] : by_leaf[key_of[i]];
    if (auto it = batch_index.find(key); it != batch_index.end()) {
      outcome.index = it->second;
      outcome.duplicate = true;
      continue;
    }
    const std::optional<uint64_t>& stored =
        has_id ? (*stored_ids)[key_of[i]] : (*stored_leaves)[key_of[i]];
    if (stored.has_value()) {
      // Every commit publishes before the next batch, so the published
      // state covers every stored index; anything else is corruption.
      if (*stored >= size) {
        outcome.status = absl::DataLossError(absl::StrCat(
            has_id ? "the statement index maps " : "the leaf index maps ",
            key.ToHex(), " to index ", *stored, ", beyond the log's size ",
            size));
      }
      outcome.index = *stored;
      outcome.duplicate = true;
    } else {
      outcome.index = size + hashes.size();
      batch_index.emplace(key, outcome.index);
      leaves.push_back(&batch[i]);
      hashes.push_back(batch[i].leaf_hash);
    }
  }

  // A batch of duplicates only signs nothing: the current state covers it.
  absl::StatusOr<std::shared_ptr<const PublishedState>> next = state;
  last_commit = absl::ZeroDuration();
  if (!hashes.empty()) {
    next = Extend(*state, leaves, hashes);
    if (next.ok()) Publish(*next);
  }
  const absl::Time extended = absl::Now();
  stats.extend = extended - looked_up;
  stats.commit = last_commit;
  stats.appended = next.ok() && *next != state ? hashes.size() : 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    if (!outcome.status.ok()) {
      batch[i].done(outcome.status);
    } else if (outcome.index >= size && !next.ok()) {
      batch[i].done(next.status());
    } else {
      batch[i].done(AddResult{outcome.index, outcome.duplicate,
                              outcome.index >= size ? *next : state});
    }
  }
  if (options.on_batch) {
    stats.callbacks = absl::Now() - extended;
    options.on_batch(stats);
  }
}

absl::StatusOr<std::shared_ptr<const PublishedState>> Sequencer::Rep::Extend(
    const PublishedState& state, const std::vector<const Pending*>& leaves,
    const std::vector<Hash>& hashes) {
  const uint64_t old_size = state.checkpoint.size;
  if (range.end() != old_size || edge.size() != old_size) {
    return Fail(absl::InternalError(absl::StrCat(
        "the in-memory tree (", range.end(), " leaves, tile edge ", edge.size(),
        ") does not match the published size ", old_size)));
  }
  // Work on copies: the committed tree changes only once the commit is done.
  merkle::CompactRange next_range = range;
  TileEdge next_edge = edge;
  absl::Status visited;
  next_range.AppendBatch(hashes, [&](merkle::NodeId id, const Hash& hash) {
    if (visited.ok()) visited = next_edge.AddNode(id, hash);
  });
  if (!visited.ok()) return Fail(visited);

  storage::WriteBatch batch;
  for (size_t k = 0; k < leaves.size(); ++k) {
    batch.AddEntry(old_size + k, leaves[k]->request.leaf, hashes[k],
                   leaves[k]->request.artifact_digest,
                   leaves[k]->request.statement_id,
                   leaves[k]->request.release_key,
                   leaves[k]->request.vendor_key);
  }
  for (const ChangedTile& tile : next_edge.TakeChangedTiles()) {
    batch.PutTile(tile.id, tile.bytes);
    // The interior comes from the compact range's own nodes: no hashing.
    if (tile.id.full()) batch.PutTileInterior(tile.id, tile.interior);
  }
  const uint64_t new_size = next_range.end();
  const Hash root = next_range.Root();

  // Check before signing: the root from the tile bytes about to be
  // committed, and from the stored tiles this batch does not rewrite.
  const TileFetcher fetch =
      [&](const merkle::TileId& t) -> absl::StatusOr<std::string> {
    if (std::optional<std::string> pending = batch.PendingTile(t.level, t.index)) {
      return *std::move(pending);
    }
    return store->ReadTile(t.level, t.index, t.width);
  };
  absl::StatusOr<Hash> recomputed = RootFromTiles(new_size, fetch);
  if (absl::IsDataLoss(recomputed.status())) {
    return Fail(absl::DataLossError(absl::StrCat(
        "refusing to sign tree size ", new_size, ": ",
        recomputed.status().message())));
  }
  if (!recomputed.ok()) return recomputed.status();  // e.g. an I/O error
  if (*recomputed != root) {
    return Fail(absl::DataLossError(absl::StrCat(
        "refusing to sign tree size ", new_size,
        ": the root recomputed from the tiles (", recomputed->ToHex(),
        ") differs from the compact range's root (", root.ToHex(), ")")));
  }

  note::Checkpoint checkpoint{origin, new_size, root, {}};
  // A key that cannot sign (an HSM gone, a session lost) stops writes as a
  // failed commit does: nothing is committed unsigned, reads go on, and
  // writes resume once the key signs again (RecoverSigner).
  absl::StatusOr<std::string> signed_note =
      note::SignCheckpoint(checkpoint, *signer);
  if (!signed_note.ok()) {
    return Fail(absl::UnavailableError(absl::StrCat(
                    "the log key cannot sign tree size ", new_size,
                    "; nothing committed: ", signed_note.status().message())),
                /*can_recover=*/true, /*by_signer=*/true);
  }
  // A faulty signer must not put a bad signature on the record for good.
  absl::StatusOr<note::VerifiedCheckpoint> opened =
      note::OpenCheckpoint(*signed_note, origin, log_keys);
  if (!opened.ok()) {
    return Fail(absl::InternalError(absl::StrCat(
                    "the log key's signature of tree size ", new_size,
                    " does not verify; nothing committed: ",
                    opened.status().message())),
                /*can_recover=*/true, /*by_signer=*/true);
  }
  batch.PutCheckpoint(new_size, *signed_note);

  const absl::Time commit_start = absl::Now();
  absl::Status committed = store->Commit(batch);
  last_commit = absl::Now() - commit_start;
  if (!committed.ok()) {
    // The write may or may not be on disk: Recover reads the store back
    // (as a restart would) before anything else is signed.
    return Fail(absl::Status(committed.code(),
                             absl::StrCat("commit of tree size ", new_size,
                                          " failed: ", committed.message())),
                /*recoverable=*/!absl::IsDataLoss(committed));
  }
  range = std::move(next_range);
  edge = std::move(next_edge);
  return std::make_shared<const PublishedState>(
      PublishedState{std::move(checkpoint), *std::move(signed_note)});
}

absl::Status Sequencer::Rep::Fail(absl::Status status, bool can_recover,
                                  bool by_signer) {
  std::fprintf(stderr,
               "vitrine sequencer for %s: STOPPED, accepting no more writes%s: "
               "%s\n",
               origin.c_str(),
               !can_recover ? ""
               : by_signer  ? " until the log key signs again"
                            : " until the store takes writes again",
               status.ToString().c_str());
  std::fflush(stderr);
  absl::MutexLock lock(&mu);
  if (failure.ok()) {
    failure = status;
    recoverable = can_recover;
    signer_failed = can_recover && by_signer;
  }
  return status;
}

void Sequencer::Rep::RecoverSigner() {
  const std::shared_ptr<const PublishedState> state = std::atomic_load(&published);
  absl::StatusOr<std::string> probe = note::SignCheckpoint(state->checkpoint, *signer);
  if (!probe.ok()) return;  // not yet: a later Add asks again
  if (!note::OpenCheckpoint(*probe, origin, log_keys).ok()) return;
  {
    absl::MutexLock lock(&mu);
    failure = absl::OkStatus();
    recoverable = false;
    signer_failed = false;
  }
  std::fprintf(stderr,
               "vitrine sequencer for %s: RESUMED at tree size %llu: the log "
               "key signs again\n",
               origin.c_str(), static_cast<unsigned long long>(state->checkpoint.size));
  std::fflush(stderr);
}

void Sequencer::Rep::Recover() {
  bool by_signer = false;
  {
    absl::MutexLock lock(&mu);
    by_signer = signer_failed;
  }
  if (by_signer) {
    RecoverSigner();
    return;
  }
  const absl::Status store_recovered = store->Recover();
  if (absl::IsFailedPrecondition(store_recovered)) {
    // The store says only a restart can make it take writes again: stop
    // asking, and say so to every later Add.
    absl::MutexLock lock(&mu);
    failure = absl::UnavailableError(
        absl::StrCat(failure.message(), "; ", store_recovered.message()));
    recoverable = false;
    std::fprintf(stderr,
                 "vitrine sequencer for %s: STOPPED until restarted: %s\n",
                 origin.c_str(), failure.ToString().c_str());
    std::fflush(stderr);
    return;
  }
  if (!store_recovered.ok()) return;  // not yet: a later Add asks again
  absl::StatusOr<ResumedLog> log =
      ResumeLog(*store, *signer, log_keys, /*verify_full_tiles=*/false);
  if (!log.ok()) return;
  const std::shared_ptr<const PublishedState> state = std::atomic_load(&published);
  const note::Checkpoint& stored = log->checkpoint;
  const note::Checkpoint& signed_before = state->checkpoint;
  if (stored.size < signed_before.size ||
      (stored.size == signed_before.size && stored.root != signed_before.root)) {
    const absl::Status lost = absl::DataLossError(absl::StrCat(
        "after a failed commit the store holds tree size ", stored.size,
        " with root ", stored.root.ToHex(), " but size ", signed_before.size,
        " was published with root ", signed_before.root.ToHex(),
        "; check the store (vitrine-log fsck)"));
    std::fprintf(stderr, "vitrine sequencer for %s: STOPPED for good: %s\n",
                 origin.c_str(), lost.ToString().c_str());
    absl::MutexLock lock(&mu);
    failure = lost;
    recoverable = false;
    return;
  }
  range = std::move(log->range);
  edge = std::move(log->edge);
  if (stored.size > signed_before.size) {
    Publish(std::make_shared<const PublishedState>(
        PublishedState{log->checkpoint, log->signed_note}));
  }
  {
    absl::MutexLock lock(&mu);
    failure = absl::OkStatus();
    recoverable = false;
  }
  std::fprintf(stderr,
               "vitrine sequencer for %s: RESUMED at tree size %llu: the "
               "store takes writes again\n",
               origin.c_str(), static_cast<unsigned long long>(stored.size));
  std::fflush(stderr);
}

void Sequencer::Rep::Publish(std::shared_ptr<const PublishedState> state) {
  std::atomic_store(&published, state);
  std::vector<Watcher> to_call;
  {
    absl::MutexLock lock(&mu);
    to_call = watchers;
  }
  for (const Watcher& watcher : to_call) watcher(state);
}

Sequencer::Sequencer(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Sequencer::~Sequencer() { Stop(); }

absl::StatusOr<std::unique_ptr<Sequencer>> Sequencer::Start(
    storage::Store* store, std::unique_ptr<note::Signer> log_signer,
    std::shared_ptr<const note::Verifier> log_verifier,
    SequencerOptions options) {
  if (store == nullptr || log_signer == nullptr || log_verifier == nullptr) {
    return absl::InvalidArgumentError(
        "Sequencer::Start needs a store, a log signer and a log verifier");
  }
  if (options.max_batch == 0 || options.max_queue == 0 ||
      options.max_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "SequencerOptions: max_batch and max_queue must be positive and "
        "max_delay not negative");
  }
  if (log_signer->Type() != note::SignatureType::kEd25519) {
    return absl::InvalidArgumentError(
        "the log key must be a type 0x01 (Ed25519 note) signer");
  }
  if (log_verifier->Name() != log_signer->Name() ||
      log_verifier->KeyId() != log_signer->KeyId() ||
      log_verifier->Type() != log_signer->Type()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the log verifier (", log_verifier->Name(), ") is not the public half "
        "of the log signer (", log_signer->Name(), ")"));
  }

  auto rep = std::make_unique<Rep>();
  rep->store = store;
  rep->origin = log_signer->Name();
  rep->signer = std::move(log_signer);
  VITRINE_RETURN_IF_ERROR(rep->log_keys.Add(std::move(log_verifier)));
  rep->options = options;

  VITRINE_ASSIGN_OR_RETURN(
      ResumedLog log, ResumeLog(*store, *rep->signer, rep->log_keys,
                                options.verify_full_tiles_on_start));
  rep->range = std::move(log.range);
  rep->edge = std::move(log.edge);
  rep->published = std::make_shared<const PublishedState>(
      PublishedState{std::move(log.checkpoint), std::move(log.signed_note)});

  Rep* const r = rep.get();
  {
    absl::MutexLock lock(&r->join_mu);
    r->thread = std::thread([r] { r->Run(); });
  }
  return std::unique_ptr<Sequencer>(new Sequencer(std::move(rep)));
}

void Sequencer::Add(AddRequest request, AddCallback done) {
  const Hash leaf_hash = merkle::HashLeaf(request.leaf);
  absl::Status refused;
  {
    absl::MutexLock lock(&rep_->mu);
    if (!rep_->failure.ok()) {
      refused = rep_->failure;
      // Ask the thread to see whether the store takes writes again, at
      // most once a second.
      const absl::Time now = absl::Now();
      if (rep_->recoverable && !rep_->recover_requested &&
          now - rep_->last_recovery >= absl::Seconds(1)) {
        rep_->last_recovery = now;
        rep_->recover_requested = true;
        rep_->wake.Signal();
      }
    } else if (rep_->stopping) {
      refused = absl::UnavailableError("the sequencer is stopped");
    } else if (rep_->queue.size() >= rep_->options.max_queue) {
      refused = absl::ResourceExhaustedError(absl::StrCat(
          "the sequencer's queue is full (", rep_->options.max_queue,
          " entries waiting); retry later"));
    } else {
      rep_->queue.push_back(
          Pending{std::move(request), leaf_hash, std::move(done), absl::Now()});
      const size_t queued = rep_->queue.size();
      if (queued == 1 || queued == rep_->options.max_batch) {
        rep_->wake.Signal();
      }
      return;
    }
  }
  done(std::move(refused));
}

std::shared_ptr<const PublishedState> Sequencer::Published() const {
  return std::atomic_load(&rep_->published);
}

void Sequencer::Watch(
    std::function<void(std::shared_ptr<const PublishedState>)> watcher) {
  absl::MutexLock lock(&rep_->mu);
  if (!rep_->stopping) rep_->watchers.push_back(std::move(watcher));
}

absl::Status Sequencer::health() const {
  absl::MutexLock lock(&rep_->mu);
  if (!rep_->failure.ok()) return rep_->failure;
  if (rep_->stopping) return absl::UnavailableError("the sequencer is stopped");
  return absl::OkStatus();
}

void Sequencer::Stop() {
  {
    absl::MutexLock lock(&rep_->mu);
    rep_->stopping = true;
    rep_->wake.SignalAll();
  }
  {
    absl::MutexLock lock(&rep_->join_mu);
    if (rep_->thread.joinable()) rep_->thread.join();
  }
  absl::MutexLock lock(&rep_->mu);
  rep_->watchers.clear();
}

}  // namespace vitrine::sequencer
