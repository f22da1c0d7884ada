// The one place where absl::Status becomes grpc::Status and back (STYLE.md
// habit 7): handlers return absl statuses from the cores and convert once,
// here, on the way out.
//
//   absl::StatusOr<Hash> root = TreeRoot(size, reader);
//   if (!root.ok()) return reactor->Finish(ToGrpcStatus(root.status()));
//
//   grpc::Status answer = stub->GetCheckpoint(&context, request, &response);
//   absl::Status status = FromGrpcStatus(answer);   // in clients
//
// The two enums share their numbers (google.rpc.Code), so the code is kept
// as is and the message verbatim. absl payloads have no place in a
// grpc::Status without the rich error model and are dropped.
//
// Functions are thread-safe.
#ifndef VITRINE_COMMON_GRPC_STATUS_H_
#define VITRINE_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace vitrine {

// Returns `status` as a grpc::Status with the same code and message. A code
// outside google.rpc.Code (absl allows any int) becomes UNKNOWN, with the
// original number in the message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Returns `status` as an absl::Status with the same code and message; the
// error details (binary rich status) are dropped. Codes outside
// google.rpc.Code become kUnknown. A client names the call that failed
// with `method`: the message becomes "<method>: <message>".
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view method = "");

// Returns the name of a google.rpc.Code number ("NOT_FOUND"), as metrics
// label it; "UNKNOWN" for a number outside the enum.
const char* GrpcCodeName(int code);

}  // namespace vitrine

#endif  // VITRINE_COMMON_GRPC_STATUS_H_
