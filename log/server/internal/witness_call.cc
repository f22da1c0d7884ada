#include "log/server/internal/witness_call.h"

#include <memory>
#include <utility>

#include "common/grpc_status.h"
#include "proto/vitrine/v1/witness_size.h"

namespace vitrine::server::internal {

void StartAddCheckpoint(vitrine::v1::Witness::StubInterface& stub,
                        grpc::ClientContext* context, uint64_t old_size,
                        absl::Span<const merkle::Hash> proof,
                        absl::string_view checkpoint,
                        std::function<void(WitnessAnswer)> done) {
  struct Call {
    vitrine::v1::AddCheckpointRequest request;
    vitrine::v1::AddCheckpointResponse response;
    std::function<void(WitnessAnswer)> done;
  };
  auto call = std::make_shared<Call>();
  call->request.set_old_size(old_size);
  for (const merkle::Hash& hash : proof) {
    call->request.add_consistency_proof(std::string(hash.AsStringView()));
  }
  call->request.set_checkpoint(std::string(checkpoint));
  call->done = std::move(done);
  stub.async()->AddCheckpoint(
      context, &call->request, &call->response,
      [call, context](grpc::Status status) {
        WitnessAnswer answer;
        answer.status = FromGrpcStatus(status);
        if (status.ok()) {
          answer.cosignatures.assign(call->response.cosignatures().begin(),
                                     call->response.cosignatures().end());
        } else if (status.error_code() == grpc::StatusCode::ABORTED) {
          const auto& trailers = context->GetServerTrailingMetadata();
          auto it = trailers.find(v1::kWitnessSizeTrailer);
          if (it != trailers.end()) {
            absl::StatusOr<uint64_t> held = v1::ParseWitnessSize(
                absl::string_view(it->second.data(), it->second.size()));
            if (held.ok()) answer.held_size = *held;
          }
        }
        call->done(std::move(answer));
      });
}

}  // namespace vitrine::server::internal
