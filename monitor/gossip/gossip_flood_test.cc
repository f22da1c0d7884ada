// Issue 11, "Gossip flood stalls witnessing", in one process: the Witness
// and Gossip services on one loopback gRPC server, as vitrine-monitor
// serves them; a log that hangs when asked for a consistency proof; and a
// flood of gossip requests, each carrying 64 copies of a genuine checkpoint
// larger than the monitor's head without a proof. The log's pushes to the
// witness on the same server keep being cosigned at once, because the
// Gossip handler never waits for the log.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"
#include "monitor/evidence/recorder.h"
#include "monitor/gossip/gossip_service.h"
#include "monitor/gossip/testing/fake_verified_log.h"
#include "monitor/witness/witness.h"
#include "monitor/witness/witness_client.h"
#include "monitor/witness/witness_service.h"
#include "proto/vitrine/v1/gossip.grpc.pb.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::monitor {
namespace {

using testing::FakeVerifiedLog;
using testing::TestEntries;

std::shared_ptr<grpc::Channel> Channel(int port, int tag) {
  // A distinct argument gives a channel (a connection) of its own.
  grpc::ChannelArguments arguments;
  arguments.SetInt("vitrine.test.channel", tag);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(),
                                   arguments);
}

TEST(GossipFloodTest, ALogThatHangsDoesNotStallTheWitness) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/gossip-flood");
  // The monitor has verified 6 entries; the log holds 200 of the same tree.
  FakeVerifiedLog mine("example.com/log", 7);
  ASSERT_OK(mine.Append(TestEntries("e", 0, 6)));
  FakeVerifiedLog log("example.com/log", 7);
  ASSERT_OK(log.Append(TestEntries("e", 0, 200)));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<EvidenceRecorder> alarm,
                       EvidenceRecorder::Open(dir + "/evidence"));
  ASSERT_OK_AND_ASSIGN(
      note::GeneratedKey witness_key,
      note::GenerateKey("witness.example/w", note::SignatureType::kCosignatureV1));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Witness> witness,
      Witness::OpenWithKey(witness_key.signer_key, {log.log_vkey()},
                           dir + "/witness", alarm.get()));

  // Asked for a proof, the log answers only at the end of the test.
  absl::Notification log_answers;
  std::atomic<int> log_calls{0};
  GossipServiceOptions options;
  options.log_consistency = [&](const std::string&, uint64_t old_size,
                                uint64_t new_size) {
    ++log_calls;
    log_answers.WaitForNotificationWithTimeout(absl::Seconds(30));
    return log.ConsistencyProof(old_size, new_size);
  };
  auto gossip = std::make_unique<GossipService>(
      std::vector<VerifiedLog*>{&mine}, alarm.get(), "monitor-a", options);
  WitnessService witness_service(witness.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(gossip.get());
  builder.RegisterService(&witness_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  // The flood: 4 connections, 64 copies of the log's size-10 checkpoint a
  // request, until the pushes are done (at most 20 s).
  const std::string ahead = log.SignedNoteAt(10).value();
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0}, answered{0}, failed{0};
  std::vector<std::thread> flooders;
  for (int t = 0; t < 4; ++t) {
    flooders.emplace_back([&, t] {
      auto stub = vitrine::v1::Gossip::NewStub(Channel(port, t + 1));
      vitrine::v1::ExchangeRequest request;
      request.set_monitor(absl::StrCat("flooder-", t));
      for (int c = 0; c < 64; ++c) request.add_checkpoints()->set_note(ahead);
      const absl::Time end = absl::Now() + absl::Seconds(20);
      while (!stop.load() && absl::Now() < end) {
        vitrine::v1::ExchangeResponse response;
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
        ++sent;
        if (stub->Exchange(&context, request, &response).ok()) {
          ++answered;
        } else {
          ++failed;
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));  // The flood is on.

  // The log pushes sizes 1..60 one after the other, as it grows.
  auto witness_stub = vitrine::v1::Witness::NewStub(Channel(port, 0));
  uint64_t held = 0;
  int cosigned = 0;
  absl::Duration slowest = absl::ZeroDuration();
  const absl::Time pushes_start = absl::Now();
  for (uint64_t size = 1; size <= 60; ++size) {
    const absl::Time sent_at = absl::Now();
    uint64_t reported = 0;
    absl::StatusOr<std::vector<std::string>> lines = PushCheckpoint(
        *witness_stub, held, log.ConsistencyProof(held, size).value(),
        log.SignedNoteAt(size).value(), absl::Seconds(5), &reported);
    slowest = std::max(slowest, absl::Now() - sent_at);
    if (!lines.ok()) {
      ADD_FAILURE() << "push of size " << size << ": " << lines.status();
      break;
    }
    ++cosigned;
    held = size;
  }
  const absl::Duration pushes_took = absl::Now() - pushes_start;
  stop = true;
  for (std::thread& flooder : flooders) flooder.join();
  std::printf(
      "gossip flood against a hung log: %d requests x 64 checkpoints, %d "
      "answered, %d failed; 60 pushes in %.0f ms, slowest %.1f ms; the log "
      "was asked %d times\n",
      sent.load(), answered.load(), failed.load(),
      absl::ToDoubleMilliseconds(pushes_took),
      absl::ToDoubleMilliseconds(slowest), log_calls.load());

  EXPECT_EQ(cosigned, 60);
  EXPECT_LT(slowest, absl::Seconds(1));
  EXPECT_GE(sent.load(), 20);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(log_calls.load(), 1);  // One question, asked off the handler.
  ASSERT_OK_AND_ASSIGN(uint64_t witnessed, witness->HeldSize("example.com/log"));
  EXPECT_EQ(witnessed, 60u);

  log_answers.Notify();
  server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  server.reset();
  gossip.reset();
}

}  // namespace
}  // namespace vitrine::monitor
