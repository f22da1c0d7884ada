#include "log/server/internal/rpc_metrics.h"

#include "common/grpc_status.h"

namespace vitrine::server::internal {
namespace {

// Out-of-enum numbers count as UNKNOWN, as GrpcCodeName names them.
size_t CodeSlot(int code) {
  return code >= 0 && code <= 16 ? static_cast<size_t>(code) : 2;
}

}  // namespace

const char* MethodName(Method method) {
  static constexpr const char* kNames[kMethodCount] = {
      "Add",          "GetCheckpoint", "GetInclusionProof",
      "GetConsistencyProof", "GetEntries", "FindByDigest",
      "GetBundle",    "WatchCheckpoints",
  };
  return kNames[static_cast<size_t>(method)];
}

RpcMetrics::RpcMetrics(MetricsRegistry* registry)
    : registry_(registry),
      add_latency_(registry->GetHistogram(
          "vitrine_add_latency_seconds",
          "Add RPCs, from arrival to the answer (after the commit).", {},
          Histogram::LatencyBuckets())) {}

void RpcMetrics::RecordRpc(Method method, const grpc::Status& status) {
  const int code = static_cast<int>(status.error_code());
  std::atomic<Counter*>& slot =
      rpcs_[static_cast<size_t>(method) * kCodes + CodeSlot(code)];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &registry_->GetCounter(
        "vitrine_grpc_requests_total", "gRPC calls finished, by method and code.",
        {{"method", MethodName(method)}, {"code", GrpcCodeName(code)}});
    slot.store(counter, std::memory_order_release);
  }
  counter->Increment();
}

void RpcMetrics::RecordStatement(int grpc_code) {
  std::atomic<Counter*>& slot = statements_[CodeSlot(grpc_code)];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = &registry_->GetCounter(
        "vitrine_statements_total",
        "Statements submitted to Add, by result code (OK: logged or already "
        "logged).",
        {{"code", GrpcCodeName(grpc_code)}});
    slot.store(counter, std::memory_order_release);
  }
  counter->Increment();
}

void RpcMetrics::ObserveAddLatency(absl::Duration latency) {
  add_latency_.Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace vitrine::server::internal
