#include "common/grpc_status.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace vitrine {
namespace {

TEST(GrpcStatusTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, EveryCodeKeepsItsNumberAndMessage) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status in(static_cast<absl::StatusCode>(code), "what went wrong");
    const grpc::Status out = ToGrpcStatus(in);
    EXPECT_EQ(static_cast<int>(out.error_code()), code);
    EXPECT_EQ(out.error_message(), "what went wrong");
    EXPECT_EQ(FromGrpcStatus(out), in);
  }
}

TEST(GrpcStatusTest, NamedCodesMatch) {
  EXPECT_EQ(ToGrpcStatus(absl::OutOfRangeError("x")).error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(ToGrpcStatus(absl::PermissionDeniedError("x")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcStatus(absl::ResourceExhaustedError("x")).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ToGrpcStatus(absl::DataLossError("x")).error_code(),
            grpc::StatusCode::DATA_LOSS);
}

TEST(GrpcStatusTest, UnknownNumbersBecomeUnknown) {
  const grpc::Status out =
      ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "odd"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(out.error_message(), "status code 42: odd");

  // 20 is no google.rpc.Code, yet a valid grpc::StatusCode value (the
  // enum's range reaches 31; a larger number would be undefined behaviour
  // before the conversion even runs).
  const absl::Status back = FromGrpcStatus(
      grpc::Status(static_cast<grpc::StatusCode>(20), "odder"));
  EXPECT_EQ(back.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(back.message(), "status code 20: odder");
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone"), "GetEntries"),
            absl::NotFoundError("GetEntries: gone"));
}

TEST(GrpcStatusTest, CodeNames) {
  EXPECT_STREQ(GrpcCodeName(0), "OK");
  EXPECT_STREQ(GrpcCodeName(5), "NOT_FOUND");
  EXPECT_STREQ(GrpcCodeName(16), "UNAUTHENTICATED");
  EXPECT_STREQ(GrpcCodeName(17), "UNKNOWN");
  EXPECT_STREQ(GrpcCodeName(-1), "UNKNOWN");
}

}  // namespace
}  // namespace vitrine
