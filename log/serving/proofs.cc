#include "log/serving/proofs.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/proof.h"

namespace vitrine::serving {

absl::StatusOr<merkle::Hash> HashField(absl::string_view bytes,
                                       absl::string_view field) {
  if (bytes.size() != merkle::kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must be a 32-byte SHA-256, not ", bytes.size(), " bytes"));
  }
  return merkle::Hash::FromBytes(bytes);
}

absl::StatusOr<uint64_t> ResolveLeaf(const storage::Store& store,
                                     bool by_index, uint64_t leaf_index,
                                     absl::string_view leaf_hash,
                                     uint64_t tree_size) {
  uint64_t index = leaf_index;
  if (!by_index) {
    VITRINE_ASSIGN_OR_RETURN(const merkle::Hash hash,
                             HashField(leaf_hash, "leaf_hash"));
    absl::StatusOr<uint64_t> found = store.FindLeaf(hash);
    if (absl::IsNotFound(found.status())) {
      return absl::NotFoundError(
          absl::StrCat("no leaf with hash ", hash.ToHex(), " in the log"));
    }
    VITRINE_RETURN_IF_ERROR(found.status());
    index = *found;
  }
  if (index >= tree_size) {
    return absl::OutOfRangeError(absl::StrCat(
        "leaf ", index, " is not in the tree of size ", tree_size));
  }
  return index;
}

void SetProof(const std::vector<merkle::Hash>& proof,
              google::protobuf::RepeatedPtrField<std::string>* out) {
  out->Clear();
  out->Reserve(static_cast<int>(proof.size()));
  for (const merkle::Hash& hash : proof) {
    out->Add(std::string(hash.AsStringView()));
  }
}

absl::StatusOr<std::optional<vitrine::v1::Checkpoint>> CheckpointFor(
    const storage::Store& store, const Head& head, uint64_t size) {
  vitrine::v1::Checkpoint checkpoint;
  checkpoint.set_size(size);
  if (size == head.size) {
    checkpoint.set_note(std::string(head.signed_note));
    return checkpoint;
  }
  absl::StatusOr<std::string> stored = store.CheckpointAt(size);
  if (absl::IsNotFound(stored.status())) return std::nullopt;
  VITRINE_RETURN_IF_ERROR(stored.status());
  checkpoint.set_note(*std::move(stored));
  return checkpoint;
}

absl::Status InclusionProofAnswer(
    const storage::Store& store, const Head& head,
    const vitrine::v1::GetInclusionProofRequest& request,
    vitrine::v1::GetInclusionProofResponse& response) {
  const uint64_t tree_size =
      request.tree_size() == 0 ? head.size : request.tree_size();
  if (tree_size > head.size) {
    return absl::OutOfRangeError(absl::StrCat("tree size ", tree_size,
                                              " is beyond ", head.size_name,
                                              " ", head.size));
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
                           CheckpointFor(store, head, tree_size));
  response.set_leaf_index(index);
  response.set_tree_size(tree_size);
  SetProof(proof, response.mutable_proof());
  if (checkpoint.has_value()) *response.mutable_checkpoint() = *std::move(checkpoint);
  return absl::OkStatus();
}

absl::Status ConsistencyProofAnswer(
    const storage::Store& store, const Head& head,
    const vitrine::v1::GetConsistencyProofRequest& request,
    vitrine::v1::GetConsistencyProofResponse& response) {
  const uint64_t old_size = request.old_size();
  const uint64_t new_size =
      request.new_size() == 0 ? head.size : request.new_size();
  // OutOfRange for what a bigger tree would answer; InvalidArgument for
  // sizes that contradict each other whatever the tree.
  if (new_size > head.size || old_size > head.size) {
    return absl::OutOfRangeError(absl::StrCat("tree sizes ", old_size, " and ",
                                              new_size, " must not exceed ",
                                              head.size_name, " ", head.size));
  }
  if (old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old_size ", old_size, " is larger than new_size ", new_size));
  }
  VITRINE_ASSIGN_OR_RETURN(
      const std::vector<merkle::Hash> proof,
      merkle::ConsistencyProof(old_size, new_size, store.hash_reader()));
  VITRINE_ASSIGN_OR_RETURN(std::optional<vitrine::v1::Checkpoint> checkpoint,
                           CheckpointFor(store, head, new_size));
  response.set_old_size(old_size);
  response.set_new_size(new_size);
  SetProof(proof, response.mutable_proof());
  if (checkpoint.has_value()) *response.mutable_checkpoint() = *std::move(checkpoint);
  return absl::OkStatus();
}

}  // namespace vitrine::serving
