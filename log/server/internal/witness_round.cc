#include "log/server/internal/witness_round.h"

#include <utility>

#include "log/merkle/proof.h"

namespace vitrine::server::internal {

absl::StatusOr<std::vector<merkle::Hash>> WitnessProof(
    uint64_t old_size, uint64_t size, merkle::HashReader& reader) {
  if (old_size == 0 || old_size >= size) return std::vector<merkle::Hash>();
  return merkle::ConsistencyProof(old_size, size, reader);
}

struct PushRound::Call {
  size_t slot = 0;
  vitrine::v1::Witness::StubInterface* stub = nullptr;
  // One context per call sent; the last is the one in flight.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  bool retried = false;
  bool done = false;
  PushOutcome outcome;
};

PushRound::PushRound(const storage::Store& store,
                     const sequencer::PublishedState& target,
                     absl::Time deadline,
                     std::function<void(size_t, const absl::Status&)> on_answer)
    : store_(store),
      target_(target),
      deadline_(deadline),
      on_answer_(std::move(on_answer)) {}

PushRound::~PushRound() {
  Cancel();
  Wait();
}

void PushRound::Push(size_t slot, vitrine::v1::Witness::StubInterface& stub,
                     uint64_t old_size) {
  auto owned = std::make_unique<Call>();
  Call* call = owned.get();
  call->slot = slot;
  call->stub = &stub;
  {
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::move(owned));
    ++pending_;
  }
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      WitnessProof(old_size, target_.checkpoint.size, store_.hash_reader());
  if (proof.ok() && Send(call, old_size, *std::move(proof))) return;
  Finish(call, proof.ok() ? absl::CancelledError("the pusher is stopping")
                          : proof.status());
}

bool PushRound::Send(Call* call, uint64_t old_size,
                     std::vector<merkle::Hash> proof) {
  grpc::ClientContext* context = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return false;
    call->outcome.old_size = old_size;
    call->contexts.push_back(std::make_unique<grpc::ClientContext>());
    context = call->contexts.back().get();
  }
  context->set_deadline(absl::ToChronoTime(deadline_));
  // Outside the lock: the answer may come on another thread at once.
  StartAddCheckpoint(*call->stub, context, old_size, proof,
                     target_.signed_note,
                     [this, call](WitnessAnswer answer) {
                       OnAnswer(call, std::move(answer));
                     });
  return true;
}

void PushRound::OnAnswer(Call* call, WitnessAnswer answer) {
  on_answer_(call->slot, answer.status);
  const uint64_t size = target_.checkpoint.size;
  // The witness holds another size than we believed: prove from it, once.
  if (answer.status.code() == absl::StatusCode::kAborted &&
      answer.held_size.has_value() && *answer.held_size <= size &&
      !call->retried) {
    call->retried = true;
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        WitnessProof(*answer.held_size, size, store_.hash_reader());
    if (proof.ok() && Send(call, *answer.held_size, *std::move(proof))) return;
    if (!proof.ok()) answer.status = proof.status();
  }
  Finish(call, std::move(answer));
}

void PushRound::Finish(Call* call, WitnessAnswer answer) {
  absl::MutexLock lock(&mu_);
  call->outcome.answer = std::move(answer);
  call->done = true;
  --pending_;
}

void PushRound::Finish(Call* call, absl::Status status) {
  WitnessAnswer answer;
  answer.status = std::move(status);
  Finish(call, std::move(answer));
}

std::vector<std::pair<size_t, PushOutcome>> PushRound::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](size_t* pending) { return *pending == 0; }, &pending_));
  std::vector<std::pair<size_t, PushOutcome>> outcomes;
  outcomes.reserve(calls_.size());
  for (const auto& call : calls_) outcomes.emplace_back(call->slot, call->outcome);
  return outcomes;
}

void PushRound::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (const auto& call : calls_) {
    if (!call->done && !call->contexts.empty()) {
      call->contexts.back()->TryCancel();
    }
  }
}

}  // namespace vitrine::server::internal
