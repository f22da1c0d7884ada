// The monitor's Log service over a real gRPC server on 127.0.0.1, serving a
// verified copy that a real Follower keeps up with a real log (the Log
// service over RocksDB in TEST_TMPDIR, log_service_testing.h): entries and
// checkpoints as the log's own bytes, and every code of the contract in
// mirror_read_service.h.
#include "monitor/mirror/mirror_read_service.h"

#include <memory>
#include <ostream>
#include <utility>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/server/log_service_testing.h"
#include "monitor/follow/follower.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/witness/witness_testing.h"

namespace vitrine::monitor {
namespace {

using server::testing::ClientContext;
using server::testing::kOrigin;
using Entries = std::vector<vitrine::v1::Entry>;

// Reads GetEntries [start, end) of `origin` from `stub`.
Entries ReadEntries(vitrine::v1::Log::Stub& stub, uint64_t start, uint64_t end,
                    grpc::Status* status, const std::string& origin = "") {
  vitrine::v1::GetEntriesRequest request;
  request.set_start(start);
  request.set_end(end);
  request.set_origin(origin);
  auto context = ClientContext();
  auto reader = stub.GetEntries(context.get(), request);
  Entries entries;
  vitrine::v1::Entry entry;
  while (reader->Read(&entry)) entries.push_back(entry);
  *status = reader->Finish();
  return entries;
}

// Returns the wire bytes of each entry: what "byte for byte" compares.
std::vector<std::string> Wire(const Entries& entries) {
  std::vector<std::string> out;
  for (const vitrine::v1::Entry& entry : entries) {
    out.push_back(entry.SerializeAsString());
  }
  return out;
}

class MirrorReadServiceTest : public server::testing::LogServiceFixture {
 protected:
  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(copy_, VerifiedCopy::Open(dir_ + "/copy",
                                                   log_key_.verifier_key));
    StartMirror();
  }

  void TearDown() override {
    follower_.reset();
    StopMirror();
    copy_.reset();
    LogServiceFixture::TearDown();
  }

  void StartMirror() {
    mirror_ = std::make_unique<MirrorReadService>(
        MirroredLogs({{copy_.get(), address_}}));
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(mirror_.get());
    mirror_server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    mirror_stub_ = vitrine::v1::Log::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void StopMirror() {
    if (mirror_ != nullptr) mirror_->Shutdown();
    if (mirror_server_ != nullptr) mirror_server_->Shutdown();
    mirror_server_.reset();
    mirror_.reset();
  }

  // Adds `n` statements in requests of at most 250 (several checkpoints).
  void AddStatements(int n) {
    for (int first = 0; first < n; first += 250) {
      std::vector<std::string> statements;
      for (int i = first; i < std::min(n, first + 250); ++i) {
        statements.push_back(Statement(i % 4, absl::StrCat("tool-", next_++)));
      }
      vitrine::v1::AddResponse response;
      ASSERT_TRUE(Add(statements, &response).ok());
    }
  }

  // Follows the log until the copy holds `size` entries.
  void FollowTo(uint64_t size) {
    if (follower_ == nullptr) {
      FollowerOptions options;
      options.target = address_;
      options.log_vkey = log_key_.verifier_key;
      options.vendor_keys_file = dir_ + "/vendors";
      options.entries_per_fetch = 100;
      options.poll_interval = absl::Milliseconds(20);
      options.log_to_stderr = false;
      ASSERT_OK_AND_ASSIGN(follower_,
                           Follower::Create(options, copy_.get(), &alarm_, nullptr));
      follower_->Start();
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (copy_->Latest()->checkpoint.size < size && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(copy_->Latest()->checkpoint.size, size)
        << follower_->stats().last_error;
  }

  grpc::Status Checkpoint(vitrine::v1::Log::Stub& stub,
                          const vitrine::v1::GetCheckpointRequest& request,
                          vitrine::v1::Checkpoint* out) {
    vitrine::v1::GetCheckpointResponse response;
    grpc::Status status = stub.GetCheckpoint(ClientContext().get(), request, &response);
    *out = response.checkpoint();
    return status;
  }

  // Opens `note` with the log's key, as an endpoint would.
  uint64_t VerifiedSize(const std::string& note) {
    absl::StatusOr<note::VerifiedCheckpoint> opened =
        note::OpenCheckpoint(note, kOrigin, log_keys_);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? opened->checkpoint.size : ~uint64_t{0};
  }

  int next_ = 0;
  testing::FakeAlarm alarm_;
  std::unique_ptr<VerifiedCopy> copy_;
  std::unique_ptr<Follower> follower_;
  std::unique_ptr<MirrorReadService> mirror_;
  std::unique_ptr<grpc::Server> mirror_server_;
  std::unique_ptr<vitrine::v1::Log::Stub> mirror_stub_;
};

TEST_F(MirrorReadServiceTest, EntriesAreTheLogsByteForByte) {
  AddStatements(600);  // more than two of the stream's 256-entry reads
  FollowTo(600);
  for (const auto& [start, end] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 600}, {255, 513}, {599, 600}, {600, 600}}) {
    grpc::Status from_log, from_mirror;
    const Entries log = ReadEntries(*stub_, start, end, &from_log);
    const Entries mirror = ReadEntries(*mirror_stub_, start, end, &from_mirror,
                                       std::string(kOrigin));
    ASSERT_TRUE(from_log.ok()) << from_log.error_message();
    ASSERT_TRUE(from_mirror.ok()) << from_mirror.error_message();
    ASSERT_EQ(mirror.size(), end - start);
    EXPECT_EQ(Wire(mirror), Wire(log)) << start << ".." << end;
  }
}

TEST_F(MirrorReadServiceTest, CheckpointsVerifyUnderTheLogKey) {
  // The copy verifies 250 first (the log's latest when the follower
  // starts), then 300 and 500, and maybe sizes the log signed in between.
  AddStatements(250);
  FollowTo(250);
  AddStatements(50);
  FollowTo(300);
  vitrine::v1::Checkpoint latest, logs;
  ASSERT_TRUE(Checkpoint(*mirror_stub_, {}, &latest).ok());
  ASSERT_TRUE(Checkpoint(*stub_, {}, &logs).ok());
  EXPECT_EQ(latest.size(), 300u);
  EXPECT_EQ(VerifiedSize(latest.note()), 300u);
  EXPECT_EQ(latest.note(), logs.note());  // the log's bytes, not a re-signing

  AddStatements(200);
  FollowTo(500);
  // Below the head: the largest size <= at_most_size the copy verified,
  // one the log signed (the log answers the same note for that size).
  for (uint64_t at_most : {1u, 250u, 299u, 300u, 301u, 499u}) {
    vitrine::v1::GetCheckpointRequest request;
    request.set_at_most_size(at_most);
    request.set_origin(std::string(kOrigin));
    vitrine::v1::Checkpoint mirror, log;
    const grpc::Status status = Checkpoint(*mirror_stub_, request, &mirror);
    if (at_most < 250) {
      // Below the copy's first checkpoint.
      EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << at_most;
      continue;
    }
    ASSERT_TRUE(status.ok()) << at_most << ": " << status.error_message();
    EXPECT_LE(mirror.size(), at_most);
    EXPECT_GE(mirror.size(), at_most >= 300 ? 300u : 250u);
    EXPECT_EQ(VerifiedSize(mirror.note()), mirror.size());
    request.set_at_most_size(mirror.size());
    ASSERT_TRUE(Checkpoint(*stub_, request, &log).ok());
    EXPECT_EQ(mirror.note(), log.note()) << at_most;
  }
  vitrine::v1::GetCheckpointRequest beyond;
  beyond.set_at_most_size(1 << 20);
  ASSERT_TRUE(Checkpoint(*mirror_stub_, beyond, &latest).ok());
  EXPECT_EQ(latest.size(), 500u);
}

TEST_F(MirrorReadServiceTest, OnlyWhatWasVerifiedIsServed) {
  AddStatements(20);
  FollowTo(20);
  follower_->Stop();
  AddStatements(10);  // the log has 30; the copy stays at 20
  grpc::Status status;
  EXPECT_EQ(ReadEntries(*stub_, 0, 30, &status).size(), 30u);
  EXPECT_TRUE(ReadEntries(*mirror_stub_, 0, 30, &status).empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "end 30 is beyond the size this monitor verified 20");
  vitrine::v1::Checkpoint latest;
  ASSERT_TRUE(Checkpoint(*mirror_stub_, {}, &latest).ok());
  EXPECT_EQ(latest.size(), 20u);
}

TEST_F(MirrorReadServiceTest, NothingBeforeTheFirstVerifiedCheckpoint) {
  vitrine::v1::Checkpoint checkpoint;
  const grpc::Status status = Checkpoint(*mirror_stub_, {}, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "this monitor has verified no checkpoint of \"example.com/test-log\" yet");
  grpc::Status entries;
  EXPECT_TRUE(ReadEntries(*mirror_stub_, 0, 0, &entries).empty());
  EXPECT_TRUE(entries.ok());
  ReadEntries(*mirror_stub_, 0, 1, &entries);
  EXPECT_EQ(entries.error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(MirrorReadServiceTest, Codes) {
  AddStatements(12);
  FollowTo(12);
  vitrine::v1::Checkpoint checkpoint;
  grpc::Status status;

  // Another origin: NOT_FOUND naming it, for both reads.
  vitrine::v1::GetCheckpointRequest other;
  other.set_origin("example.com/other-log");
  status = Checkpoint(*mirror_stub_, other, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "no log \"example.com/other-log\" here: this monitor serves "
            "\"example.com/test-log\"");
  ReadEntries(*mirror_stub_, 0, 1, &status, "example.com/other-log");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  // Witnessed: the log's quorum, not a monitor's.
  vitrine::v1::GetCheckpointRequest witnessed;
  witnessed.set_witnessed(true);
  status = Checkpoint(*mirror_stub_, witnessed, &checkpoint);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "not served by a monitor"))
      << status.error_message();

  // Ranges: as the log answers them.
  ReadEntries(*mirror_stub_, 5, 4, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "start 5 is after end 4");
  ReadEntries(*mirror_stub_, 0, 10001, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "at most 10000 entries per call"));
  ReadEntries(*mirror_stub_, 3, 13, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);

  // Add: read-only, names where to submit.
  vitrine::v1::AddRequest add;
  add.add_statements(Statement(0, "tool-new"));
  vitrine::v1::AddResponse added;
  status = mirror_stub_->Add(ClientContext().get(), add, &added);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("this is a monitor's verified copy, read-only: submit "
                         "statements to the log \"example.com/test-log\" at ",
                         address_));
  EXPECT_EQ(added.results_size(), 0);
  EXPECT_EQ(TreeSize(), 12u);  // nothing reached the log
}

// One unary call's answer: its code, message and response wire bytes.
struct Answer {
  grpc::StatusCode code;
  std::string message;
  std::string wire;
  bool operator==(const Answer& o) const {
    return code == o.code && wire == o.wire;
  }
};
std::ostream& operator<<(std::ostream& out, const Answer& a) {
  return out << a.code << " " << a.message << " (" << a.wire.size() << " bytes)";
}

// Calls `method` of `stub` with `request` and returns what it answered.
template <typename Request, typename Response>
Answer Call(vitrine::v1::Log::Stub& stub,
            grpc::Status (vitrine::v1::Log::Stub::*method)(grpc::ClientContext*,
                                                          const Request&,
                                                          Response*),
            const Request& request) {
  Response response;
  const grpc::Status status = (stub.*method)(ClientContext().get(), request, &response);
  return Answer{status.error_code(), status.error_message(),
                response.SerializeAsString()};
}

class MirrorAnswersTest : public MirrorReadServiceTest {
 protected:
  // Both sides answer `request` to `method`: the same code and the same
  // bytes; returns the mirror's answer.
  template <typename Request, typename Response>
  Answer Same(grpc::Status (vitrine::v1::Log::Stub::*method)(
                  grpc::ClientContext*, const Request&, Response*),
              const Request& request) {
    const Answer log = Call(*stub_, method, request);
    const Answer mirror = Call(*mirror_stub_, method, request);
    EXPECT_EQ(mirror, log) << request.ShortDebugString();
    return mirror;
  }
};

using Stub = vitrine::v1::Log::Stub;

TEST_F(MirrorAnswersTest, ProofsAndBundlesAreTheLogsByteForByte) {
  // The copy verifies 250 then 300, the two sizes the log signs here: a
  // size the copy skipped would be answered without its checkpoint (the
  // copy holds a subset of the log's checkpoints, mirrored_logs.h).
  AddStatements(250);
  FollowTo(250);
  AddStatements(50);
  FollowTo(300);  // the log's latest too: both prove against the same head
  const std::string leaf = ReadEntries(*stub_, 7, 8, new grpc::Status)[0].leaf();
  const merkle::Hash leaf_hash = merkle::HashLeaf(leaf);
  for (const auto& [index, tree_size] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 0}, {150, 0}, {299, 300}, {100, 250}, {3, 101}}) {
    vitrine::v1::GetInclusionProofRequest request;
    request.set_leaf_index(index);
    request.set_tree_size(tree_size);
    EXPECT_EQ(Same(&Stub::GetInclusionProof, request).code, grpc::StatusCode::OK);
  }
  vitrine::v1::GetInclusionProofRequest by_hash;
  by_hash.set_leaf_hash(std::string(leaf_hash.AsStringView()));
  by_hash.set_origin(std::string(kOrigin));
  EXPECT_EQ(Same(&Stub::GetInclusionProof, by_hash).code, grpc::StatusCode::OK);
  for (const auto& [old_size, new_size] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 0}, {100, 300}, {250, 300}, {0, 0}, {37, 250}}) {
    vitrine::v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    EXPECT_EQ(Same(&Stub::GetConsistencyProof, request).code, grpc::StatusCode::OK);
  }
  vitrine::v1::GetBundleRequest bundle;
  bundle.set_leaf_index(7);
  const Answer by_index = Same(&Stub::GetBundle, bundle);
  EXPECT_EQ(by_index.code, grpc::StatusCode::OK);
  bundle.set_leaf_hash(std::string(leaf_hash.AsStringView()));
  EXPECT_EQ(Same(&Stub::GetBundle, bundle).wire, by_index.wire);
  // Statements name (tool-N, 1.0); each digest is named once.
  vitrine::v1::FindByDigestRequest find;
  find.set_sha256(std::string(server::testing::ArtifactDigest("tool-7", "1.0").AsStringView()));
  const Answer found = Same(&Stub::FindByDigest, find);
  EXPECT_EQ(found.code, grpc::StatusCode::OK);
  vitrine::v1::FindByDigestResponse bundles;
  ASSERT_TRUE(bundles.ParseFromString(found.wire));
  ASSERT_EQ(bundles.bundles_size(), 1);
  EXPECT_EQ(bundles.bundles(0).statement(), leaf);
}

TEST_F(MirrorAnswersTest, BadInputGetsTheLogsCodes) {
  AddStatements(12);
  FollowTo(12);
  const auto inclusion = [](uint64_t index, uint64_t tree_size) {
    vitrine::v1::GetInclusionProofRequest request;
    request.set_leaf_index(index);
    request.set_tree_size(tree_size);
    return request;
  };
  EXPECT_EQ(Same(&Stub::GetInclusionProof, inclusion(12, 0)).code,
            grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(Same(&Stub::GetInclusionProof, inclusion(0, 13)).code,
            grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(Same(&Stub::GetInclusionProof, vitrine::v1::GetInclusionProofRequest()).code,
            grpc::StatusCode::INVALID_ARGUMENT);
  vitrine::v1::GetInclusionProofRequest short_hash;
  short_hash.set_leaf_hash("12345");
  EXPECT_EQ(Same(&Stub::GetInclusionProof, short_hash).code,
            grpc::StatusCode::INVALID_ARGUMENT);
  vitrine::v1::GetInclusionProofRequest unknown;
  unknown.set_leaf_hash(std::string(32, 'x'));
  EXPECT_EQ(Same(&Stub::GetInclusionProof, unknown).code, grpc::StatusCode::NOT_FOUND);

  vitrine::v1::GetConsistencyProofRequest backwards;
  backwards.set_old_size(5);
  backwards.set_new_size(3);
  EXPECT_EQ(Same(&Stub::GetConsistencyProof, backwards).code,
            grpc::StatusCode::INVALID_ARGUMENT);
  backwards.set_new_size(13);
  EXPECT_EQ(Same(&Stub::GetConsistencyProof, backwards).code,
            grpc::StatusCode::OUT_OF_RANGE);

  vitrine::v1::FindByDigestRequest find;
  find.set_sha256("abc");
  EXPECT_EQ(Same(&Stub::FindByDigest, find).code, grpc::StatusCode::INVALID_ARGUMENT);
  find.set_sha256(std::string(32, 'a'));
  EXPECT_EQ(Same(&Stub::FindByDigest, find).code, grpc::StatusCode::NOT_FOUND);

  EXPECT_EQ(Same(&Stub::GetBundle, vitrine::v1::GetBundleRequest()).code,
            grpc::StatusCode::INVALID_ARGUMENT);
  vitrine::v1::GetBundleRequest beyond;
  beyond.set_leaf_index(12);
  EXPECT_EQ(Same(&Stub::GetBundle, beyond).code, grpc::StatusCode::OUT_OF_RANGE);

  // Another log's name: NOT_FOUND from both (messages differ: the monitor
  // lists the logs it serves).
  vitrine::v1::GetBundleRequest other;
  other.set_leaf_index(0);
  other.set_origin("example.com/other-log");
  EXPECT_EQ(Call(*stub_, &Stub::GetBundle, other).code, grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Call(*mirror_stub_, &Stub::GetBundle, other).code,
            grpc::StatusCode::NOT_FOUND);
  vitrine::v1::GetConsistencyProofRequest other_proof;
  other_proof.set_origin("example.com/other-log");
  EXPECT_EQ(Call(*stub_, &Stub::GetConsistencyProof, other_proof).code,
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Call(*mirror_stub_, &Stub::GetConsistencyProof, other_proof).code,
            grpc::StatusCode::NOT_FOUND);

  // Witnessed bundles: the log's quorum is the log's to serve.
  vitrine::v1::GetBundleRequest witnessed;
  witnessed.set_leaf_index(0);
  witnessed.set_witnessed(true);
  const Answer refused = Call(*mirror_stub_, &Stub::GetBundle, witnessed);
  EXPECT_EQ(refused.code, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(refused.message,
            absl::StrCat("witnessed checkpoints are not served by a monitor (it "
                         "does not hold the log's witness quorum): ask the log "
                         "\"example.com/test-log\" at ",
                         address_));
}

TEST_F(MirrorAnswersTest, WatchStreamsEachNewVerifiedHead) {
  AddStatements(10);
  FollowTo(10);
  auto context = ClientContext();
  vitrine::v1::WatchCheckpointsRequest request;
  request.set_after_size(10);
  auto reader = mirror_stub_->WatchCheckpoints(context.get(), request);
  AddStatements(5);
  FollowTo(15);
  vitrine::v1::Checkpoint streamed;
  ASSERT_TRUE(reader->Read(&streamed));
  EXPECT_EQ(streamed.size(), 15u);
  vitrine::v1::GetCheckpointRequest at;
  at.set_at_most_size(15);
  vitrine::v1::Checkpoint logs;
  ASSERT_TRUE(Checkpoint(*stub_, at, &logs).ok());
  EXPECT_EQ(streamed.SerializeAsString(), logs.SerializeAsString());

  // Shutdown ends the stream UNAVAILABLE, naming the monitor.
  mirror_->Shutdown();
  EXPECT_FALSE(reader->Read(&streamed));
  const grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ended.error_message(),
            "the monitor is shutting down; reconnect with after_size");
}

TEST_F(MirrorAnswersTest, WatchKeepsTheLogsCapPerConnection) {
  AddStatements(3);
  FollowTo(3);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<vitrine::v1::Checkpoint>>> readers;
  vitrine::v1::Checkpoint checkpoint;
  for (int i = 0; i < 16; ++i) {
    contexts.push_back(ClientContext());
    readers.push_back(mirror_stub_->WatchCheckpoints(contexts.back().get(), {}));
    ASSERT_TRUE(readers.back()->Read(&checkpoint));  // the latest head
    EXPECT_EQ(checkpoint.size(), 3u);
  }
  auto context = ClientContext();
  auto refused = mirror_stub_->WatchCheckpoints(context.get(), {});
  EXPECT_FALSE(refused->Read(&checkpoint));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) r->Finish();
}

TEST_F(MirrorReadServiceTest, ShutdownAnswersUnavailable) {
  AddStatements(5);
  FollowTo(5);
  mirror_->Shutdown();
  vitrine::v1::Checkpoint checkpoint;
  EXPECT_EQ(Checkpoint(*mirror_stub_, {}, &checkpoint).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  grpc::Status status;
  ReadEntries(*mirror_stub_, 0, 5, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "the monitor is shutting down; retry after it restarts");
}

}  // namespace
}  // namespace vitrine::monitor
