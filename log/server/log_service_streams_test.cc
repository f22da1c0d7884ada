// The streaming RPCs' ends over a real gRPC server: every WatchCheckpoints
// stream finishes once and leaves the hub whatever ends it (cancel during a
// write, cancel before any write, shutdown during a write), the caps per
// connection and in total, and UNAVAILABLE - never CANCELLED - for streams
// and reads once the service shuts down.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "log/server/log_service_testing.h"

namespace vitrine::server::testing {
namespace {

using vitrine::v1::AddResponse;
using vitrine::v1::Checkpoint;
using Reader = grpc::ClientReader<Checkpoint>;

// Waits (at most 10 s) until the service counts `want` Watch streams;
// returns the last count seen.
size_t AwaitWatchStreams(const LogService& service, size_t want) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  size_t now = service.watch_streams();
  while (now != want && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
    now = service.watch_streams();
  }
  return now;
}

class StreamsTest : public LogServiceFixture {
 protected:
  // Returns a stub on a connection of its own: a local subchannel pool
  // keeps gRPC from sharing one TCP connection between channels.
  std::unique_ptr<vitrine::v1::Log::Stub> NewConnection() const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return vitrine::v1::Log::NewStub(grpc::CreateCustomChannel(
        address_, grpc::InsecureChannelCredentials(), args));
  }

  // One open Watch: its context and reader.
  struct Watch {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<Reader> reader;
  };

  // Opens a Watch from size 0 and reads its first checkpoint, so the
  // server has certainly subscribed it.
  Watch OpenAndRead(vitrine::v1::Log::Stub& stub) const {
    Watch watch{ClientContext(), nullptr};
    watch.reader = stub.WatchCheckpoints(watch.context.get(), {});
    Checkpoint checkpoint;
    EXPECT_TRUE(watch.reader->Read(&checkpoint));
    return watch;
  }

  // Opens a Watch that the server must refuse; returns its status.
  static grpc::Status Refused(vitrine::v1::Log::Stub& stub) {
    auto context = ClientContext();
    std::unique_ptr<Reader> reader = stub.WatchCheckpoints(context.get(), {});
    Checkpoint checkpoint;
    EXPECT_FALSE(reader->Read(&checkpoint));
    return reader->Finish();
  }

  static void CancelAndDrain(Watch& watch) {
    watch.context->TryCancel();
    Checkpoint checkpoint;
    while (watch.reader->Read(&checkpoint)) {
    }
    EXPECT_EQ(watch.reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
};

// The issue-11 bug: a cancel during a write left the reactor unfinished,
// subscribed for ever, and grpc::Server::Shutdown waiting for it. Streams
// here are cancelled right after they open, while the first checkpoint (and
// those of a writer adding entries meanwhile) is being written.
TEST_F(StreamsTest, CancelsDuringWritesEndEveryStream) {
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load() && i < 500; ++i) {
      AddResponse response;
      EXPECT_TRUE(Add({Statement(i % 4, absl::StrCat("busy-", i))}, &response).ok());
    }
  });
  constexpr int kConnections = 8;
  constexpr int kRounds = 10;
  std::vector<std::unique_ptr<vitrine::v1::Log::Stub>> stubs;
  for (int c = 0; c < kConnections; ++c) stubs.push_back(NewConnection());
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Watch> watches;
    for (auto& stub : stubs) {
      for (int s = 0; s < 16; ++s) {
        Watch watch{ClientContext(), nullptr};
        watch.reader = stub->WatchCheckpoints(watch.context.get(), {});
        watches.push_back(std::move(watch));
      }
    }
    // Some have their first write in flight, some not yet started.
    if (round % 2 == 1) absl::SleepFor(absl::Milliseconds(1));
    for (Watch& watch : watches) watch.context->TryCancel();
    for (Watch& watch : watches) {
      Checkpoint checkpoint;
      while (watch.reader->Read(&checkpoint)) {
      }
      const grpc::StatusCode code = watch.reader->Finish().error_code();
      // A cancel that lost the race to the per-connection cap is refused.
      EXPECT_TRUE(code == grpc::StatusCode::CANCELLED ||
                  code == grpc::StatusCode::RESOURCE_EXHAUSTED)
          << code;
    }
  }
  stop = true;
  writer.join();
  EXPECT_EQ(AwaitWatchStreams(*service_, 0), 0u);

  // Nothing is left for the server to wait for.
  service_->Shutdown();
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(StreamsTest, ShutdownDuringWritesEndsStreamsUnavailable) {
  std::vector<std::unique_ptr<vitrine::v1::Log::Stub>> stubs;
  std::vector<Watch> watches;
  for (int c = 0; c < 8; ++c) {
    stubs.push_back(NewConnection());
    for (int s = 0; s < 16; ++s) {
      Watch watch{ClientContext(), nullptr};
      watch.reader = stubs.back()->WatchCheckpoints(watch.context.get(), {});
      watches.push_back(std::move(watch));
    }
  }
  // Close as soon as the first stream subscribed: some first writes are in
  // flight, some streams are not subscribed yet.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (service_->watch_streams() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Microseconds(200));
  }
  ASSERT_GT(service_->watch_streams(), 0u);
  service_->Shutdown();
  for (Watch& watch : watches) {
    Checkpoint checkpoint;
    while (watch.reader->Read(&checkpoint)) {
    }
    EXPECT_EQ(watch.reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_EQ(service_->watch_streams(), 0u);
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(StreamsTest, CancelBeforeAnyWriteEndsTheStream) {
  // after_size = the current size: nothing to write until the log grows.
  vitrine::v1::WatchCheckpointsRequest request;
  request.set_after_size(TreeSize());
  auto context = ClientContext();
  std::unique_ptr<Reader> reader = stub_->WatchCheckpoints(context.get(), request);
  ASSERT_EQ(AwaitWatchStreams(*service_, 1), 1u);
  context->TryCancel();
  Checkpoint checkpoint;
  EXPECT_FALSE(reader->Read(&checkpoint));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(AwaitWatchStreams(*service_, 0), 0u);
}

class StreamCapsTest : public StreamsTest {
 protected:
  StreamCapsTest() {
    limits_.max_watch_streams = 3;
    limits_.max_watch_streams_per_connection = 2;
  }
};

TEST_F(StreamCapsTest, PerConnectionAndTotalCapsRefuseAtOnce) {
  AddResponse added;  // a checkpoint beyond size 0 for every Watch to read
  ASSERT_TRUE(Add({Statement(0, "first")}, &added).ok());
  auto a = NewConnection();
  auto b = NewConnection();
  Watch a1 = OpenAndRead(*a);
  Watch a2 = OpenAndRead(*a);
  const grpc::Status per_connection = Refused(*a);
  EXPECT_EQ(per_connection.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(per_connection.error_message(),
                                "at most 2 WatchCheckpoints streams per "
                                "connection (max_watch_streams_per_connection)"))
      << per_connection.error_message();

  Watch b1 = OpenAndRead(*b);  // the third: another connection's first
  const grpc::Status total = Refused(*b);
  EXPECT_EQ(total.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(total.error_message(),
                                "at most 3 WatchCheckpoints streams at once "
                                "(max_watch_streams)"))
      << total.error_message();
  EXPECT_EQ(service_->watch_streams(), 3u);

  // A stream that ends frees its slot: the same connection may open again.
  CancelAndDrain(a1);
  ASSERT_EQ(AwaitWatchStreams(*service_, 2), 2u);
  Watch a3 = OpenAndRead(*a);
  EXPECT_EQ(service_->watch_streams(), 3u);
  EXPECT_EQ(Refused(*b).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  for (Watch* watch : {&a2, &a3, &b1}) CancelAndDrain(*watch);
  EXPECT_EQ(AwaitWatchStreams(*service_, 0), 0u);
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_TRUE(absl::StrContains(text, "vitrine_watch_streams 0")) << text;
  EXPECT_TRUE(absl::StrContains(
      text, "vitrine_grpc_requests_total{code=\"RESOURCE_EXHAUSTED\","
            "method=\"WatchCheckpoints\"} 3"))
      << text;
}

TEST_F(StreamsTest, ReadsAfterShutdownBeganAreUnavailable) {
  service_->Shutdown();
  vitrine::v1::GetCheckpointResponse checkpoint;
  EXPECT_EQ(stub_->GetCheckpoint(ClientContext().get(), {}, &checkpoint).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  vitrine::v1::GetInclusionProofRequest proof;
  proof.set_leaf_index(0);
  vitrine::v1::GetInclusionProofResponse proof_response;
  EXPECT_EQ(stub_->GetInclusionProof(ClientContext().get(), proof, &proof_response)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  vitrine::v1::GetBundleRequest bundle;
  vitrine::v1::Bundle bundle_response;
  EXPECT_EQ(stub_->GetBundle(ClientContext().get(), bundle, &bundle_response).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  vitrine::v1::GetEntriesRequest entries;
  auto context = ClientContext();
  auto reader = stub_->GetEntries(context.get(), entries);
  vitrine::v1::Entry entry;
  EXPECT_FALSE(reader->Read(&entry));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);

  EXPECT_EQ(Refused(*stub_).error_code(), grpc::StatusCode::UNAVAILABLE);
}

// A GetEntries stream the client reads slowly: at shutdown it ends after
// its write in flight, UNAVAILABLE, naming where to resume.
TEST_F(StreamsTest, EntriesStreamInFlightEndsUnavailableWithResumeIndex) {
  constexpr int kEntries = 3000;  // ~1 MB: far beyond one stream's window
  for (int batch = 0; batch < kEntries / 1000; ++batch) {
    std::vector<std::string> statements;
    for (int i = 0; i < 1000; ++i) {
      statements.push_back(
          Statement(i % 4, absl::StrCat("entry-", batch, "-", i)));
    }
    AddResponse response;
    ASSERT_TRUE(Add(statements, &response).ok());
  }
  ASSERT_EQ(TreeSize(), static_cast<uint64_t>(kEntries));

  // No BDP probing: the window stays at its initial 64 KiB.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stub = vitrine::v1::Log::NewStub(grpc::CreateCustomChannel(
      address_, grpc::InsecureChannelCredentials(), args));
  vitrine::v1::GetEntriesRequest request;
  request.set_start(0);
  request.set_end(kEntries);
  auto context = ClientContext();
  auto reader = stub->GetEntries(context.get(), request);
  vitrine::v1::Entry entry;
  ASSERT_TRUE(reader->Read(&entry));
  EXPECT_EQ(entry.index(), 0u);

  service_->Shutdown();
  uint64_t next = 1;
  while (reader->Read(&entry)) {
    ASSERT_EQ(entry.index(), next);
    ++next;
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(next, static_cast<uint64_t>(kEntries));
  EXPECT_EQ(status.error_message(),
            absl::StrCat("the log is shutting down; resume with start ", next));
}

}  // namespace
}  // namespace vitrine::server::testing
