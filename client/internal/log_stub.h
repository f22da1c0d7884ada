// The gRPC side of LogClient: a channel and stub with a deadline on every
// call and gRPC statuses turned into absl ones (same code numbers, message
// prefixed with the method). Kept out of log_client.h so that its users do
// not compile gRPC headers. Verifies nothing: LogClient does.
//
// Thread-safe (gRPC stubs are).
#ifndef VITRINE_CLIENT_INTERNAL_LOG_STUB_H_
#define VITRINE_CLIENT_INTERNAL_LOG_STUB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/log_client.h"
#include "grpcpp/grpcpp.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::client::internal {

class LogStub {
 public:
  static absl::StatusOr<std::unique_ptr<LogStub>> Create(
      const std::string& target, const LogClientOptions& options);

  absl::StatusOr<v1::GetCheckpointResponse> GetCheckpoint(
      const v1::GetCheckpointRequest& request);
  absl::StatusOr<v1::AddResponse> Add(const v1::AddRequest& request);
  absl::StatusOr<v1::GetInclusionProofResponse> GetInclusionProof(
      const v1::GetInclusionProofRequest& request);
  absl::StatusOr<v1::GetConsistencyProofResponse> GetConsistencyProof(
      const v1::GetConsistencyProofRequest& request);
  absl::StatusOr<v1::FindByDigestResponse> FindByDigest(
      const v1::FindByDigestRequest& request);
  absl::StatusOr<v1::Bundle> GetBundle(const v1::GetBundleRequest& request);

  // Appends the leaves [start, end) to `leaves`, one call (the caller keeps
  // ranges within the log's per-call limit); DataLoss when the log streams
  // another index than the next one.
  absl::Status GetEntries(uint64_t start, uint64_t end,
                          std::vector<std::string>* leaves);

  // Streams checkpoints to `on_checkpoint` until it returns false or an
  // error (returned as is), the stream ends, or `until`.
  absl::Status WatchCheckpoints(
      uint64_t after_size, absl::Time until,
      const std::function<absl::StatusOr<bool>(const v1::Checkpoint&)>&
          on_checkpoint);

 private:
  LogStub(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);
  std::unique_ptr<grpc::ClientContext> Context() const;

  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<v1::Log::Stub> stub_;
  const absl::Duration deadline_;
};

}  // namespace vitrine::client::internal

#endif  // VITRINE_CLIENT_INTERNAL_LOG_STUB_H_
