// PushCheckpoint against a scripted Witness service on a real loopback
// gRPC server: what goes on the wire, and how each answer comes back.
#include "monitor/witness/witness_client.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/witness_size.h"

namespace vitrine::monitor {
namespace {

using ::testing::ElementsAre;
using ::vitrine::testing::StatusIs;

// Answers with whatever the test set, and keeps the last request.
class ScriptedWitness final : public vitrine::v1::Witness::Service {
 public:
  grpc::Status AddCheckpoint(grpc::ServerContext* context,
                             const vitrine::v1::AddCheckpointRequest* request,
                             vitrine::v1::AddCheckpointResponse* response)
      override {
    last_request = *request;
    if (!trailer.empty()) {
      context->AddTrailingMetadata(v1::kWitnessSizeTrailer, trailer);
    }
    for (const std::string& line : lines) response->add_cosignatures(line);
    return answer;
  }

  grpc::Status answer = grpc::Status::OK;
  std::string trailer;
  std::vector<std::string> lines;
  vitrine::v1::AddCheckpointRequest last_request;
};

class WitnessClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = vitrine::v1::Witness::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  ScriptedWitness service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<vitrine::v1::Witness::Stub> stub_;
};

TEST_F(WitnessClientTest, SendsTheRequestAndReturnsTheLines) {
  service_.lines = {"— w1 AAAA\n", "— w1 BBBB\n"};
  const merkle::Hash a = merkle::HashLeaf("a");
  const merkle::Hash b = merkle::HashLeaf("b");
  const std::vector<merkle::Hash> proof = {a, b};
  uint64_t held = 77;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lines,
                       PushCheckpoint(*stub_, 3, proof, "note\n",
                                      absl::Seconds(10), &held));
  EXPECT_THAT(lines, ElementsAre("— w1 AAAA\n", "— w1 BBBB\n"));
  EXPECT_EQ(held, 77u);
  EXPECT_EQ(service_.last_request.old_size(), 3u);
  EXPECT_EQ(service_.last_request.checkpoint(), "note\n");
  EXPECT_THAT(service_.last_request.consistency_proof(),
              ElementsAre(std::string(a.AsStringView()),
                          std::string(b.AsStringView())));
}

TEST_F(WitnessClientTest, AbortedReadsTheHeldSize) {
  service_.answer = grpc::Status(grpc::StatusCode::ABORTED, "stale");
  service_.trailer = "12345678901234";
  uint64_t held = 0;
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, "note\n", absl::Seconds(10), &held),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(held, 12345678901234u);
}

TEST_F(WitnessClientTest, AbortedWithoutTrailerIsUnknown) {
  service_.answer = grpc::Status(grpc::StatusCode::ABORTED, "stale");
  uint64_t held = 5;
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, "note\n", absl::Seconds(10), &held),
              StatusIs(absl::StatusCode::kUnknown));
  EXPECT_EQ(held, 5u);
  service_.trailer = "-1";
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, "note\n", absl::Seconds(10), &held),
              StatusIs(absl::StatusCode::kUnknown));
  EXPECT_EQ(held, 5u);
}

TEST_F(WitnessClientTest, OtherCodesPassThrough) {
  service_.answer = grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no");
  service_.trailer = "9";  // Only read on ABORTED.
  uint64_t held = 5;
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, "note\n", absl::Seconds(10), &held),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(held, 5u);
}

TEST_F(WitnessClientTest, RefusesBadArguments) {
  uint64_t held = 0;
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, "n\n", absl::ZeroDuration(), &held),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PushCheckpoint(*stub_, 0, {}, "n\n", absl::Seconds(1), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WitnessClientTest, UnreachableWitnessMissesTheDeadline) {
  server_->Shutdown();
  uint64_t held = 0;
  absl::StatusOr<std::vector<std::string>> lines = PushCheckpoint(
      *stub_, 0, {}, "note\n", absl::Milliseconds(200), &held);
  EXPECT_THAT(lines.status().code(),
              ::testing::AnyOf(absl::StatusCode::kUnavailable,
                               absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace vitrine::monitor
