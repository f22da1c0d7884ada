#include "log/server/internal/service_util.h"

#include <utility>

#include "common/grpc_status.h"

namespace vitrine::server::internal {

void FinishUnary(grpc::ServerUnaryReactor* reactor, RpcMetrics& metrics,
                 Method method, const absl::Status& status) {
  grpc::Status answer = ToGrpcStatus(status);
  metrics.RecordRpc(method, answer);
  reactor->Finish(std::move(answer));
}

serving::Head HeadOf(const sequencer::PublishedState& state) {
  return serving::Head{state.checkpoint.size, state.signed_note,
                       "the log's size"};
}

std::shared_ptr<const vitrine::v1::Checkpoint> CheckpointMessage(
    const sequencer::PublishedState& state) {
  auto checkpoint = std::make_shared<vitrine::v1::Checkpoint>();
  checkpoint->set_note(state.signed_note);
  checkpoint->set_size(state.checkpoint.size);
  return checkpoint;
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

}  // namespace vitrine::server::internal
