// The WatchCheckpoints stream (proto/vitrine/v1/log.proto) over a
// CheckpointHub (checkpoint_hub.h), shared by vitrine-log and
// vitrine-monitor's mirror: one implementation of the limits, the codes and
// the flow control, so a mirror's stream is the log's.
//
//   return serving::StreamCheckpoints(hub, context->peer(),
//                                     request->after_size(), latest,
//                                     "the log", on_done);
//
// The stream sends the newest checkpoint larger than anything sent (or
// than after_size), one write at a time; checkpoints published while a
// write is in flight replace each other, so a slow client gets the latest,
// not a backlog: a monitor needs the latest signed head (consistency
// proofs bridge the gap), not every intermediate one.
//
// Thread-safety: the stream runs on gRPC's callback threads and the hub's
// publisher; `on_done` and what it captures must outlive the stream.
#ifndef VITRINE_LOG_SERVING_WATCH_STREAM_H_
#define VITRINE_LOG_SERVING_WATCH_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "log/serving/checkpoint_hub.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::serving {

// Returns the reactor of a WatchCheckpoints call from connection `peer`:
// subscribed to `hub` (refused with the hub's status: RESOURCE_EXHAUSTED
// beyond its caps, UNAVAILABLE once closed), then offered `latest` (may be
// null: nothing to send yet). It ends UNAVAILABLE "<who> is shutting down;
// reconnect with after_size" when the hub closes, CANCELLED when the
// client goes. `on_done` (may be empty) gets the status it finished with.
grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* StreamCheckpoints(
    std::shared_ptr<CheckpointHub> hub, absl::string_view peer,
    uint64_t after_size, std::shared_ptr<const vitrine::v1::Checkpoint> latest,
    absl::string_view who, std::function<void(const grpc::Status&)> on_done);

// Returns the reactor of a WatchCheckpoints call refused with `status`
// (not OK) before any message, e.g. NOT_FOUND for another log's origin.
grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* RefuseCheckpoints(
    const absl::Status& status,
    std::function<void(const grpc::Status&)> on_done);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_WATCH_STREAM_H_
