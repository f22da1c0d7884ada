// One round of the witness pusher (witness_pusher.h): the same checkpoint
// pushed to several witnesses in parallel, each call under the round's
// deadline, and an ABORTED answer that names the size the witness holds
// retried at once with a consistency proof from that size (read from the
// store). Wait returns when every witness answered or the deadline passed.
//
//   PushRound round(store, *target, absl::Now() + timeout, on_answer);
//   round.Push(0, *stub0, /*old_size=*/0);
//   round.Push(1, *stub1, /*old_size=*/held1);
//   for (auto& [slot, outcome] : round.Wait()) ...
//
// Thread-safety: Push and Wait from the owning thread; Cancel from any
// thread. Stubs must outlive Wait.
#ifndef VITRINE_LOG_SERVER_INTERNAL_WITNESS_ROUND_H_
#define VITRINE_LOG_SERVER_INTERNAL_WITNESS_ROUND_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/merkle/hash_reader.h"
#include "log/sequencer/sequencer.h"
#include "log/server/internal/witness_call.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::server::internal {

// Returns the consistency proof the witness protocol wants from `old_size`
// to `size`: empty when old_size is 0 or not below size.
absl::StatusOr<std::vector<merkle::Hash>> WitnessProof(uint64_t old_size,
                                                       uint64_t size,
                                                       merkle::HashReader& reader);

// What one witness finally answered in a round.
struct PushOutcome {
  WitnessAnswer answer;
  // The old_size of the call that gave `answer` (the trailer's size after a
  // retry): on OK, the witness now holds the checkpoint.
  uint64_t old_size = 0;
};

class PushRound {
 public:
  // `on_answer(slot, status)` sees every answer, the retried ABORTED one
  // included (for metrics), on a gRPC thread. `store` and `target` must
  // outlive Wait.
  PushRound(const storage::Store& store, const sequencer::PublishedState& target,
            absl::Time deadline,
            std::function<void(size_t, const absl::Status&)> on_answer);
  ~PushRound();

  // Starts pushing to the witness of `slot` (slots are 0..n-1, each once).
  void Push(size_t slot, vitrine::v1::Witness::StubInterface& stub,
            uint64_t old_size);
  // Waits for every push started; returns (slot, outcome) in push order.
  std::vector<std::pair<size_t, PushOutcome>> Wait();
  // Cancels the calls in flight (they end with CANCELLED); no retries follow.
  void Cancel();

 private:
  struct Call;
  void OnAnswer(Call* call, WitnessAnswer answer);
  // Records the final answer of `call`.
  void Finish(Call* call, WitnessAnswer answer) ABSL_LOCKS_EXCLUDED(mu_);
  void Finish(Call* call, absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);
  // Sends with a new context; false (nothing sent) once cancelled.
  bool Send(Call* call, uint64_t old_size, std::vector<merkle::Hash> proof)
      ABSL_LOCKS_EXCLUDED(mu_);

  const storage::Store& store_;
  const sequencer::PublishedState& target_;
  const absl::Time deadline_;
  const std::function<void(size_t, const absl::Status&)> on_answer_;

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Call>> calls_ ABSL_GUARDED_BY(mu_);
  size_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_WITNESS_ROUND_H_
