#include "monitor/follow/verified_copy.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "log/merkle/proof.h"
#include "log/note/keys.h"
#include "log/note/entry_digests.h"
#include "log/sequencer/resume.h"
#include "log/storage/vendor_backfill.h"

namespace vitrine::monitor {
namespace {

using merkle::Hash;

// The payload that marks Append's root mismatch (see IsRootMismatch).
constexpr absl::string_view kRootMismatchPayload =
    "type.vitrine.dev/monitor.RootMismatch";

// The leaf hashes of `leaves` and the artifact digests they name, computed
// on every core for large batches (a first catch-up appends a million).
struct HashedLeaves {
  std::vector<Hash> hashes;
  // What FindByDigest finds each leaf under: the same keys as the log's.
  std::vector<note::EntryDigests> digests;
};

HashedLeaves HashLeaves(absl::Span<const std::string> leaves) {
  HashedLeaves out;
  out.hashes.resize(leaves.size());
  out.digests.resize(leaves.size());
  constexpr size_t kPerThread = 4096;  // below it, threads cost more than save
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads =
      std::clamp<size_t>(leaves.size() / kPerThread, 1, cores);
  const size_t slice = (leaves.size() + threads - 1) / threads;
  auto run = [&](size_t begin) {
    const size_t end = std::min(leaves.size(), begin + slice);
    for (size_t i = begin; i < end; ++i) {
      out.hashes[i] = merkle::HashLeaf(leaves[i]);
      out.digests[i] = note::DigestsOfEntry(leaves[i]);
    }
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(run, t * slice);
  run(0);
  for (std::thread& worker : workers) worker.join();
  return out;
}

}  // namespace

bool IsRootMismatch(const absl::Status& status) {
  return absl::IsDataLoss(status) &&
         status.GetPayload(kRootMismatchPayload).has_value();
}

absl::StatusOr<std::unique_ptr<VerifiedCopy>> VerifiedCopy::Open(
    std::string path, std::string log_vkey, storage::StoreOptions store_options,
    VerifiedCopyOptions options) {
  absl::StatusOr<note::VerifierKey> key = note::ParseVerifierKey(log_vkey);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the log verifier key: ", key.status().message()));
  }
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier =
      note::NewVerifier(log_vkey);
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the log verifier key: ", verifier.status().message()));
  }
  note::VerifierSet log_keys;
  VITRINE_RETURN_IF_ERROR(
      log_keys.Add(std::shared_ptr<const note::Verifier>(*std::move(verifier))));

  store_options.path = std::move(path);
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                           storage::Store::Open(store_options));
  // A copy from before the vendor index gets it once, before it is served
  // or appended to (the mirror's JSON API lists vendors from it).
  VITRINE_ASSIGN_OR_RETURN(const uint64_t listed,
                           storage::IndexLoggedVendors(*store));
  if (listed > 0) {
    std::fprintf(stderr, "%s: %s: indexed the vendors of %llu entries\n",
                 options.program.c_str(), key->name.c_str(),
                 static_cast<unsigned long long>(listed));
  }
  VITRINE_ASSIGN_OR_RETURN(
      sequencer::ResumedLog resumed,
      sequencer::ResumeLog(*store, key->name, log_keys,
                           options.verify_full_tiles));
  auto head = std::make_shared<VerifiedHead>();
  head->checkpoint = resumed.checkpoint;
  head->signed_note = std::move(resumed.signed_note);
  return std::unique_ptr<VerifiedCopy>(new VerifiedCopy(
      key->name, std::move(log_vkey), std::move(log_keys), std::move(store),
      options, std::move(head), std::move(resumed.range),
      std::move(resumed.edge)));
}

VerifiedCopy::VerifiedCopy(std::string origin, std::string log_vkey,
                           note::VerifierSet log_keys,
                           std::unique_ptr<storage::Store> store,
                           VerifiedCopyOptions options,
                           std::shared_ptr<const VerifiedHead> head,
                           merkle::CompactRange range,
                           sequencer::TileEdge edge)
    : origin_(std::move(origin)),
      log_vkey_(std::move(log_vkey)),
      log_keys_(std::move(log_keys)),
      store_(std::move(store)),
      options_(options),
      range_(std::move(range)),
      edge_(std::move(edge)),
      head_(std::move(head)) {}

absl::Status VerifiedCopy::Append(uint64_t start,
                                  absl::Span<const std::string> leaves,
                                  const note::VerifiedCheckpoint& checkpoint,
                                  absl::string_view signed_note) {
  absl::MutexLock lock(&append_mu_);
  VITRINE_RETURN_IF_ERROR(RecoverLocked());
  const note::Checkpoint& target = checkpoint.checkpoint;
  if (target.origin != origin_) {
    return absl::FailedPreconditionError(
        absl::StrCat("a checkpoint of \"", target.origin, "\", not \"",
                     origin_, "\""));
  }
  if (start != range_.end() || start + leaves.size() != target.size) {
    return absl::FailedPreconditionError(absl::StrCat(
        "entries [", start, ", ", start + leaves.size(),
        ") do not extend the verified size ", range_.end(),
        " to the checkpoint's size ", target.size));
  }

  // Work on copies: they replace the originals only once the batch commits.
  merkle::CompactRange next_range = range_;
  sequencer::TileEdge next_edge = edge_;
  const HashedLeaves hashed = HashLeaves(leaves);
  absl::Status visited;
  next_range.AppendBatch(hashed.hashes, [&](merkle::NodeId id, const Hash& hash) {
    if (visited.ok()) visited = next_edge.AddNode(id, hash);
  });
  VITRINE_RETURN_IF_ERROR(visited);

  const Hash root = next_range.Root();
  if (root != target.root) {
    absl::Status mismatch = absl::DataLossError(absl::StrCat(
        "root mismatch: the ", leaves.size(), " entries served from index ",
        start, " give the root ", root.ToHex(), " at size ", target.size,
        ", the signed checkpoint says ", target.root.ToHex()));
    mismatch.SetPayload(kRootMismatchPayload, absl::Cord());
    return mismatch;
  }
  if (leaves.empty() && !Latest()->signed_note.empty()) {
    return absl::OkStatus();  // nothing new; keep the first note of the size
  }

  storage::WriteBatch batch;
  for (size_t k = 0; k < leaves.size(); ++k) {
    batch.AddEntry(start + k, leaves[k], hashed.hashes[k],
                   hashed.digests[k].artifact, /*statement_id=*/std::nullopt,
                   hashed.digests[k].release_key, hashed.digests[k].vendor_key);
  }
  for (const sequencer::ChangedTile& tile : next_edge.TakeChangedTiles()) {
    batch.PutTile(tile.id, tile.bytes);
    if (tile.id.full()) batch.PutTileInterior(tile.id, tile.interior);
  }
  batch.PutCheckpoint(target.size, signed_note);
  if (absl::Status committed = store_->Commit(batch); !committed.ok()) {
    return CommitFailed(committed, target);
  }

  range_ = std::move(next_range);
  edge_ = std::move(next_edge);
  auto head = std::make_shared<VerifiedHead>();
  head->checkpoint = target;
  head->signed_note = std::string(signed_note);
  Publish(std::move(head), absl::OkStatus());
  FlushIfLarge(leaves);
  return absl::OkStatus();
}

void VerifiedCopy::FlushIfLarge(absl::Span<const std::string> leaves) {
  // A catch-up commits as one write batch, and RocksDB keeps a batch whole
  // in one memtable until the next write switches it: after a first
  // catch-up of 1M entries the copy sat in a 570 MB memtable (1.6 GB of
  // RSS) for as long as the log stayed quiet, and every read walked its
  // skiplist. Writing a large one to table files at once frees the memory
  // and serves reads through the block cache, as a long-running copy's.
  constexpr size_t kFlushAtBytes = size_t{64} << 20;
  size_t bytes = 0;
  for (const std::string& leaf : leaves) bytes += leaf.size();
  if (bytes < kFlushAtBytes) return;
  // Durability does not depend on it (the WAL holds the batch): a failure
  // costs memory until the next write, so it is reported, not returned.
  if (absl::Status flushed = store_->Flush(); !flushed.ok()) {
    std::fprintf(stderr, "%s: %s: flushing a catch-up of %zu entries: %s\n",
                 options_.program.c_str(), origin_.c_str(), leaves.size(),
                 flushed.ToString().c_str());
  }
}

absl::Status VerifiedCopy::CommitFailed(const absl::Status& committed,
                                        const note::Checkpoint& target) {
  // Commit's own refusals (checked before anything is written) and
  // corruption found while checking leave nothing to recover from.
  if (absl::IsFailedPrecondition(committed) ||
      absl::IsInvalidArgument(committed) || absl::IsDataLoss(committed)) {
    return committed;
  }
  // The write may or may not be on disk, and RocksDB takes no more writes
  // until it has recovered: nothing is written until the store has been
  // read back (RecoverLocked).
  failed_commit_ = absl::Status(
      committed.code(),
      absl::StrCat("the verified copy takes no writes until its store does "
                   "again; the commit of size ",
                   target.size, " failed: ", committed.message()));
  failed_target_ = target;
  last_recovery_ = absl::Now();
  Publish(nullptr, failed_commit_);
  return failed_commit_;
}

absl::Status VerifiedCopy::Recover() {
  absl::MutexLock lock(&append_mu_);
  return RecoverLocked();
}

absl::Status VerifiedCopy::RecoverLocked() {
  if (!stopped_.ok()) return stopped_;
  if (failed_commit_.ok()) return absl::OkStatus();
  const absl::Time now = absl::Now();
  if (now < last_recovery_ + options_.recovery_interval) return failed_commit_;
  last_recovery_ = now;

  const absl::Status store_recovered = store_->Recover();
  if (absl::IsFailedPrecondition(store_recovered)) {
    return StopWrites(absl::UnavailableError(absl::StrCat(
        failed_commit_.message(), "; only restarting the monitor helps: ",
        store_recovered.message())));
  }
  if (!store_recovered.ok()) return failed_commit_;  // not yet

  // Read the copy back as Open does; a read that fails for I/O is tried
  // again later, a store that does not verify is not.
  absl::StatusOr<sequencer::ResumedLog> stored = sequencer::ResumeLog(
      *store_, origin_, log_keys_, /*verify_full_tiles=*/false);
  if (absl::IsDataLoss(stored.status()) ||
      absl::IsFailedPrecondition(stored.status())) {
    return StopWrites(absl::DataLossError(absl::StrCat(
        "after a failed commit the verified copy does not verify: ",
        stored.status().message())));
  }
  if (!stored.ok()) return failed_commit_;
  const std::shared_ptr<const VerifiedHead> head = Latest();
  const note::Checkpoint& verified = head->checkpoint;
  const note::Checkpoint& found = stored->checkpoint;
  const bool unchanged =
      found.size == verified.size && found.root == verified.root;
  const bool landed =
      found.size == failed_target_.size && found.root == failed_target_.root;
  if (!unchanged && !landed) {
    return StopWrites(absl::DataLossError(absl::StrCat(
        "after a failed commit the verified copy's store holds size ",
        found.size, " with root ", found.root.ToHex(),
        ", but size ", verified.size, " was verified with root ",
        verified.root.ToHex(), " and the failed commit was for size ",
        failed_target_.size, "; check the copy (or move it away: the "
        "monitor then verifies the log again from its start)")));
  }
  range_ = std::move(stored->range);
  edge_ = std::move(stored->edge);
  failed_commit_ = absl::OkStatus();
  std::shared_ptr<VerifiedHead> next;
  if (stored->signed_note != head->signed_note) {
    // The failed commit landed after all (ResumeLog verified its note under
    // the log key and its root from the stored tiles), or the empty tree's
    // first note did.
    next = std::make_shared<VerifiedHead>();
    next->checkpoint = found;
    next->signed_note = std::move(stored->signed_note);
  }
  Publish(std::move(next), absl::OkStatus());
  return absl::OkStatus();
}

absl::Status VerifiedCopy::StopWrites(absl::Status status) {
  stopped_ = status;
  Publish(nullptr, status);
  return status;
}

void VerifiedCopy::Publish(std::shared_ptr<const VerifiedHead> head,
                           absl::Status write_failure) {
  {
    absl::MutexLock lock(&head_mu_);
    if (head != nullptr) head_ = head;
    write_failure_ = std::move(write_failure);
  }
  if (head == nullptr) return;
  absl::MutexLock lock(&watch_mu_);
  for (const HeadWatcher& watcher : watchers_) watcher(head);
}

void VerifiedCopy::Watch(HeadWatcher watcher) const {
  absl::MutexLock lock(&watch_mu_);
  watchers_.push_back(std::move(watcher));
}

absl::Status VerifiedCopy::WriteFailure() const {
  absl::MutexLock lock(&head_mu_);
  return write_failure_;
}

std::shared_ptr<const VerifiedHead> VerifiedCopy::Latest() const {
  absl::MutexLock lock(&head_mu_);
  return head_;
}

absl::StatusOr<Hash> VerifiedCopy::RootAt(uint64_t size) const {
  const std::shared_ptr<const VerifiedHead> head = Latest();
  if (size > head->checkpoint.size) {
    return absl::OutOfRangeError(absl::StrCat(
        "size ", size, " is beyond the verified size ", head->checkpoint.size));
  }
  if (size == head->checkpoint.size) return head->checkpoint.root;
  return merkle::TreeRoot(size, store_->hash_reader());
}

absl::StatusOr<std::vector<Hash>> VerifiedCopy::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) const {
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consistency proof from size ", old_size, " to a smaller ", new_size));
  }
  const uint64_t verified = Latest()->checkpoint.size;
  if (new_size > verified) {
    return absl::OutOfRangeError(absl::StrCat(
        "size ", new_size, " is beyond the verified size ", verified));
  }
  return merkle::ConsistencyProof(old_size, new_size, store_->hash_reader());
}

absl::StatusOr<std::vector<Hash>> VerifiedCopy::RangeAt(uint64_t size) const {
  const uint64_t verified = Latest()->checkpoint.size;
  if (size > verified) {
    return absl::OutOfRangeError(absl::StrCat(
        "size ", size, " is beyond the verified size ", verified));
  }
  const std::vector<merkle::NodeId> nodes = merkle::RangeNodes(0, size);
  if (nodes.empty()) return std::vector<Hash>();
  return store_->hash_reader().ReadHashes(nodes);
}

}  // namespace vitrine::monitor
