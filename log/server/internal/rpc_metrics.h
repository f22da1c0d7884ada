// The Log service's metrics: RPCs by method and code, statements by result
// code, and Add latency. Counters are looked up in the registry once per
// (method, code) and cached, so a call only touches atomics. Thread-safe.
#ifndef VITRINE_LOG_SERVER_INTERNAL_RPC_METRICS_H_
#define VITRINE_LOG_SERVER_INTERNAL_RPC_METRICS_H_

#include <array>
#include <atomic>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "grpcpp/support/status.h"

namespace vitrine::server::internal {

enum class Method : int {
  kAdd,
  kGetCheckpoint,
  kGetInclusionProof,
  kGetConsistencyProof,
  kGetEntries,
  kFindByDigest,
  kGetBundle,
  kWatchCheckpoints,
};
inline constexpr size_t kMethodCount = 8;

// Returns the method's name as in log.proto ("GetInclusionProof").
const char* MethodName(Method method);

class RpcMetrics {
 public:
  // `registry` must outlive this.
  explicit RpcMetrics(MetricsRegistry* registry);

  // Counts one finished RPC: vitrine_grpc_requests_total{method, code}.
  void RecordRpc(Method method, const grpc::Status& status);
  // Counts one Add statement's result: vitrine_statements_total{code}.
  void RecordStatement(int grpc_code);
  // Observes one Add from arrival to answer: vitrine_add_latency_seconds.
  void ObserveAddLatency(absl::Duration latency);

 private:
  // google.rpc.Code 0..16.
  static constexpr size_t kCodes = 17;

  MetricsRegistry* const registry_;
  Histogram& add_latency_;
  // nullptr until first used; then the registry's counter (always the same
  // one, so racing first uses agree).
  std::array<std::atomic<Counter*>, kMethodCount * kCodes> rpcs_{};
  std::array<std::atomic<Counter*>, kCodes> statements_{};
};

}  // namespace vitrine::server::internal

#endif  // VITRINE_LOG_SERVER_INTERNAL_RPC_METRICS_H_
