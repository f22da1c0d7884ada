#include "common/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace vitrine {
namespace {

// google.rpc.Code runs 0 (OK) .. 16 (UNAUTHENTICATED) without gaps in both
// enums.
constexpr int kMaxCode = 16;

bool IsKnownCode(int code) { return code >= 0 && code <= kMaxCode; }

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // raw_code: code() already folds unknown numbers into kUnknown.
  const int code = status.raw_code();
  if (!IsKnownCode(code)) {
    return grpc::Status(grpc::StatusCode::UNKNOWN,
                        absl::StrCat("status code ", code, ": ",
                                     status.message()));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code),
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view method) {
  if (status.ok()) return absl::OkStatus();
  const std::string prefix = method.empty() ? "" : absl::StrCat(method, ": ");
  const int code = static_cast<int>(status.error_code());
  if (!IsKnownCode(code)) {
    return absl::UnknownError(
        absl::StrCat(prefix, "status code ", code, ": ", status.error_message()));
  }
  return absl::Status(static_cast<absl::StatusCode>(code),
                      absl::StrCat(prefix, status.error_message()));
}

const char* GrpcCodeName(int code) {
  static constexpr const char* kNames[kMaxCode + 1] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  return IsKnownCode(code) ? kNames[code] : "UNKNOWN";
}

}  // namespace vitrine
