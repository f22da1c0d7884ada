#include <memory>
#include <string>

#include "bazel/testdata/echo.grpc.pb.h"
#include "bazel/testdata/echo.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace vitrine::buildtest {
namespace {

class EchoService final : public Echo::CallbackService {
  grpc::ServerUnaryReactor* Say(grpc::CallbackServerContext* context,
                                const EchoRequest* request,
                                EchoRequest* reply) override {
    *reply = *request;
    reply->set_text("echo: " + request->text());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

TEST(ProtoBuildTest, GeneratedCallbackServiceAnswersOnLoopback) {
  EchoService service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  auto stub = Echo::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  EchoRequest request;
  request.set_text("hi");
  request.mutable_sent()->set_seconds(1700000000);
  EchoRequest reply;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = stub->Say(&context, request, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.text(), "echo: hi");
  EXPECT_EQ(reply.sent().seconds(), 1700000000);
  server->Shutdown();
}

}  // namespace
}  // namespace vitrine::buildtest
