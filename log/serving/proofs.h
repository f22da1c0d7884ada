// The proof answers of the Log gRPC API (proto/vitrine/v1/log.proto:
// GetInclusionProof, GetConsistencyProof; RFC 9162 2.1.3, 2.1.4) over a
// log/storage Store and the checkpoint the server proves against, shared by
// vitrine-log (its last published state) and vitrine-monitor (the latest
// head of a verified copy, which keeps the log's layout), so that a mirror
// answers a request with the log's own bytes and codes.
//
//   serving::Head head{state->checkpoint.size, state->signed_note,
//                      "the log's size"};
//   absl::Status answered =
//       serving::InclusionProofAnswer(*store, head, *request, *response);
//   reactor->Finish(ToGrpcStatus(answered));
//
// The store may hold more than `head` (a batch being committed): answers
// never go beyond head.size, so nothing is served before it is published.
// Work per answer: O(log n) hash reads through the store's tile cache and
// at most one stored-checkpoint read.
//
// Functions are thread-safe (the store is); nothing is kept between calls.
#ifndef VITRINE_LOG_SERVING_PROOFS_H_
#define VITRINE_LOG_SERVING_PROOFS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "log/merkle/hash.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::serving {

// The checkpoint a read is answered against. A view: the caller keeps what
// it points to alive for the call (e.g. a shared_ptr to its state).
struct Head {
  // The tree size of the checkpoint; requests beyond it are OutOfRange.
  uint64_t size = 0;
  // The signed note served for that size (in bundles and proofs).
  absl::string_view signed_note;
  // How OutOfRange messages name `size`: "the log's size" for the log,
  // "the size this monitor verified" for a mirror.
  absl::string_view size_name = "the log's size";
};

// Returns the hash in a bytes field; InvalidArgument naming `field` unless
// it is exactly 32 bytes.
absl::StatusOr<merkle::Hash> HashField(absl::string_view bytes,
                                       absl::string_view field);

// Returns the index of the leaf a request names by index or by leaf hash,
// which must lie in the tree of `tree_size` leaves: InvalidArgument when the
// hash is not 32 bytes, NotFound for an unknown hash, OutOfRange for an
// index >= tree_size.
absl::StatusOr<uint64_t> ResolveLeaf(const storage::Store& store,
                                     bool by_index, uint64_t leaf_index,
                                     absl::string_view leaf_hash,
                                     uint64_t tree_size);

// Replaces `out` with the hashes' 32-byte strings.
void SetProof(const std::vector<merkle::Hash>& proof,
              google::protobuf::RepeatedPtrField<std::string>* out);

// Returns the checkpoint signed for exactly `size`: head's note when it has
// that size, else the stored one; nullopt when none was signed for that
// size (sizes inside a batch have no checkpoint).
absl::StatusOr<std::optional<vitrine::v1::Checkpoint>> CheckpointFor(
    const storage::Store& store, const Head& head, uint64_t size);

// Fills `response` with the inclusion proof of the requested leaf in the
// tree of request.tree_size leaves (0: head.size), and the checkpoint of
// that size when one was signed. OutOfRange for a tree or leaf beyond head;
// InvalidArgument when no leaf is named or its hash is not 32 bytes;
// NotFound for an unknown leaf hash; storage codes otherwise.
absl::Status InclusionProofAnswer(
    const storage::Store& store, const Head& head,
    const vitrine::v1::GetInclusionProofRequest& request,
    vitrine::v1::GetInclusionProofResponse& response);

// Fills `response` with the consistency proof from old_size to new_size
// (0: head.size), and the checkpoint of new_size when one was signed.
// OutOfRange for a size beyond head; InvalidArgument for old_size >
// new_size; storage codes otherwise.
absl::Status ConsistencyProofAnswer(
    const storage::Store& store, const Head& head,
    const vitrine::v1::GetConsistencyProofRequest& request,
    vitrine::v1::GetConsistencyProofResponse& response);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_PROOFS_H_
