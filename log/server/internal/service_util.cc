#include "log/server/internal/service_util.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "log/merkle/proof.h"

namespace vitrine::server::internal {

void FinishUnary(grpc::ServerUnaryReactor* reactor, RpcMetrics& metrics,
                 Method method, const absl::Status& status) {
  grpc::Status answer = ToGrpcStatus(status);
  metrics.RecordRpc(method, answer);
  reactor->Finish(std::move(answer));
}

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

absl::StatusOr<std::shared_ptr<const sequencer::PublishedState>>
WitnessedState(const WitnessedHead* head) {
  if (head == nullptr) {
    return absl::FailedPreconditionError(
        "no witnesses configured: the log has no witnessed checkpoint");
  }
  std::shared_ptr<const sequencer::PublishedState> state = head->Latest();
  if (state == nullptr) {
    return absl::FailedPreconditionError(
        "no checkpoint is witnessed yet: no quorum of the log's witnesses has "
        "cosigned one (retry later)");
  }
  return state;
}

absl::Status FillBundle(const storage::Store& store,
                        const sequencer::PublishedState& state, uint64_t index,
                        std::string leaf, vitrine::v1::Bundle* bundle) {
  VITRINE_ASSIGN_OR_RETURN(
      const std::vector<merkle::Hash> proof,
      merkle::InclusionProof(index, state.checkpoint.size, store.hash_reader()));
  bundle->set_statement(std::move(leaf));
  bundle->set_leaf_index(index);
  bundle->set_checkpoint(state.signed_note);
  SetProof(proof, bundle->mutable_inclusion_proof());
  return absl::OkStatus();
}

absl::StatusOr<std::optional<vitrine::v1::Checkpoint>> CheckpointFor(
    const storage::Store& store, const sequencer::PublishedState& latest,
    uint64_t size) {
  vitrine::v1::Checkpoint checkpoint;
  checkpoint.set_size(size);
  if (size == latest.checkpoint.size) {
    checkpoint.set_note(latest.signed_note);
    return checkpoint;
  }
  absl::StatusOr<std::string> stored = store.CheckpointAt(size);
  if (absl::IsNotFound(stored.status())) return std::nullopt;
  VITRINE_RETURN_IF_ERROR(stored.status());
  checkpoint.set_note(*std::move(stored));
  return checkpoint;
}

}  // namespace vitrine::server::internal
