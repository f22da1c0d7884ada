// Read RPCs answered from the last published state and the store: proofs
// (RFC 9162 2.1.3, 2.1.4), FindByDigest and GetBundle. The answers are
// log/serving's (proofs.h, bundles.h), shared with the monitor's mirror so
// both give the same bytes; here only the choice of state (published or
// witnessed) and the metrics. Each runs on the gRPC thread: O(log n) hash
// reads through the store's tile cache.
#include <memory>

#include "absl/status/status.h"
#include "common/status_macros.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/internal/service_util.h"
#include "log/server/log_service.h"
#include "log/serving/bundles.h"
#include "log/serving/origin.h"
#include "log/serving/proofs.h"

namespace vitrine::server {
namespace {

using internal::FinishUnary;
using internal::HeadOf;
using internal::Method;
using sequencer::PublishedState;

// Proves against the latest checkpoint, or with `witnessed` set against the
// latest witnessed one (so a leaf appended since is OutOfRange until a
// witnessed checkpoint covers it).
absl::Status BundleAnswer(const storage::Store& store,
                          std::shared_ptr<const PublishedState> latest,
                          const WitnessedHead* witnessed,
                          const vitrine::v1::GetBundleRequest& request,
                          vitrine::v1::Bundle& bundle) {
  VITRINE_RETURN_IF_ERROR(
      serving::CheckOrigin(request.origin(), latest->checkpoint.origin));
  if (request.witnessed()) {
    absl::StatusOr<std::shared_ptr<const PublishedState>> state =
        internal::WitnessedState(witnessed);
    if (!state.ok()) return state.status();
    latest = *std::move(state);
  }
  return serving::BundleAnswer(store, HeadOf(*latest), request, bundle);
}

}  // namespace

grpc::ServerUnaryReactor* LogService::GetInclusionProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetInclusionProofRequest* request,
    vitrine::v1::GetInclusionProofResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetInclusionProof)) return reactor;
  // Held for the call: the head below is a view of it.
  const std::shared_ptr<const PublishedState> state = sequencer_->Published();
  // Another log's name: NOT_FOUND, as a server of several logs answers it.
  if (absl::Status mine = serving::CheckOrigin(request->origin(),
                                               state->checkpoint.origin);
      !mine.ok()) {
    FinishUnary(reactor, *metrics_, Method::kGetInclusionProof, mine);
    return reactor;
  }
  FinishUnary(reactor, *metrics_, Method::kGetInclusionProof,
              serving::InclusionProofAnswer(
                  *store_, HeadOf(*state), *request,
                  *response));
  return reactor;
}

grpc::ServerUnaryReactor* LogService::GetConsistencyProof(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetConsistencyProofRequest* request,
    vitrine::v1::GetConsistencyProofResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetConsistencyProof)) return reactor;
  // Held for the call: the head below is a view of it.
  const std::shared_ptr<const PublishedState> state = sequencer_->Published();
  // Another log's name: NOT_FOUND, as a server of several logs answers it.
  if (absl::Status mine = serving::CheckOrigin(request->origin(),
                                               state->checkpoint.origin);
      !mine.ok()) {
    FinishUnary(reactor, *metrics_, Method::kGetConsistencyProof, mine);
    return reactor;
  }
  FinishUnary(reactor, *metrics_, Method::kGetConsistencyProof,
              serving::ConsistencyProofAnswer(
                  *store_, HeadOf(*state), *request,
                  *response));
  return reactor;
}

grpc::ServerUnaryReactor* LogService::FindByDigest(
    grpc::CallbackServerContext* context,
    const vitrine::v1::FindByDigestRequest* request,
    vitrine::v1::FindByDigestResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kFindByDigest)) return reactor;
  // Held for the call: the head below is a view of it.
  const std::shared_ptr<const PublishedState> state = sequencer_->Published();
  // Another log's name: NOT_FOUND, as a server of several logs answers it.
  if (absl::Status mine = serving::CheckOrigin(request->origin(),
                                               state->checkpoint.origin);
      !mine.ok()) {
    FinishUnary(reactor, *metrics_, Method::kFindByDigest, mine);
    return reactor;
  }
  FinishUnary(reactor, *metrics_, Method::kFindByDigest,
              serving::FindByDigestAnswer(
                  *store_, HeadOf(*state),
                  limits_.max_bundles_per_find,
                  [context] { return context->IsCancelled(); }, *request,
                  *response));
  return reactor;
}

grpc::ServerUnaryReactor* LogService::GetBundle(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetBundleRequest* request,
    vitrine::v1::Bundle* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kGetBundle)) return reactor;
  FinishUnary(reactor, *metrics_, Method::kGetBundle,
              BundleAnswer(*store_, sequencer_->Published(), witnessed_,
                           *request, *response));
  return reactor;
}

}  // namespace vitrine::server
