// Read RPCs answered from the last published state and the store: proofs
// (RFC 9162 2.1.3, 2.1.4), FindByDigest and GetBundle. Each runs on the
// gRPC thread: O(log n) hash reads through the store's tile cache.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/proof.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/internal/service_util.h"
#include "log/server/log_service.h"

namespace vitrine::server {
namespace {

using internal::CheckpointFor;
using internal::FinishUnary;
using internal::Method;
using internal::ResolveLeaf;
using sequencer::PublishedState;

absl::Status InclusionProofAnswer(
    const storage::Store& store, const PublishedState& latest,
    const vitrine::v1::GetInclusionProofRequest& request,
    vitrine::v1::GetInclusionProofResponse& response) {
  const uint64_t latest_size = latest.checkpoint.size;
  const uint64_t tree_size =
      request.tree_size() == 0 ? latest_size : request.tree_size();
  if (tree_size > latest_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "tree size ", tree_size, " is beyond the log's size ", latest_size));
  }
  if (request.leaf_case() == vitrine::v1::GetInclusionProofRequest::LEAF_NOT_SET) {
    return absl::InvalidArgumentError("set leaf_index or leaf_hash");
  }
  VITRINE_ASSIGN_OR_RETURN(
      const uint64_t index,
      ResolveLeaf(store,
                  request.leaf_case() ==
                      vitrine::v1::GetInclusionProofRequest::kLeafIndex,
                  request.leaf_index(), request.leaf_hash(), tree_size));
  VITRINE_ASSIGN_OR_RETURN(
      const std::vector<merkle::Hash> proof,
      merkle::InclusionProof(index, tree_size, store.hash_reader()));
  VITRINE_ASSIGN_OR_RETURN(std::optional<vitrine::v1::Checkpoint> checkpoint,
                           CheckpointFor(store, latest, tree_size));
  response.set_leaf_index(index);
  response.set_tree_size(tree_size);
  internal::SetProof(proof, response.mutable_proof());
  if (checkpoint.has_value()) *response.mutable_checkpoint() = *std::move(checkpoint);
  return absl::OkStatus();
}

absl::Status ConsistencyProofAnswer(
    const storage::Store& store, const PublishedState& latest,
    const vitrine::v1::GetConsistencyProofRequest& request,
    vitrine::v1::GetConsistencyProofResponse& response) {
  const uint64_t latest_size = latest.checkpoint.size;
  const uint64_t old_size = request.old_size();
  const uint64_t new_size =
      request.new_size() == 0 ? latest_size : request.new_size();
  // OutOfRange for what a bigger log would answer; InvalidArgument for
  // sizes that contradict each other whatever the log.
  if (new_size > latest_size || old_size > latest_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "tree sizes ", old_size, " and ", new_size,
        " must not exceed the log's size ", latest_size));
  }
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old_size ", old_size, " is larger than new_size ", new_size));
  }
  VITRINE_ASSIGN_OR_RETURN(
      const std::vector<merkle::Hash> proof,
      merkle::ConsistencyProof(old_size, new_size, store.hash_reader()));
  VITRINE_ASSIGN_OR_RETURN(std::optional<vitrine::v1::Checkpoint> checkpoint,
                           CheckpointFor(store, latest, new_size));
  response.set_old_size(old_size);
  response.set_new_size(new_size);
  internal::SetProof(proof, response.mutable_proof());
  if (checkpoint.has_value()) *response.mutable_checkpoint() = *std::move(checkpoint);
  return absl::OkStatus();
}

absl::Status FindByDigestAnswer(const storage::Store& store,
                                const PublishedState& latest, size_t limit,
                                grpc::CallbackServerContext& context,
                                const vitrine::v1::FindByDigestRequest& request,
                                vitrine::v1::FindByDigestResponse& response) {
  VITRINE_ASSIGN_OR_RETURN(const merkle::Hash digest,
                           internal::HashField(request.sha256(), "sha256"));
  VITRINE_ASSIGN_OR_RETURN(const std::vector<uint64_t> named,
                           store.FindByDigest(digest, limit));
  // Statements naming the digest, then the rebuilds of each release among
  // them, whatever digest those produced: an endpoint must see a
  // contradicting rebuild as surely as an agreeing one.
  std::map<uint64_t, std::string> leaves;
  for (const uint64_t index : named) {
    // Committed but not yet published: not provable against `latest`, and
    // its writer has not been answered yet either.
    if (index >= latest.checkpoint.size) break;
    VITRINE_ASSIGN_OR_RETURN(leaves[index], store.GetEntry(index));
  }
  std::vector<merkle::Hash> release_keys;
  for (const auto& [index, leaf] : leaves) {
    absl::StatusOr<note::Note> parsed =
        note::ParseNote(leaf, note::StatementNoteLimits());
    if (!parsed.ok()) continue;
    absl::StatusOr<note::Statement> release = note::ParseStatement(parsed->text);
    if (!release.ok() || !release->source.has_value()) continue;
    release_keys.push_back(note::ReleaseKey(release->vendor, release->artifact,
                                            release->version, *release->source));
  }
  for (const merkle::Hash& key : release_keys) {
    VITRINE_ASSIGN_OR_RETURN(const std::vector<uint64_t> rebuilds,
                             store.FindByDigest(key, limit));
    for (const uint64_t index : rebuilds) {
      if (index >= latest.checkpoint.size || leaves.size() >= limit) break;
      if (leaves.count(index) != 0) continue;
      VITRINE_ASSIGN_OR_RETURN(leaves[index], store.GetEntry(index));
    }
  }
  for (auto& [index, leaf] : leaves) {
    if (context.IsCancelled()) {
      return absl::CancelledError("FindByDigest was cancelled");
    }
    VITRINE_RETURN_IF_ERROR(internal::FillBundle(
        store, latest, index, std::move(leaf), response.add_bundles()));
  }
  if (response.bundles_size() == 0) {
    return absl::NotFoundError(absl::StrCat(
        "no statement in the log names artifact sha256 ", digest.ToHex()));
  }
  return absl::OkStatus();
}

// Proves against the latest checkpoint, or with `witnessed` set against the
// latest witnessed one (so a leaf appended since is OutOfRange until a
// witnessed checkpoint covers it).
absl::Status BundleAnswer(const storage::Store& store,
                          std::shared_ptr<const PublishedState> latest,
                          const WitnessedHead* witnessed,
                          const vitrine::v1::GetBundleRequest& request,
                          vitrine::v1::Bundle& bundle) {
  if (request.witnessed()) {
    VITRINE_ASSIGN_OR_RETURN(latest, internal::WitnessedState(witnessed));
  }
  if (request.leaf_case() == vitrine::v1::GetBundleRequest::LEAF_NOT_SET) {
    return absl::InvalidArgumentError("set leaf_index or leaf_hash");
  }
  VITRINE_ASSIGN_OR_RETURN(
      const uint64_t index,
      ResolveLeaf(store,
                  request.leaf_case() == vitrine::v1::GetBundleRequest::kLeafIndex,
                  request.leaf_index(), request.leaf_hash(),
                  latest->checkpoint.size));
  VITRINE_ASSIGN_OR_RETURN(std::string leaf, store.GetEntry(index));
  return internal::FillBundle(store, *latest, index, std::move(leaf), &bundle);
}

}  // namespace

grpc::ServerUnaryReactor* LogService::GetInclusionProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetInclusionProofRequest* request,
    vitrine::v1::GetInclusionProofResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetInclusionProof)) return reactor;
  FinishUnary(reactor, *metrics_, Method::kGetInclusionProof,
              InclusionProofAnswer(*store_, *sequencer_->Published(), *request,
                                   *response));
  return reactor;
}

grpc::ServerUnaryReactor* LogService::GetConsistencyProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetConsistencyProofRequest* request,
    vitrine::v1::GetConsistencyProofResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetConsistencyProof)) return reactor;
  FinishUnary(reactor, *metrics_, Method::kGetConsistencyProof,
              ConsistencyProofAnswer(*store_, *sequencer_->Published(),
                                     *request, *response));
  return reactor;
}

grpc::ServerUnaryReactor* LogService::FindByDigest(
    grpc::CallbackServerContext* context,
    const vitrine::v1::FindByDigestRequest* request,
    vitrine::v1::FindByDigestResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kFindByDigest)) return reactor;
  FinishUnary(reactor, *metrics_, Method::kFindByDigest,
              FindByDigestAnswer(*store_, *sequencer_->Published(),
                                 limits_.max_bundles_per_find, *context,
                                 *request, *response));
  return reactor;
}

grpc::ServerUnaryReactor* LogService::GetBundle(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetBundleRequest* request,
    vitrine::v1::Bundle* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetBundle)) return reactor;
  FinishUnary(reactor, *metrics_, Method::kGetBundle,
              BundleAnswer(*store_, sequencer_->Published(), witnessed_,
                           *request, *response));
  return reactor;
}

}  // namespace vitrine::server
