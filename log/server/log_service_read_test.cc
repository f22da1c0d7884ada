// The read RPCs over a real gRPC server: checkpoints, proofs, entries,
// FindByDigest, bundles and WatchCheckpoints, with their error codes.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/server/log_service_testing.h"

namespace vitrine::server::testing {
namespace {

using vitrine::v1::AddResponse;

std::vector<merkle::Hash> Hashes(
    const google::protobuf::RepeatedPtrField<std::string>& proof) {
  std::vector<merkle::Hash> hashes;
  for (const std::string& h : proof) hashes.push_back(merkle::Hash::FromBytes(h).value());
  return hashes;
}

// A log holding kSize statements, added in three requests: the sizes after
// each request (sizes_) are signed. Sizes inside a request may be signed
// too: the service queues a request's statements one by one and the
// sequencer cuts a batch max_delay after its first entry, so on a busy
// machine one request can span batches (Add promises each statement "a
// checkpoint covering it", not one checkpoint per request). A test that
// needs to know every signed size uses SignedSizesTest.
class ReadTest : public LogServiceFixture {
 protected:
  static constexpr uint64_t kSize = 10;

  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const std::vector<int>& batch :
         std::vector<std::vector<int>>{{0, 1, 2}, {3, 4, 5, 6}, {7, 8, 9}}) {
      std::vector<std::string> statements;
      for (int i : batch) {
        statements.push_back(Statement(i % 3, absl::StrCat("artifact-", i)));
      }
      AddResponse response;
      ASSERT_TRUE(Add(statements, &response).ok());
      for (int j = 0; j < response.results_size(); ++j) {
        ASSERT_TRUE(response.results(j).has_bundle());
        const uint64_t index = response.results(j).bundle().leaf_index();
        leaves_.resize(std::max<size_t>(leaves_.size(), index + 1));
        leaves_[index] = statements[j];
      }
      sizes_.push_back(leaves_.size());
    }
    ASSERT_EQ(leaves_.size(), kSize);
  }

  note::Checkpoint Open(const std::string& signed_note) const {
    absl::StatusOr<note::VerifiedCheckpoint> verified =
        note::OpenCheckpoint(signed_note, kOrigin, log_keys_);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? verified->checkpoint : note::Checkpoint();
  }

  std::vector<std::string> leaves_;  // by index
  std::vector<uint64_t> sizes_;      // signed after each request
};

TEST_F(ReadTest, GetCheckpoint) {
  vitrine::v1::GetCheckpointResponse response;
  ASSERT_TRUE(stub_->GetCheckpoint(ClientContext().get(), {}, &response).ok());
  EXPECT_EQ(response.checkpoint().size(), kSize);
  EXPECT_EQ(Open(response.checkpoint().note()).size, kSize);

  vitrine::v1::GetCheckpointRequest witnessed;
  witnessed.set_witnessed(true);
  EXPECT_EQ(stub_->GetCheckpoint(ClientContext().get(), witnessed, &response)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// The origin field: empty or the log's own is this log; another names a log
// this server does not hold, NOT_FOUND whatever else is asked.
TEST_F(ReadTest, GetCheckpointByOrigin) {
  vitrine::v1::GetCheckpointRequest request;
  request.set_origin(std::string(kOrigin));
  vitrine::v1::GetCheckpointResponse response;
  ASSERT_TRUE(stub_->GetCheckpoint(ClientContext().get(), request, &response).ok());
  EXPECT_EQ(Open(response.checkpoint().note()).size, kSize);
  request.set_at_most_size(sizes_[0]);
  ASSERT_TRUE(stub_->GetCheckpoint(ClientContext().get(), request, &response).ok());
  EXPECT_LE(Open(response.checkpoint().note()).size, sizes_[0]);

  for (bool witnessed : {false, true}) {
    vitrine::v1::GetCheckpointRequest other;
    other.set_origin("example.com/other-log");
    other.set_witnessed(witnessed);
    response.Clear();
    const grpc::Status status =
        stub_->GetCheckpoint(ClientContext().get(), other, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << witnessed;
    EXPECT_EQ(status.error_message(),
              "no log \"example.com/other-log\" here: this log is "
              "\"example.com/test-log\"");
    EXPECT_FALSE(response.has_checkpoint());
  }
}

// A log whose signed sizes do not depend on how threads are scheduled: the
// sequencer cuts a batch only once kBatch entries are queued (max_delay is
// far beyond the call deadline, so it never cuts one by time) and each Add
// brings exactly kBatch statements, so the log signs 0 (the empty tree),
// 3, 6 and 9, and no size in between.
class SignedSizesTest : public LogServiceFixture {
 protected:
  static constexpr size_t kBatch = 3;
  static constexpr uint64_t kSize = 3 * kBatch;

  SignedSizesTest() {
    sequencer_options_.max_batch = kBatch;
    sequencer_options_.max_delay = absl::Hours(1);
  }

  void SetUp() override {
    LogServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    for (uint64_t first = 0; first < kSize; first += kBatch) {
      std::vector<std::string> statements;
      for (uint64_t i = first; i < first + kBatch; ++i) {
        statements.push_back(Statement(i % 3, absl::StrCat("artifact-", i)));
      }
      AddResponse response;
      ASSERT_TRUE(Add(statements, &response).ok());
      ASSERT_EQ(response.results_size(), static_cast<int>(kBatch));
      for (const vitrine::v1::AddResult& result : response.results()) {
        ASSERT_TRUE(result.has_bundle());
      }
    }
    // The premise, checked where the sequencer wrote it.
    for (uint64_t size = 0; size <= kSize; ++size) {
      ASSERT_EQ(store_->CheckpointAt(size).ok(), size % kBatch == 0) << size;
    }
  }
};

TEST_F(SignedSizesTest, GetCheckpointAtMostASize) {
  // Signed sizes: 0, 3, 6, 9. at_most_size 0 means "the latest".
  for (const auto& [at_most, expected] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 9}, {1, 0}, {2, 0}, {3, 3}, {5, 3}, {6, 6}, {8, 6}, {9, 9},
           {10, 9}, {1000, 9}}) {
    vitrine::v1::GetCheckpointRequest request;
    request.set_at_most_size(at_most);
    vitrine::v1::GetCheckpointResponse response;
    ASSERT_TRUE(stub_->GetCheckpoint(ClientContext().get(), request, &response).ok())
        << at_most;
    EXPECT_EQ(response.checkpoint().size(), expected) << at_most;
    ASSERT_OK_AND_ASSIGN(
        note::VerifiedCheckpoint opened,
        note::OpenCheckpoint(response.checkpoint().note(), kOrigin, log_keys_));
    EXPECT_EQ(opened.checkpoint.size, expected) << at_most;
  }
}

TEST_F(ReadTest, InclusionProofByIndexAndHashVerifies) {
  for (uint64_t index = 0; index < kSize; ++index) {
    vitrine::v1::GetInclusionProofRequest request;
    if (index % 2 == 0) {
      request.set_leaf_index(index);
    } else {
      request.set_leaf_hash(std::string(merkle::HashLeaf(leaves_[index]).AsStringView()));
    }
    vitrine::v1::GetInclusionProofResponse response;
    grpc::Status status =
        stub_->GetInclusionProof(ClientContext().get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.leaf_index(), index);
    EXPECT_EQ(response.tree_size(), kSize);
    const note::Checkpoint checkpoint = Open(response.checkpoint().note());
    EXPECT_EQ(checkpoint.size, kSize);
    EXPECT_TRUE(merkle::VerifyInclusion(index, kSize, merkle::HashLeaf(leaves_[index]),
                                        Hashes(response.proof()), checkpoint.root)
                    .ok());
  }
}

TEST_F(ReadTest, InclusionProofInAnOlderSignedSize) {
  const uint64_t size = sizes_[0];  // a size the log signed
  vitrine::v1::GetInclusionProofRequest request;
  request.set_leaf_index(1);
  request.set_tree_size(size);
  vitrine::v1::GetInclusionProofResponse response;
  ASSERT_TRUE(stub_->GetInclusionProof(ClientContext().get(), request, &response).ok());
  ASSERT_TRUE(response.has_checkpoint());
  const note::Checkpoint checkpoint = Open(response.checkpoint().note());
  EXPECT_EQ(checkpoint.size, size);
  EXPECT_TRUE(merkle::VerifyInclusion(1, size, merkle::HashLeaf(leaves_[1]),
                                      Hashes(response.proof()), checkpoint.root)
                  .ok());
}

TEST_F(ReadTest, InclusionProofErrors) {
  auto code = [&](vitrine::v1::GetInclusionProofRequest request) {
    vitrine::v1::GetInclusionProofResponse response;
    return stub_->GetInclusionProof(ClientContext().get(), request, &response)
        .error_code();
  };
  vitrine::v1::GetInclusionProofRequest request;
  EXPECT_EQ(code(request), grpc::StatusCode::INVALID_ARGUMENT);  // no leaf
  request.set_leaf_index(kSize);
  EXPECT_EQ(code(request), grpc::StatusCode::OUT_OF_RANGE);
  request.set_leaf_index(5);
  request.set_tree_size(kSize + 1);
  EXPECT_EQ(code(request), grpc::StatusCode::OUT_OF_RANGE);  // beyond the tree
  request.set_tree_size(5);
  EXPECT_EQ(code(request), grpc::StatusCode::OUT_OF_RANGE);  // index >= size
  request.set_leaf_hash("short");
  request.set_tree_size(0);
  EXPECT_EQ(code(request), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_leaf_hash(std::string(merkle::HashLeaf("never logged").AsStringView()));
  EXPECT_EQ(code(request), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReadTest, ConsistencyProofsVerify) {
  vitrine::v1::GetConsistencyProofRequest request;
  request.set_old_size(sizes_[0]);
  vitrine::v1::GetConsistencyProofResponse response;
  ASSERT_TRUE(
      stub_->GetConsistencyProof(ClientContext().get(), request, &response).ok());
  EXPECT_EQ(response.new_size(), kSize);

  vitrine::v1::GetInclusionProofRequest old_request;  // the old signed root
  old_request.set_leaf_index(0);
  old_request.set_tree_size(sizes_[0]);
  vitrine::v1::GetInclusionProofResponse old_response;
  ASSERT_TRUE(stub_->GetInclusionProof(ClientContext().get(), old_request,
                                       &old_response)
                  .ok());
  const note::Checkpoint old_checkpoint = Open(old_response.checkpoint().note());
  const note::Checkpoint new_checkpoint = Open(response.checkpoint().note());
  EXPECT_TRUE(merkle::VerifyConsistency(sizes_[0], kSize, old_checkpoint.root,
                                        new_checkpoint.root,
                                        Hashes(response.proof()))
                  .ok());

  // A size inside a batch was never signed: the proof comes without a
  // checkpoint. (Whether the sequencer cut a batch there is up to timing,
  // so ask the store.)
  const uint64_t inside = sizes_[1] - 1;
  request.set_old_size(1);
  request.set_new_size(inside);
  ASSERT_TRUE(
      stub_->GetConsistencyProof(ClientContext().get(), request, &response).ok());
  EXPECT_EQ(response.has_checkpoint(), store_->CheckpointAt(inside).ok());
  EXPECT_EQ(response.new_size(), inside);
}

TEST_F(ReadTest, ConsistencyProofErrors) {
  auto code = [&](uint64_t old_size, uint64_t new_size) {
    vitrine::v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    vitrine::v1::GetConsistencyProofResponse response;
    return stub_->GetConsistencyProof(ClientContext().get(), request, &response)
        .error_code();
  };
  EXPECT_EQ(code(3, kSize + 1), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(code(kSize + 1, 0), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(code(7, 4), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(code(0, 0), grpc::StatusCode::OK);
  EXPECT_EQ(code(kSize, kSize), grpc::StatusCode::OK);
}

std::vector<vitrine::v1::Entry> ReadEntries(vitrine::v1::Log::Stub& stub,
                                            uint64_t start, uint64_t end,
                                            grpc::Status* status,
                                            const std::string& origin = "") {
  vitrine::v1::GetEntriesRequest request;
  request.set_start(start);
  request.set_end(end);
  request.set_origin(origin);
  auto context = ClientContext();
  std::unique_ptr<grpc::ClientReader<vitrine::v1::Entry>> reader =
      stub.GetEntries(context.get(), request);
  std::vector<vitrine::v1::Entry> entries;
  vitrine::v1::Entry entry;
  while (reader->Read(&entry)) entries.push_back(entry);
  *status = reader->Finish();
  return entries;
}

TEST_F(ReadTest, GetEntriesStreamsTheStoredLeaves) {
  grpc::Status status;
  std::vector<vitrine::v1::Entry> entries = ReadEntries(*stub_, 0, kSize, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(entries.size(), kSize);
  for (uint64_t i = 0; i < kSize; ++i) {
    EXPECT_EQ(entries[i].index(), i);
    EXPECT_EQ(entries[i].leaf(), leaves_[i]);
  }
  entries = ReadEntries(*stub_, 3, 5, &status);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].leaf(), leaves_[4]);
  entries = ReadEntries(*stub_, 4, 4, &status);
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(entries.empty());
}

TEST_F(ReadTest, GetEntriesErrors) {
  grpc::Status status;
  ReadEntries(*stub_, 5, 4, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ReadEntries(*stub_, 5, kSize + 1, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "end 11 is beyond the log's size 10");
  ReadEntries(*stub_, 0, limits_.max_entries_per_call + 1, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("at most 10000"), std::string::npos);
}

TEST_F(ReadTest, GetEntriesByOrigin) {
  grpc::Status status;
  std::vector<vitrine::v1::Entry> entries =
      ReadEntries(*stub_, 0, kSize, &status, std::string(kOrigin));
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(entries.size(), kSize);
  EXPECT_EQ(entries[kSize - 1].leaf(), leaves_[kSize - 1]);
  // Another log: NOT_FOUND before the range is looked at (its range would
  // be valid here, and the one after it would be OUT_OF_RANGE).
  EXPECT_TRUE(ReadEntries(*stub_, 0, 1, &status, "example.com/other-log").empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "no log \"example.com/other-log\" here: this log is "
            "\"example.com/test-log\"");
  ReadEntries(*stub_, 0, kSize + 1, &status, "example.com/other-log");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReadTest, FindByDigest) {
  // The same artifact released by a second vendor too.
  AddResponse added;
  ASSERT_TRUE(Add({Statement(1, "artifact-3")}, &added).ok());
  ASSERT_TRUE(added.results(0).has_bundle());

  vitrine::v1::FindByDigestRequest request;
  request.set_sha256(std::string(ArtifactDigest("artifact-3", "1.0").AsStringView()));
  vitrine::v1::FindByDigestResponse response;
  ASSERT_TRUE(stub_->FindByDigest(ClientContext().get(), request, &response).ok());
  ASSERT_EQ(response.bundles_size(), 2);
  EXPECT_LT(response.bundles(0).leaf_index(), response.bundles(1).leaf_index());
  EXPECT_EQ(response.bundles(0).checkpoint(), response.bundles(1).checkpoint());
  for (const vitrine::v1::Bundle& bundle : response.bundles()) {
    ExpectBundleVerifies(bundle);
  }

  request.set_sha256(std::string(ArtifactDigest("unknown", "1.0").AsStringView()));
  EXPECT_EQ(stub_->FindByDigest(ClientContext().get(), request, &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  request.set_sha256("0123");
  EXPECT_EQ(stub_->FindByDigest(ClientContext().get(), request, &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReadTest, GetBundle) {
  vitrine::v1::GetBundleRequest request;
  request.set_leaf_index(4);
  vitrine::v1::Bundle bundle;
  ASSERT_TRUE(stub_->GetBundle(ClientContext().get(), request, &bundle).ok());
  EXPECT_EQ(bundle.statement(), leaves_[4]);
  ExpectBundleVerifies(bundle);
  EXPECT_EQ(Open(bundle.checkpoint()).size, kSize);

  request.set_leaf_hash(std::string(merkle::HashLeaf(leaves_[7]).AsStringView()));
  ASSERT_TRUE(stub_->GetBundle(ClientContext().get(), request, &bundle).ok());
  EXPECT_EQ(bundle.leaf_index(), 7u);
  ExpectBundleVerifies(bundle);

  auto code = [&](const vitrine::v1::GetBundleRequest& r) {
    vitrine::v1::Bundle b;
    return stub_->GetBundle(ClientContext().get(), r, &b).error_code();
  };
  request.set_leaf_index(kSize);
  EXPECT_EQ(code(request), grpc::StatusCode::OUT_OF_RANGE);
  request.set_leaf_hash(std::string(31, 'x'));
  EXPECT_EQ(code(request), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_leaf_hash(std::string(32, 'x'));
  EXPECT_EQ(code(request), grpc::StatusCode::NOT_FOUND);
  request.set_leaf_index(0);
  request.set_witnessed(true);
  EXPECT_EQ(code(request), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(code(vitrine::v1::GetBundleRequest()),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReadTest, WatchCheckpointsSeesTheLogGrowInOrder) {
  vitrine::v1::WatchCheckpointsRequest request;
  request.set_after_size(sizes_[0]);
  auto context = ClientContext();
  std::unique_ptr<grpc::ClientReader<vitrine::v1::Checkpoint>> reader =
      stub_->WatchCheckpoints(context.get(), request);

  // First the latest one beyond after_size.
  vitrine::v1::Checkpoint checkpoint;
  ASSERT_TRUE(reader->Read(&checkpoint));
  EXPECT_EQ(checkpoint.size(), kSize);
  EXPECT_EQ(Open(checkpoint.note()).size, kSize);

  // Then each new one, growing.
  uint64_t last = kSize;
  for (int round = 0; round < 5; ++round) {
    AddResponse added;
    ASSERT_TRUE(Add({Statement(0, absl::StrCat("watched-", round))}, &added).ok());
    const uint64_t expected = added.results(0).bundle().leaf_index() + 1;
    while (last < expected) {
      ASSERT_TRUE(reader->Read(&checkpoint));
      EXPECT_GT(checkpoint.size(), last);
      EXPECT_EQ(Open(checkpoint.note()).size, checkpoint.size());
      last = checkpoint.size();
    }
    EXPECT_EQ(last, expected);
  }
  context->TryCancel();
  while (reader->Read(&checkpoint)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ReadTest, WatchEndsWhenTheServiceShutsDown) {
  vitrine::v1::WatchCheckpointsRequest request;
  request.set_after_size(kSize);  // nothing newer yet
  auto context = ClientContext();
  std::unique_ptr<grpc::ClientReader<vitrine::v1::Checkpoint>> reader =
      stub_->WatchCheckpoints(context.get(), request);
  // Make sure the server has the call before shutting down.
  AddResponse added;
  ASSERT_TRUE(Add({Statement(0, "one-more")}, &added).ok());
  vitrine::v1::Checkpoint checkpoint;
  ASSERT_TRUE(reader->Read(&checkpoint));
  EXPECT_EQ(checkpoint.size(), kSize + 1);

  service_->Shutdown();
  EXPECT_FALSE(reader->Read(&checkpoint));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);

  // New watchers are refused at once.
  auto again = ClientContext();
  auto refused = stub_->WatchCheckpoints(again.get(), request);
  EXPECT_FALSE(refused->Read(&checkpoint));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ReadTest, RpcMetricsByMethodAndCode) {
  vitrine::v1::GetBundleRequest request;
  request.set_leaf_index(kSize + 5);
  vitrine::v1::Bundle bundle;
  stub_->GetBundle(ClientContext().get(), request, &bundle);
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_NE(text.find("vitrine_grpc_requests_total{code=\"OUT_OF_RANGE\","
                      "method=\"GetBundle\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace vitrine::server::testing
