// Add: verify each statement on the gRPC thread, queue the accepted ones
// with the sequencer, and answer once every one of them has been committed
// (or refused), without blocking any thread in between.
//
// Where the answer is built: the sequencer completes callbacks on its own
// thread, the log's single writer. An answer costs one bundle per statement:
// an inclusion proof read through the store's tile cache plus copies of the
// statement and checkpoint. Measured: 2.1 us per bundle (-c opt, the 2,000-
// entry log of log_service_load_test, 2-core dev machine); proofs grow with
// log2(n) and with tile-cache misses in a big log. At the 15,000 adds/s
// target that is 3-8% of the writer's time before serialisation, which the
// writer would lose from committing. So the callback that completes the
// countdown only schedules the answer on the service's executor (a queue
// push); a call whose statements all failed before reaching the sequencer is
// answered on the gRPC thread that received it.
//
// What is admitted (note/statement_admission.h), cheapest check first, so a
// hostile client pays before the log spends anything: size; grammar and
// signature lines (every line by a recognised key, none twice, a bounded
// number), no Ed25519; a statement whose text is already logged is answered
// with that entry, unverified and uncharged (what it returns is public); the
// peer's budget of failed verifications (common/peer_budget.h); then
// Ed25519, where a failure is charged to the peer, never to the vendor it
// names; only then the vendor's rate limit, and the sequencer.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "log/note/entry_digests.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/note/statement_admission.h"
#include "log/server/internal/rpc_metrics.h"
#include "log/server/internal/service_util.h"
#include "log/server/log_service.h"
#include "log/serving/bundles.h"

namespace vitrine::server {

using internal::FinishUnary;
using internal::Method;

namespace {

// One statement of either kind that passed screening: a release statement
// (vendor and supervisor keys) or a rebuild statement (rebuilder keys).
class Screened {
 public:
  // The registry keys one Add works with, whatever a reload does meanwhile.
  struct Keys {
    std::shared_ptr<const VendorKeys> vendors;
    std::shared_ptr<const VendorKeys> supervisors;
    std::shared_ptr<const VendorKeys> rebuilders;
  };

  // Screens `leaf` by the rule of the kind its header line names.
  static absl::StatusOr<Screened> Of(absl::string_view leaf, const Keys& keys,
                                     const note::AdmissionLimits& limits) {
    Screened screened;
    if (note::IsRebuildStatementText(leaf)) {
      VITRINE_ASSIGN_OR_RETURN(
          screened.rebuild_,
          note::ScreenRebuildStatement(leaf, keys.rebuilders->verifiers));
      screened.rebuilder_bucket_ =
          absl::StrCat("rebuilder ", screened.rebuild_->statement.rebuilder);
    } else {
      VITRINE_ASSIGN_OR_RETURN(
          screened.release_,
          note::ScreenStatement(leaf, keys.vendors->verifiers,
                                keys.supervisors->verifiers, limits));
    }
    return screened;
  }

  const merkle::Hash& id() const {
    return rebuild_.has_value() ? rebuild_->id : release_->id;
  }

  // Verifies every signature line (Ed25519).
  absl::Status Verify(const Keys& keys) const {
    if (rebuild_.has_value()) {
      return note::VerifyScreenedRebuild(*rebuild_, keys.rebuilders->verifiers);
    }
    return note::VerifyScreened(*release_, keys.vendors->verifiers,
                                keys.supervisors->verifiers);
  }

  // The rate limiter's bucket: the vendor, or the rebuilder. Rebuilders get
  // buckets of their own, so that a rebuilder named like a vendor cannot
  // spend that vendor's budget (names hold no space).
  // Built once, at screening, and only for rebuilders: a release's bucket
  // is its vendor name as parsed, no copy on the Add path.
  absl::string_view RateKey() const {
    return rebuild_.has_value() ? absl::string_view(rebuilder_bucket_)
                                : absl::string_view(release_->statement.vendor);
  }

  // The sequencer's request for `leaf`, with the keys FindByDigest and the
  // vendor listing find it under (note/entry_digests.h's rule, from the
  // statement parsed at screening).
  sequencer::AddRequest Request(std::string leaf) const {
    sequencer::AddRequest request;
    request.leaf = std::move(leaf);
    request.statement_id = id();
    if (rebuild_.has_value()) {
      request.artifact_digest = rebuild_->statement.sha256;
      request.release_key = note::ReleaseKey(rebuild_->statement);
    } else {
      request.artifact_digest = release_->statement.sha256;
      request.vendor_key = note::VendorKey(release_->statement.vendor);
    }
    return request;
  }

 private:
  std::optional<note::ScreenedStatement> release_;
  std::optional<note::ScreenedRebuild> rebuild_;
  std::string rebuilder_bucket_;  // "rebuilder <name>" for a rebuild
};

}  // namespace

// One Add in flight. Shared by the handler and the sequencer callbacks of
// its statements; whoever brings `pending` to zero answers. The request and
// response belong to gRPC and stay valid until reactor->Finish.
struct LogService::AddCall {
  LogService* service = nullptr;
  grpc::ServerUnaryReactor* reactor = nullptr;
  const vitrine::v1::AddRequest* request = nullptr;
  vitrine::v1::AddResponse* response = nullptr;
  absl::Time start;
  // The gRPC peer ("ipv4:host:port"): the connection failures are charged to.
  std::string peer;
  // One per statement, in request order. Each is written by one party (the
  // handler, or that statement's callback) before it counts down; the
  // acq_rel countdown makes every write visible to whoever answers.
  std::vector<absl::StatusOr<sequencer::AddResult>> outcomes;
  // Statements queued with the sequencer and not yet answered, plus one
  // held by the handler until it has queued them all.
  std::atomic<size_t> pending{1};

  // Counts one answer down; the last one answers the call, on the executor
  // when it comes from the sequencer's thread.
  static void Arrive(const std::shared_ptr<AddCall>& call, bool from_handler) {
    if (call->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (from_handler) {
      call->Answer();
    } else {
      call->service->executor_.Schedule([call] { call->Answer(); });
    }
  }

  // Builds each statement's result (bundle with proof, or error) and
  // finishes the call.
  void Answer() {
    const storage::Store& store = *service->store_;
    internal::RpcMetrics& metrics = *service->metrics_;
    response->mutable_results()->Reserve(static_cast<int>(outcomes.size()));
    for (size_t i = 0; i < outcomes.size(); ++i) {
      vitrine::v1::AddResult* result = response->add_results();
      absl::Status status = outcomes[i].status();
      if (status.ok()) {
        const sequencer::AddResult& added = *outcomes[i];
        // A duplicate is answered with the entry as logged: the same text,
        // but perhaps other signature lines than this request's.
        absl::StatusOr<std::string> leaf =
            added.duplicate
                ? store.GetEntry(added.index)
                : absl::StatusOr<std::string>(
                      request->statements(static_cast<int>(i)));
        status = leaf.status();
        if (status.ok()) {
          status = serving::FillBundle(store, internal::HeadOf(*added.state),
                                       added.index, *std::move(leaf),
                                       result->mutable_bundle());
        }
        result->set_duplicate(added.duplicate);
      }
      if (!status.ok()) {
        const grpc::Status grpc_status = ToGrpcStatus(status);
        result->clear_duplicate();
        vitrine::v1::Error* error = result->mutable_error();  // clears bundle
        error->set_code(static_cast<int>(grpc_status.error_code()));
        error->set_message(grpc_status.error_message());
      }
      metrics.RecordStatement(status.raw_code());
    }
    metrics.ObserveAddLatency(absl::Now() - start);
    FinishUnary(reactor, metrics, Method::kAdd, absl::OkStatus());
  }
};

grpc::ServerUnaryReactor* LogService::Add(grpc::CallbackServerContext* context,
                                          const vitrine::v1::AddRequest* request,
                                          vitrine::v1::AddResponse* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (RefusedWhileShuttingDown(reactor, Method::kAdd)) return reactor;
  const size_t count = static_cast<size_t>(request->statements_size());
  if (count == 0) {
    FinishUnary(reactor, *metrics_, Method::kAdd,
                absl::InvalidArgumentError("Add needs at least one statement"));
    return reactor;
  }
  if (count > limits_.max_statements_per_add) {
    FinishUnary(reactor, *metrics_, Method::kAdd,
                absl::ResourceExhaustedError(absl::StrCat(
                    "Add takes at most ", limits_.max_statements_per_add,
                    " statements per request, not ", count,
                    "; split the request")));
    return reactor;
  }

  // A full disk fails commits half-way (issue 14): stop taking writes while
  // there is still room, with the figures, and keep serving reads.
  if (disk_ != nullptr) {
    if (absl::Status room = disk_->Check(); !room.ok()) {
      disk_refusals_.Increment();
      FinishUnary(reactor, *metrics_, Method::kAdd, room);
      return reactor;
    }
  }

  auto call = std::make_shared<AddCall>();
  call->service = this;
  call->reactor = reactor;
  call->request = request;
  call->response = response;
  call->start = start;
  call->outcomes.assign(count, absl::UnknownError("not answered"));

  call->peer = context->peer();

  // Judge every statement first, so that a cancelled call queues nothing.
  const Screened::Keys keys{registry_->Snapshot(),
                            registry_->SupervisorSnapshot(),
                            registry_->RebuilderSnapshot()};
  std::vector<std::optional<Screened>> screened(count);
  std::vector<merkle::Hash> ids;
  std::vector<size_t> id_owner;
  for (size_t i = 0; i < count; ++i) {
    const std::string& statement = request->statements(static_cast<int>(i));
    if (statement.size() > limits_.max_statement_bytes) {
      call->outcomes[i] = absl::ResourceExhaustedError(absl::StrCat(
          "statement ", i, " is ", statement.size(), " bytes; the limit is ",
          limits_.max_statement_bytes));
      continue;
    }
    absl::StatusOr<Screened> checked =
        Screened::Of(statement, keys, limits_.admission);
    if (!checked.ok()) {
      call->outcomes[i] = checked.status();
      continue;
    }
    ids.push_back(checked->id());
    id_owner.push_back(i);
    screened[i] = *std::move(checked);
  }

  // Statements already logged: answered with their entry, no verification
  // and no quota spent. The published state covers every stored index.
  const std::shared_ptr<const sequencer::PublishedState> published =
      sequencer_->Published();
  if (!ids.empty()) {
    absl::StatusOr<std::vector<std::optional<uint64_t>>> logged =
        store_->FindStatements(ids);
    for (size_t k = 0; k < ids.size(); ++k) {
      const size_t i = id_owner[k];
      if (!logged.ok()) {
        call->outcomes[i] = logged.status();
        screened[i].reset();
      } else if ((*logged)[k].has_value() &&
                 *(*logged)[k] < published->checkpoint.size) {
        call->outcomes[i] = sequencer::AddResult{*(*logged)[k],
                                                 /*duplicate=*/true, published};
        screened[i].reset();
      }
    }
  }

  // Rate limiting comes after verification: the vendor (rebuilder) name is
  // only trusted once its signature verified, so nobody can spend another
  // vendor's budget.
  std::vector<sequencer::AddRequest> accepted(count);
  std::vector<bool> queue(count, false);
  for (size_t i = 0; i < count; ++i) {
    if (!screened[i].has_value()) continue;
    absl::Status allowed = verify_budget_->Check(call->peer);
    if (!allowed.ok()) {
      budget_refusals_.Increment();
      call->outcomes[i] = std::move(allowed);
      continue;
    }
    absl::Status verified = screened[i]->Verify(keys);
    if (!verified.ok()) {
      if (verified.code() == absl::StatusCode::kInvalidArgument) {
        verify_failures_.Increment();
        verify_budget_->ChargeFailure(call->peer);
      }
      call->outcomes[i] = std::move(verified);
      continue;
    }
    absl::Status within_rate = limiter_->Acquire(screened[i]->RateKey());
    if (!within_rate.ok()) {
      call->outcomes[i] = std::move(within_rate);
      continue;
    }
    accepted[i] =
        screened[i]->Request(request->statements(static_cast<int>(i)));
    queue[i] = true;
  }
  if (context->IsCancelled()) {
    FinishUnary(reactor, *metrics_, Method::kAdd,
                absl::CancelledError("the call was cancelled before its "
                                     "statements were queued"));
    return reactor;
  }

  for (size_t i = 0; i < count; ++i) {
    if (!queue[i]) continue;
    call->pending.fetch_add(1, std::memory_order_relaxed);
    sequencer_->Add(std::move(accepted[i]),
                    [call, i](absl::StatusOr<sequencer::AddResult> result) {
                      // A new entry signed by a registered key: this
                      // connection holds a key, whoever shares its address.
                      if (result.ok() && !result->duplicate) {
                        call->service->verify_budget_->CreditSuccess(call->peer);
                      }
                      call->outcomes[i] = std::move(result);
                      AddCall::Arrive(call, /*from_handler=*/false);
                    });
  }
  AddCall::Arrive(call, /*from_handler=*/true);
  return reactor;
}

}  // namespace vitrine::server
