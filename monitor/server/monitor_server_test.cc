// A real vitrine-monitor (MonitorServer, in-process) following a real log
// (the Log service over RocksDB in TEST_TMPDIR, log_service_testing.h), both
// on 127.0.0.1: its one gRPC port serves the Log API from the verified copy
// (monitor/mirror) beside the Witness service, which answers
// GetLatestCheckpoint with what the monitor verified and cosigned - the two
// questions a log restored from a backup asks.
#include "monitor/server/monitor_server.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "log/server/log_service_testing.h"
#include "monitor/server/config.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::monitor {
namespace {

using server::testing::ClientContext;
using server::testing::kOrigin;

class MonitorServerTest : public server::testing::LogServiceFixture {
 protected:
  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    std::vector<std::string> statements;
    for (int i = 0; i < 40; ++i) {
      statements.push_back(Statement(i % 4, absl::StrCat("tool-", i)));
    }
    vitrine::v1::AddResponse response;
    ASSERT_TRUE(Add(statements, &response).ok());

    MonitorConfig config;
    config.data = dir_ + "/monitor";
    config.name = "monitor.test/m1";
    config.init_if_missing = true;
    config.logs = {absl::StrCat(log_key_.verifier_key, "@", address_)};
    config.vendors_file = dir_ + "/vendors";
    config.grpc_listen = "127.0.0.1:0";
    config.http_listen = "127.0.0.1:0";
    config.poll_interval_ms = 20;
    config.min_free_bytes = 0;  // no reserve: the test's disk may be small
    ASSERT_OK_AND_ASSIGN(monitor_, MonitorServer::Start(config));
    auto channel = grpc::CreateChannel(monitor_->grpc_address(),
                                       grpc::InsecureChannelCredentials());
    mirror_ = vitrine::v1::Log::NewStub(channel);
    witness_ = vitrine::v1::Witness::NewStub(channel);
  }

  void TearDown() override {
    if (monitor_ != nullptr) monitor_->Shutdown();
    monitor_.reset();
    LogServiceFixture::TearDown();
  }

  // Polls the monitor's GetCheckpoint until it serves `size` (NOT_FOUND is
  // the only other answer allowed meanwhile).
  vitrine::v1::Checkpoint AwaitMirrored(uint64_t size) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    vitrine::v1::GetCheckpointResponse response;
    while (absl::Now() < deadline) {
      const grpc::Status status =
          mirror_->GetCheckpoint(ClientContext().get(), {}, &response);
      if (status.ok() && response.checkpoint().size() == size) break;
      EXPECT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND)
          << status.error_message();
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_EQ(response.checkpoint().size(), size);
    return response.checkpoint();
  }

  std::unique_ptr<MonitorServer> monitor_;
  std::unique_ptr<vitrine::v1::Log::Stub> mirror_;
  std::unique_ptr<vitrine::v1::Witness::Stub> witness_;
};

TEST_F(MonitorServerTest, ServesTheLogsReadsFromItsVerifiedCopy) {
  const vitrine::v1::Checkpoint mirrored = AwaitMirrored(40);
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint opened,
                       note::OpenCheckpoint(mirrored.note(), kOrigin, log_keys_));
  EXPECT_EQ(opened.checkpoint.size, 40u);

  vitrine::v1::GetEntriesRequest request;
  request.set_end(40);
  std::vector<std::string> from_log, from_mirror;
  for (const auto& [stub, out] : {std::pair{stub_.get(), &from_log},
                                  std::pair{mirror_.get(), &from_mirror}}) {
    auto context = ClientContext();
    auto reader = stub->GetEntries(context.get(), request);
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) out->push_back(entry.SerializeAsString());
    const grpc::Status status = reader->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(from_mirror.size(), 40u);
  EXPECT_EQ(from_mirror, from_log);

  vitrine::v1::AddRequest add;
  add.add_statements(Statement(0, "tool-new"));
  vitrine::v1::AddResponse added;
  const grpc::Status refused = mirror_->Add(ClientContext().get(), add, &added);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(refused.error_message().find(address_), std::string::npos)
      << refused.error_message();

  vitrine::v1::GetCheckpointRequest other;
  other.set_origin("example.com/other-log");
  vitrine::v1::GetCheckpointResponse response;
  EXPECT_EQ(mirror_->GetCheckpoint(ClientContext().get(), other, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// The mirror's checkpoint is the log's note byte for byte, plus this
// monitor's cosignature once its witness cosigned that checkpoint: an
// endpoint whose policy names the monitor as a witness can use it.
TEST_F(MonitorServerTest, MirroredCheckpointCarriesTheMonitorsCosignature) {
  AwaitMirrored(40);
  vitrine::v1::GetCheckpointResponse from_log;
  ASSERT_TRUE(stub_->GetCheckpoint(ClientContext().get(), {}, &from_log).ok());
  const std::string& log_note = from_log.checkpoint().note();
  std::string served;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    vitrine::v1::GetCheckpointResponse response;
    ASSERT_TRUE(mirror_->GetCheckpoint(ClientContext().get(), {}, &response).ok());
    served = response.checkpoint().note();
    if (served != log_note) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(served.substr(0, log_note.size()), log_note);
  EXPECT_EQ(served.substr(log_note.size()).rfind("\xe2\x80\x94 monitor.test/m1 ", 0), 0u)
      << served;
  EXPECT_EQ(std::count(served.begin() + log_note.size(), served.end(), '\n'), 1);
}

TEST_F(MonitorServerTest, MetricsCountRebuildVerdictsAndMismatches) {
  AwaitMirrored(40);
  const std::string metrics = monitor_->RenderMetrics();
  const std::string origin = absl::StrCat("origin=\"", kOrigin, "\"");
  for (const std::string& series :
       {absl::StrCat("vitrine_monitor_statements_total{", origin,
                     ",verdict=\"unknown_rebuilder\"} 0\n"),
        absl::StrCat("vitrine_monitor_statements_total{", origin,
                     ",verdict=\"bad_rebuilder_signature\"} 0\n"),
        absl::StrCat("vitrine_monitor_rebuild_mismatches_total{", origin,
                     "} 0\n")}) {
    EXPECT_NE(metrics.find(series), std::string::npos) << series << metrics;
  }
}

TEST_F(MonitorServerTest, ANamedRebuildersFileMustExist) {
  // The default <data>/rebuilders may be missing (SetUp's monitor has
  // none); a file the operator named may not.
  MonitorConfig config;
  config.data = dir_ + "/monitor2";
  config.init_if_missing = true;
  config.logs = {absl::StrCat(log_key_.verifier_key, "@", address_)};
  config.vendors_file = dir_ + "/vendors";
  config.rebuilders_file = dir_ + "/no-such-rebuilders";
  config.grpc_listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.min_free_bytes = 0;
  EXPECT_THAT(MonitorServer::Start(config),
              ::vitrine::testing::StatusIs(absl::StatusCode::kNotFound,
                                           "no-such-rebuilders"));
}

TEST_F(MonitorServerTest, WitnessAnswersTheCheckpointItVerified) {
  AwaitMirrored(40);
  // The witness cosigns right after the copy commits: poll briefly.
  vitrine::v1::GetLatestCheckpointRequest request;
  request.set_origin(std::string(kOrigin));
  vitrine::v1::GetLatestCheckpointResponse response;
  grpc::Status status;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  do {
    status = witness_->GetLatestCheckpoint(ClientContext().get(), request, &response);
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  ASSERT_TRUE(status.ok()) << status.error_message();
  note::VerifierSet witness_keys;
  ASSERT_OK(witness_keys.Add(note::NewVerifier(monitor_->identity().verifier_key).value()));
  ASSERT_OK_AND_ASSIGN(note::CosignedCheckpoint cosigned,
                       note::OpenCosignedCheckpoint(response.checkpoint(), kOrigin,
                                                    log_keys_, witness_keys, 1));
  EXPECT_EQ(cosigned.checkpoint.checkpoint.size, 40u);

  request.set_origin("example.com/other-log");
  EXPECT_EQ(witness_->GetLatestCheckpoint(ClientContext().get(), request, &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace vitrine::monitor
