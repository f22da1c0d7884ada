// The Log gRPC service (proto/vitrine/v1/log.proto; DESIGN.md "The log
// server"): thin callback-API handlers over the sequencer (writes) and the
// store (reads). Each handler validates, makes one call into a core and
// maps the answer; statuses become gRPC statuses in common/grpc_status.h only.
//
//   LogService service(store.get(), sequencer.get(), registry.get(),
//                      limiter.get(), &metrics, ServiceLimits{});
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   ...
//   service.Shutdown();         // ends WatchCheckpoints streams
//   server->Shutdown(deadline); // waits for calls in flight (Adds included)
//   sequencer->Stop();
//   // then destroy the service, the sequencer, the store.
//
// Add never blocks a gRPC thread on the sequencer: statements are verified
// on the gRPC thread, handed to Sequencer::Add, and the RPC completes when
// the last of its statements' callbacks has run (an atomic countdown). The
// inclusion proofs and the response are then built on a small executor, not
// on the sequencer's callback thread: that thread is the log's single
// writer, and every microsecond it spends on answers is taken from commits
// (the measurement is in log_service_add.cc).
//
// Reads serve the last published state (Sequencer::Published), never
// waiting for the writer. With witnesses configured (a WitnessedHead given),
// GetCheckpoint(witnessed) and GetBundle(witnessed) serve the latest
// checkpoint cosigned by the witness quorum (witness_pusher.h), and
// FAILED_PRECONDITION while none is; without, FAILED_PRECONDITION always. Streams (GetEntries, WatchCheckpoints) keep one
// write in flight at a time. WatchCheckpoints sends only the newest
// checkpoint not yet sent when the client is slower than the log: a monitor
// needs the latest signed head (consistency proofs bridge the gap), not
// every intermediate one.
//
// Thread-safety: thread-safe, as gRPC requires. Every pointer passed to the
// constructor must outlive the service; the sequencer may outlive it too
// (its watcher holds only a shared subscription list). Shut the gRPC server
// down before destroying the service: Add completions still pending in the
// sequencer run on the service's executor.
#ifndef VITRINE_LOG_SERVER_LOG_SERVICE_H_
#define VITRINE_LOG_SERVER_LOG_SERVICE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/disk_reserve.h"
#include "common/metrics.h"
#include "common/peer_budget.h"
#include "log/note/statement_admission.h"
#include "grpcpp/grpcpp.h"
#include "log/note/statement.h"
#include "log/sequencer/sequencer.h"
#include "log/server/executor.h"
#include "log/server/rate_limiter.h"
#include "log/server/vendor_registry.h"
#include "log/server/witnessed_head.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::serving {
class CheckpointHub;
}  // namespace vitrine::serving

namespace vitrine::server {

namespace internal {
class RpcMetrics;
enum class Method : int;
}  // namespace internal

struct ServiceLimits {
  // Statements per Add (more: RESOURCE_EXHAUSTED for the call). Bounds one
  // request's verification work (~50 ms of Ed25519 at 1000) and answer size.
  size_t max_statements_per_add = 1000;
  // Bytes per statement (more: RESOURCE_EXHAUSTED for that statement): the
  // format's own limit (DESIGN.md format 6); lower refuses big notes sooner.
  size_t max_statement_bytes = note::kMaxStatementNoteSize;
  // Entries per GetEntries call (more: INVALID_ARGUMENT), as log.proto
  // documents: about 10-160 MB of statements, one tile-aligned stream.
  uint64_t max_entries_per_call = 10000;
  // Bundles per FindByDigest answer, the lowest indexes first: each costs an
  // entry read and a proof; no artifact should have nearly this many.
  size_t max_bundles_per_find = 1000;
  // Threads building Add answers (proofs, serialisation) off the sequencer
  // thread: two keep up with the sequencer on the 2-core target machine.
  size_t completion_threads = 2;
  // WatchCheckpoints streams at once, all clients together (more:
  // RESOURCE_EXHAUSTED at once): each holds a gRPC call and at most one
  // checkpoint, and every publication writes to each of them.
  size_t max_watch_streams = 4096;
  // WatchCheckpoints streams at once on one connection (the gRPC peer): one
  // stream sees every checkpoint, so a client needs one; 16 leave room for
  // a few components sharing a channel, not for one client taking them all.
  size_t max_watch_streams_per_connection = 16;
  // What one statement may carry (supervisor lines); see
  // note/statement_admission.h.
  note::AdmissionLimits admission;
  // What failed signature verifications a peer may cause before its Adds
  // are refused without verification (common/peer_budget.h).
  PeerBudgetOptions verify_budget;
};

class LogService final : public vitrine::v1::Log::CallbackService {
 public:
  // Registers a checkpoint watcher with `sequencer`. All pointers but
  // `witnessed` and `disk` must be non-null, and all must outlive the
  // service. `witnessed` is null when the log has no witnesses configured;
  // `disk`, the store's free-space reserve, is null when there is none:
  // while it is breached, Add answers RESOURCE_EXHAUSTED ("disk nearly
  // full: ...") before judging anything, and reads go on.
  LogService(storage::Store* store, sequencer::Sequencer* sequencer,
             VendorRegistry* registry, RateLimiter* limiter,
             MetricsRegistry* metrics, ServiceLimits limits,
             const WitnessedHead* witnessed = nullptr,
             const DiskReserve* disk = nullptr);
  ~LogService() override;

  // Begins shutting down: ends every WatchCheckpoints stream with
  // UNAVAILABLE, ends each GetEntries stream with UNAVAILABLE after its
  // write in flight, and answers UNAVAILABLE to every read and watch that
  // arrives from now on, so that clients see "reconnect", never CANCELLED,
  // and grpc::Server::Shutdown (which waits for every call) can return.
  // Adds already accepted still complete. Idempotent; the destructor calls it.
  void Shutdown();

  // Returns the number of WatchCheckpoints streams open (metrics, tests).
  size_t watch_streams() const;

  grpc::ServerUnaryReactor* Add(grpc::CallbackServerContext* context,
                                const vitrine::v1::AddRequest* request,
                                vitrine::v1::AddResponse* response) override;
  grpc::ServerUnaryReactor* GetCheckpoint(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetCheckpointRequest* request,
      vitrine::v1::GetCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetInclusionProofRequest* request,
      vitrine::v1::GetInclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetConsistencyProofRequest* request,
      vitrine::v1::GetConsistencyProofResponse* response) override;
  grpc::ServerWriteReactor<vitrine::v1::Entry>* GetEntries(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetEntriesRequest* request) override;
  grpc::ServerUnaryReactor* FindByDigest(
      grpc::CallbackServerContext* context,
      const vitrine::v1::FindByDigestRequest* request,
      vitrine::v1::FindByDigestResponse* response) override;
  grpc::ServerUnaryReactor* GetBundle(
      grpc::CallbackServerContext* context,
      const vitrine::v1::GetBundleRequest* request,
      vitrine::v1::Bundle* response) override;
  grpc::ServerWriteReactor<vitrine::v1::Checkpoint>* WatchCheckpoints(
      grpc::CallbackServerContext* context,
      const vitrine::v1::WatchCheckpointsRequest* request) override;

 private:
  struct AddCall;

  // Finishes `reactor` UNAVAILABLE ("the log is shutting down") and returns
  // true once Shutdown has begun; false otherwise. For unary reads.
  bool RefusedWhileShuttingDown(grpc::ServerUnaryReactor* reactor,
                                internal::Method method);

  storage::Store* const store_;
  sequencer::Sequencer* const sequencer_;
  VendorRegistry* const registry_;
  RateLimiter* const limiter_;
  const ServiceLimits limits_;
  const WitnessedHead* const witnessed_;  // null: no witnesses
  const DiskReserve* const disk_;         // null: no free-space reserve
  std::unique_ptr<internal::RpcMetrics> metrics_;
  // Failed verifications per connection, address and in total.
  std::unique_ptr<PeerBudget> verify_budget_;
  // vitrine_add_verify_failures_total: signatures by known keys that failed
  // to verify (each charged to its peer); vitrine_add_budget_refusals_total:
  // statements refused before verification because the budget was spent.
  Counter& verify_failures_;
  Counter& budget_refusals_;
  // vitrine_add_disk_refusals_total: Adds refused for the disk reserve.
  Counter& disk_refusals_;
  std::shared_ptr<serving::CheckpointHub> hub_;
  // Set by Shutdown; read by every read handler and GetEntries stream.
  std::atomic<bool> shutting_down_{false};
  // Last member: destroyed first, so queued Add completions still find the
  // rest of the service alive while it drains.
  Executor executor_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_LOG_SERVICE_H_
