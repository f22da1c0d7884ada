// LogServer::Shutdown as clients see it: a WatchCheckpoints call that
// arrives just before or during shutdown ends UNAVAILABLE (the code a
// monitor reconnects on), never CANCELLED, and shutdown returns promptly.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::server {
namespace {

LogConfig TestConfig() {
  LogConfig config;
  const char* tmp = std::getenv("TEST_TMPDIR");
  config.data = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/shutdown_test");
  config.origin = "example.com/shutdown-test";
  config.grpc_listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.tile_cache_mib = 16;
  return config;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  return context;
}

// Each round: a connected client sends a Watch and, without waiting for
// the server to take it, the log shuts down. Wherever the call lands - in
// the handler before the hub closes, after it, or at the transport while
// gRPC stops - the client must read UNAVAILABLE.
TEST(LogServerShutdownTest, WatchJustBeforeShutdownEndsUnavailable) {
  const LogConfig config = TestConfig();
  std::filesystem::remove_all(config.data);
  ASSERT_OK(InitLogData(config).status());
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<LogServer> log, LogServer::Start(config));
    auto stub = vitrine::v1::Log::NewStub(grpc::CreateChannel(
        log->grpc_address(), grpc::InsecureChannelCredentials()));
    vitrine::v1::GetCheckpointResponse checkpoint;
    ASSERT_TRUE(stub->GetCheckpoint(Context().get(), {}, &checkpoint).ok());

    vitrine::v1::WatchCheckpointsRequest request;
    request.set_after_size(checkpoint.checkpoint().size());  // nothing to send
    auto context = Context();
    auto reader = stub->WatchCheckpoints(context.get(), request);
    // Spread the shutdown over the call's way in: 0 to ~1 ms later.
    absl::SleepFor(absl::Microseconds(50 * (round % 20)));
    const absl::Time start = absl::Now();
    log->Shutdown();
    const absl::Duration took = absl::Now() - start;

    vitrine::v1::Checkpoint read;
    EXPECT_FALSE(reader->Read(&read));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "round " << round << ": " << status.error_message();
    EXPECT_LT(took, absl::Seconds(2)) << "round " << round;
  }
}

}  // namespace
}  // namespace vitrine::server
