// Helpers shared by the Log service's handlers: finishing a call with its
// metric, reading hash fields, locating a leaf, and building bundles and
// proofs from the store. Thread-safe (the store is).
#ifndef VITRINE_LOG_SERVER_INTERNAL_SERVICE_UTIL_H_
#define VITRINE_LOG_SERVER_INTERNAL_SERVICE_UTIL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/sequencer/sequencer.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/witnessed_head.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/bundle.pb.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::server::internal {

// Finishes a unary call with `status` (converted by common/grpc_status.h) and
// counts it.
void FinishUnary(grpc::ServerUnaryReactor* reactor, RpcMetrics& metrics,
                 Method method, const absl::Status& status);

// Returns the hash in a bytes field; InvalidArgument naming `field` unless
// it is exactly 32 bytes.
absl::StatusOr<merkle::Hash> HashField(absl::string_view bytes,
                                       absl::string_view field);

// Returns the index of the leaf a request names by index or by leaf hash,
// which must lie in the tree of `tree_size` leaves: InvalidArgument when
// neither is set or the hash is not 32 bytes, NotFound for an unknown hash,
// OutOfRange for an index >= tree_size.
absl::StatusOr<uint64_t> ResolveLeaf(const storage::Store& store,
                                     bool by_index, uint64_t leaf_index,
                                     absl::string_view leaf_hash,
                                     uint64_t tree_size);

// Replaces `out` with the hashes' 32-byte strings.
void SetProof(const std::vector<merkle::Hash>& proof,
              google::protobuf::RepeatedPtrField<std::string>* out);

// Fills `bundle` for leaf `index` (whose bytes are `leaf`) against `state`:
// the statement, index, signed checkpoint and inclusion proof computed over
// the store's hash reader.
absl::Status FillBundle(const storage::Store& store,
                        const sequencer::PublishedState& state, uint64_t index,
                        std::string leaf, vitrine::v1::Bundle* bundle);

// Returns the latest witnessed checkpoint of `head`; FailedPrecondition,
// each with its own message, when `head` is null (no witnesses configured)
// or holds none yet.
absl::StatusOr<std::shared_ptr<const sequencer::PublishedState>>
WitnessedState(const WitnessedHead* head);

// Returns the checkpoint signed for exactly `size`: `latest` when it has
// that size, else the stored one; nullopt when the log never signed that
// size (sizes inside a batch have no checkpoint).
absl::StatusOr<std::optional<vitrine::v1::Checkpoint>> CheckpointFor(
    const storage::Store& store, const sequencer::PublishedState& latest,
    uint64_t size);

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_SERVICE_UTIL_H_
