#include "log/server/internal/witness_call.h"

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace vitrine::server::internal {

std::optional<uint64_t> ParseWitnessSize(absl::string_view value) {
  uint64_t size = 0;
  if (value.empty() || value.size() > 20 ||
      (value.size() > 1 && value[0] == '0')) {
    return std::nullopt;
  }
  for (char c : value) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  if (!absl::SimpleAtoi(value, &size)) return std::nullopt;
  return size;
}

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
        answer.status = absl::Status(
            static_cast<absl::StatusCode>(status.error_code()),
            status.error_message());
        if (status.ok()) {
          answer.cosignatures.assign(call->response.cosignatures().begin(),
                                     call->response.cosignatures().end());
        } else if (status.error_code() == grpc::StatusCode::ABORTED) {
          const auto& trailers = context->GetServerTrailingMetadata();
          auto it = trailers.find(kWitnessSizeTrailer);
          if (it != trailers.end()) {
            answer.held_size = ParseWitnessSize(
                absl::string_view(it->second.data(), it->second.size()));
          }
        }
        call->done(std::move(answer));
      });
}

}  // namespace vitrine::server::internal
