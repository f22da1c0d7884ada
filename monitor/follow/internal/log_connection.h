// The follower's gRPC connection to one log: the four Log calls it makes,
// each with a deadline, answers converted to absl types (nothing verified
// here: the follower does that), and every call in flight cancellable at
// once for a prompt Stop. Internal to monitor/follow.
//
// Thread-safety: all methods may be called from any thread.
#ifndef VITRINE_MONITOR_FOLLOW_INTERNAL_LOG_CONNECTION_H_
#define VITRINE_MONITOR_FOLLOW_INTERNAL_LOG_CONNECTION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::monitor::internal {

class LogConnection {
 public:
  static absl::StatusOr<std::unique_ptr<LogConnection>> Create(
      const std::string& target,
      const std::optional<std::string>& tls_root_certs,
      absl::Duration deadline);

  // The log's latest checkpoint note; with at_most_size != 0, the one it
  // signed for the largest size <= at_most_size (log.proto).
  absl::StatusOr<std::string> GetCheckpoint(uint64_t at_most_size = 0);
  // The log's consistency proof from old_size to new_size.
  absl::StatusOr<std::vector<merkle::Hash>> GetConsistencyProof(
      uint64_t old_size, uint64_t new_size);
  // The leaves [start, end), checked to arrive in order and complete.
  absl::StatusOr<std::vector<std::string>> GetEntries(uint64_t start,
                                                      uint64_t end);
  // Follows WatchCheckpoints from `after_size`, calling `on_note` with each
  // checkpoint note, until the stream ends (its status), `on_note` fails
  // (its status) or CancelAll (Cancelled). No deadline: it is long-lived.
  absl::Status Watch(uint64_t after_size,
                     const std::function<absl::Status(const std::string&)>&
                         on_note);

  // Cancels every call in flight and fails every later one (Cancelled).
  void CancelAll();

 private:
  explicit LogConnection(std::shared_ptr<grpc::Channel> channel,
                         absl::Duration deadline);

  // A registered context (with the deadline unless `stream`), or Cancelled
  // after CancelAll; Release unregisters it.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> Acquire(bool stream);
  void Release(grpc::ClientContext* context);

  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<vitrine::v1::Log::Stub> stub_;
  const absl::Duration deadline_;

  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::set<grpc::ClientContext*> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor::internal

#endif  // VITRINE_MONITOR_FOLLOW_INTERNAL_LOG_CONNECTION_H_
