#include "monitor/witness/witness_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/log_escape.h"
#include "proto/vitrine/v1/witness_size.h"

namespace vitrine::monitor {
namespace {

// Returns the request's limits violation, if any.
absl::Status CheckLimits(const vitrine::v1::AddCheckpointRequest& request) {
  if (request.checkpoint().size() > kMaxCheckpointNoteSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint note of ", request.checkpoint().size(),
                     " bytes; at most ", kMaxCheckpointNoteSize));
  }
  if (static_cast<size_t>(request.consistency_proof_size()) >
      kMaxProofHashes) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof of ", request.consistency_proof_size(),
                     " hashes; at most ", kMaxProofHashes));
  }
  return absl::OkStatus();
}

// Returns the held checkpoint of `origin` in canonical form, or why there is
// none (the codes of GetLatestCheckpoint in witness_service.h).
absl::StatusOr<std::string> LatestOf(const Witness& witness,
                                     absl::string_view origin) {
  if (origin.empty()) {
    return absl::InvalidArgumentError("origin is empty: name the log");
  }
  if (origin.size() > kMaxOriginSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("origin of ", origin.size(), " bytes; at most ",
                     kMaxOriginSize, " (", EscapeForLog(origin), ")"));
  }
  std::optional<std::string> latest = witness.Latest(origin);
  if (latest.has_value()) return *std::move(latest);
  // Latest() says nothing about why: HeldSize tells the two cases apart.
  if (!witness.HeldSize(origin).ok()) {
    return absl::NotFoundError(absl::StrCat(
        "this witness does not follow a log \"", EscapeForLog(origin), "\""));
  }
  return absl::NotFoundError(
      absl::StrCat("this witness has cosigned no checkpoint of \"",
                   EscapeForLog(origin), "\" yet"));
}

}  // namespace

WitnessService::WitnessService(Witness* witness, PeerBudget* budget)
    : witness_(witness), budget_(budget) {}

grpc::ServerUnaryReactor* WitnessService::AddCheckpoint(
    grpc::CallbackServerContext* context,
    const vitrine::v1::AddCheckpointRequest* request,
    vitrine::v1::AddCheckpointResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::string peer = context->peer();
  absl::Status limits = CheckLimits(*request);
  if (limits.ok() && budget_ != nullptr) limits = budget_->Check(peer);
  if (!limits.ok()) {
    reactor->Finish(ToGrpcStatus(limits));
    return reactor;
  }
  // A repeated field is not contiguous: at most 63 x 32 bytes to copy.
  const std::vector<std::string> proof(request->consistency_proof().begin(),
                                       request->consistency_proof().end());
  uint64_t held_size = 0;
  absl::StatusOr<std::vector<std::string>> lines = witness_->AddCheckpoint(
      request->old_size(), proof, request->checkpoint(), &held_size);
  if (absl::IsPermissionDenied(lines.status()) && budget_ != nullptr) {
    budget_->ChargeFailure(peer);
  }
  if (absl::IsAborted(lines.status())) {
    context->AddTrailingMetadata(v1::kWitnessSizeTrailer,
                                 v1::FormatWitnessSize(held_size));
  }
  if (!lines.ok()) {
    reactor->Finish(ToGrpcStatus(lines.status()));
    return reactor;
  }
  for (std::string& line : *lines) response->add_cosignatures(std::move(line));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* WitnessService::GetLatestCheckpoint(
    grpc::CallbackServerContext* context,
    const vitrine::v1::GetLatestCheckpointRequest* request,
    vitrine::v1::GetLatestCheckpointResponse* response) {
  // No budget check: see "Budget" in the header.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::string> latest = LatestOf(*witness_, request->origin());
  if (latest.ok()) response->set_checkpoint(*std::move(latest));
  reactor->Finish(ToGrpcStatus(latest.status()));
  return reactor;
}

}  // namespace vitrine::monitor
