// Helpers shared by the Log service's handlers: finishing a call with its
// metric, and the state reads are answered against (the answers themselves
// are log/serving's, shared with the monitor's mirror). Thread-safe.
#ifndef VITRINE_LOG_SERVER_INTERNAL_SERVICE_UTIL_H_
#define VITRINE_LOG_SERVER_INTERNAL_SERVICE_UTIL_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "log/sequencer/sequencer.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/witnessed_head.h"
#include "log/serving/proofs.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::server::internal {

// Finishes a unary call with `status` (converted by common/grpc_status.h) and
// counts it.
void FinishUnary(grpc::ServerUnaryReactor* reactor, RpcMetrics& metrics,
                 Method method, const absl::Status& status);

// Returns the view of `state` that log/serving's answers prove against
// (valid while `state` is).
serving::Head HeadOf(const sequencer::PublishedState& state);

// Returns `state` as the message WatchCheckpoints streams: built once per
// publication and shared by every stream (log/serving/checkpoint_hub.h).
std::shared_ptr<const vitrine::v1::Checkpoint> CheckpointMessage(
    const sequencer::PublishedState& state);

// Returns the latest witnessed checkpoint of `head`; FailedPrecondition,
// each with its own message, when `head` is null (no witnesses configured)
// or holds none yet.
absl::StatusOr<std::shared_ptr<const sequencer::PublishedState>>
WitnessedState(const WitnessedHead* head);

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_SERVICE_UTIL_H_
