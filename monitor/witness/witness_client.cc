#include "monitor/witness/witness_client.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "grpcpp/client_context.h"
#include "proto/vitrine/v1/witness_size.h"

namespace vitrine::monitor {

absl::StatusOr<std::vector<std::string>> PushCheckpoint(
    vitrine::v1::Witness::StubInterface& stub, uint64_t old_size,
    absl::Span<const merkle::Hash> proof, absl::string_view checkpoint_note,
    absl::Duration deadline, uint64_t* held_size) {
  if (deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("PushCheckpoint: deadline must be positive");
  }
  if (held_size == nullptr) {
    return absl::InvalidArgumentError("PushCheckpoint: held_size is null");
  }
  vitrine::v1::AddCheckpointRequest request;
  request.set_old_size(old_size);
  for (const merkle::Hash& hash : proof) {
    request.add_consistency_proof(std::string(hash.AsStringView()));
  }
  request.set_checkpoint(std::string(checkpoint_note));

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  vitrine::v1::AddCheckpointResponse response;
  const grpc::Status answer = stub.AddCheckpoint(&context, request, &response);
  absl::Status status = FromGrpcStatus(answer);
  if (absl::IsAborted(status)) {
    const auto& trailers = context.GetServerTrailingMetadata();
    auto it = trailers.find(v1::kWitnessSizeTrailer);
    if (it == trailers.end()) {
      return absl::UnknownError(absl::StrCat(
          "witness answered ABORTED without ", v1::kWitnessSizeTrailer, ": ",
          status.message()));
    }
    absl::StatusOr<uint64_t> held = v1::ParseWitnessSize(
        absl::string_view(it->second.data(), it->second.size()));
    if (!held.ok()) {
      return absl::UnknownError(absl::StrCat(
          "witness answered ABORTED with a bad trailer: ",
          held.status().message()));
    }
    *held_size = *held;
    return status;
  }
  if (!status.ok()) return status;
  return std::vector<std::string>(response.cosignatures().begin(),
                                  response.cosignatures().end());
}

}  // namespace vitrine::monitor
