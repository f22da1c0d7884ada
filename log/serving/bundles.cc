#include "log/serving/bundles.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/proof.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::serving {

absl::Status FillBundle(const storage::Store& store, const Head& head,
                        uint64_t index, std::string leaf,
                        vitrine::v1::Bundle* bundle) {
  VITRINE_ASSIGN_OR_RETURN(
      const std::vector<merkle::Hash> proof,
      merkle::InclusionProof(index, head.size, store.hash_reader()));
  bundle->set_statement(std::move(leaf));
  bundle->set_leaf_index(index);
  bundle->set_checkpoint(std::string(head.signed_note));
  SetProof(proof, bundle->mutable_inclusion_proof());
  return absl::OkStatus();
}

absl::Status BundleAnswer(const storage::Store& store, const Head& head,
                          const vitrine::v1::GetBundleRequest& request,
                          vitrine::v1::Bundle& bundle) {
  if (request.leaf_case() == vitrine::v1::GetBundleRequest::LEAF_NOT_SET) {
    return absl::InvalidArgumentError("set leaf_index or leaf_hash");
  }
  VITRINE_ASSIGN_OR_RETURN(
      const uint64_t index,
      ResolveLeaf(store,
                  request.leaf_case() == vitrine::v1::GetBundleRequest::kLeafIndex,
                  request.leaf_index(), request.leaf_hash(), head.size));
  VITRINE_ASSIGN_OR_RETURN(std::string leaf, store.GetEntry(index));
  return FillBundle(store, head, index, std::move(leaf), &bundle);
}

absl::StatusOr<DigestLeaves> FindDigestLeaves(const storage::Store& store,
                                              uint64_t size,
                                              const merkle::Hash& digest,
                                              size_t limit) {
  DigestLeaves found;
  std::map<uint64_t, std::string>& leaves = found.leaves;
  if (limit == 0) return found;
  // One more than fits: whether the named ones alone overflow the answer.
  VITRINE_ASSIGN_OR_RETURN(const std::vector<uint64_t> named,
                           store.FindByDigest(digest, limit + 1));
  for (const uint64_t index : named) {
    // Committed but not yet published: not provable against the head (and
    // on the log its writer has not been answered yet either).
    if (index >= size) break;
    if (leaves.size() >= limit) {
      found.truncated = true;
      break;
    }
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
    // A full answer scans no further: the work a keyless reader can ask
    // for stays bounded by `limit` bundles, however many releases match.
    // Their rebuilds are unexamined, so the answer may lack some.
    if (leaves.size() >= limit) {
      found.truncated = true;
      break;
    }
    VITRINE_ASSIGN_OR_RETURN(const std::vector<uint64_t> rebuilds,
                             store.FindByDigest(key, limit));
    // A run cut at `limit` may go on past it.
    if (rebuilds.size() >= limit) found.truncated = true;
    for (const uint64_t index : rebuilds) {
      if (index >= size) break;
      if (leaves.size() >= limit) {
        found.truncated = true;
        break;
      }
      if (leaves.count(index) != 0) continue;
      VITRINE_ASSIGN_OR_RETURN(leaves[index], store.GetEntry(index));
    }
  }
  return found;
}

absl::Status FindByDigestAnswer(const storage::Store& store, const Head& head,
                                size_t limit,
                                absl::FunctionRef<bool()> cancelled,
                                const vitrine::v1::FindByDigestRequest& request,
                                vitrine::v1::FindByDigestResponse& response) {
  VITRINE_ASSIGN_OR_RETURN(const merkle::Hash digest,
                           HashField(request.sha256(), "sha256"));
  VITRINE_ASSIGN_OR_RETURN(DigestLeaves found,
                           FindDigestLeaves(store, head.size, digest, limit));
  for (auto& [index, leaf] : found.leaves) {
    if (cancelled()) return absl::CancelledError("FindByDigest was cancelled");
    VITRINE_RETURN_IF_ERROR(FillBundle(store, head, index, std::move(leaf),
                                       response.add_bundles()));
  }
  if (response.bundles_size() == 0) {
    return absl::NotFoundError(absl::StrCat(
        "no statement in the log names artifact sha256 ", digest.ToHex()));
  }
  return absl::OkStatus();
}

}  // namespace vitrine::serving
