// LogClient with several endpoints for one log (issue 16): a real log
// service on 127.0.0.1, mirrors in front of it that tell the truth or lie
// (forged proofs, a stale checkpoint, a forked one), and addresses where
// nothing listens. Every answer is verified against the pinned key; a
// lying endpoint is refused with its reason and the next one is used.
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/client_state.h"
#include "client/log_client.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/server/log_service_testing.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::client {
namespace {

using ::testing::HasSubstr;
using ::vitrine::server::testing::ArtifactDigest;
using ::vitrine::server::testing::ClientContext;
using ::vitrine::server::testing::kOrigin;
using ::vitrine::testing::StatusIs;

// Nothing listens on port 1 of loopback: connections are refused at once.
constexpr char kNobody[] = "127.0.0.1:1";

// A mirror of the test log: passes reads through to it (GetEntries too;
// WatchCheckpoints is unimplemented, as on a mirror that lacks it), answers
// Add as a mirror does (FAILED_PRECONDITION naming the log), and lies as
// told: every checkpoint note it hands out replaced by `checkpoint_note`
// when set, every proof hash flipped when `forge_proofs`.
class Mirror : public vitrine::v1::Log::Service {
 public:
  explicit Mirror(const std::string& log)
      : log_(log),
        stub_(vitrine::v1::Log::NewStub(
            grpc::CreateChannel(log, grpc::InsecureChannelCredentials()))) {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  ~Mirror() override {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  }

  const std::string& address() const { return address_; }
  int calls() const { return calls_.load(); }
  int adds() const { return adds_.load(); }

  std::string checkpoint_note;  // Set before use.
  bool forge_proofs = false;

  grpc::Status Add(grpc::ServerContext*, const vitrine::v1::AddRequest*,
                   vitrine::v1::AddResponse*) override {
    ++calls_;
    ++adds_;
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("a mirror of ", kOrigin,
                                     ": submit statements to ", log_));
  }
  grpc::Status GetCheckpoint(
      grpc::ServerContext*, const vitrine::v1::GetCheckpointRequest* request,
      vitrine::v1::GetCheckpointResponse* response) override {
    ++calls_;
    grpc::Status status =
        stub_->GetCheckpoint(ClientContext().get(), *request, response);
    Tamper(response->mutable_checkpoint()->mutable_note());
    return status;
  }
  grpc::Status GetInclusionProof(
      grpc::ServerContext*,
      const vitrine::v1::GetInclusionProofRequest* request,
      vitrine::v1::GetInclusionProofResponse* response) override {
    ++calls_;
    grpc::Status status =
        stub_->GetInclusionProof(ClientContext().get(), *request, response);
    Tamper(response->mutable_checkpoint()->mutable_note());
    Forge(response->mutable_proof());
    return status;
  }
  grpc::Status GetConsistencyProof(
      grpc::ServerContext*,
      const vitrine::v1::GetConsistencyProofRequest* request,
      vitrine::v1::GetConsistencyProofResponse* response) override {
    ++calls_;
    grpc::Status status =
        stub_->GetConsistencyProof(ClientContext().get(), *request, response);
    Forge(response->mutable_proof());
    return status;
  }
  grpc::Status GetBundle(grpc::ServerContext*,
                         const vitrine::v1::GetBundleRequest* request,
                         vitrine::v1::Bundle* response) override {
    ++calls_;
    grpc::Status status =
        stub_->GetBundle(ClientContext().get(), *request, response);
    Tamper(response->mutable_checkpoint());
    Forge(response->mutable_inclusion_proof());
    return status;
  }
  grpc::Status FindByDigest(
      grpc::ServerContext*, const vitrine::v1::FindByDigestRequest* request,
      vitrine::v1::FindByDigestResponse* response) override {
    ++calls_;
    grpc::Status status =
        stub_->FindByDigest(ClientContext().get(), *request, response);
    for (vitrine::v1::Bundle& bundle : *response->mutable_bundles()) {
      Tamper(bundle.mutable_checkpoint());
      Forge(bundle.mutable_inclusion_proof());
    }
    return status;
  }
  grpc::Status GetEntries(
      grpc::ServerContext*, const vitrine::v1::GetEntriesRequest* request,
      grpc::ServerWriter<vitrine::v1::Entry>* writer) override {
    ++calls_;
    std::unique_ptr<grpc::ClientContext> context = ClientContext();
    auto reader = stub_->GetEntries(context.get(), *request);
    vitrine::v1::Entry entry;
    while (reader->Read(&entry)) writer->Write(entry);
    return reader->Finish();
  }

 private:
  void Tamper(std::string* note) const {
    if (!checkpoint_note.empty() && !note->empty()) *note = checkpoint_note;
  }
  void Forge(google::protobuf::RepeatedPtrField<std::string>* proof) const {
    if (!forge_proofs) return;
    for (std::string& hash : *proof) hash[0] ^= 1;
  }

  const std::string log_;
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::atomic<int> calls_{0};
  std::atomic<int> adds_{0};
};

// The failures a client moved on from, as "endpoint: refusal-or-code".
class FailoverLog {
 public:
  void Record(const std::string& endpoint, const absl::Status& failure) {
    absl::MutexLock lock(&mu_);
    const Refusal refusal = GetRefusal(failure);
    lines_.push_back(absl::StrCat(
        endpoint, ": ",
        refusal != Refusal::kNone ? RefusalName(refusal)
                                  : absl::StatusCodeToString(failure.code())));
  }
  std::vector<std::string> Take() {
    absl::MutexLock lock(&mu_);
    return std::exchange(lines_, {});
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

class LogClientFailoverTest : public server::testing::LogServiceFixture {
 protected:
  std::unique_ptr<LogClient> Client(const std::vector<std::string>& targets,
                                    ClientState* state = nullptr) {
    LogClientOptions options;
    options.deadline = absl::Seconds(10);
    options.state = state;
    options.on_failover = [this](const std::string& endpoint,
                                 const absl::Status& failure) {
      failovers_.Record(endpoint, failure);
    };
    return LogClient::Create(targets, log_key_.verifier_key, options).value();
  }

  // Logs `n` statements "<prefix><i>" through the log itself.
  void AddN(int n, const std::string& prefix) {
    std::vector<std::string> statements;
    for (int i = 0; i < n; ++i) {
      statements.push_back(Statement(0, prefix + std::to_string(i)));
    }
    ASSERT_OK_AND_ASSIGN(std::vector<AddOutcome> added,
                         Client({address_})->Add(statements));
    for (const AddOutcome& outcome : added) ASSERT_OK(outcome.bundle);
  }

  // The log's latest checkpoint note.
  std::string LatestNote() const {
    vitrine::v1::GetCheckpointResponse response;
    EXPECT_TRUE(stub_->GetCheckpoint(ClientContext().get(), {}, &response).ok());
    return response.checkpoint().note();
  }

  // A checkpoint of `size` with another root, signed with the log's key: a
  // fork, as a compromised mirror holding a stolen key would serve.
  std::string ForkedNote(uint64_t size) const {
    note::Checkpoint c{std::string(kOrigin), size,
                       merkle::HashLeaf("another history"), {}};
    auto signer = note::NewSigner(log_key_.signer_key).value();
    return note::SignCheckpoint(c, *signer).value();
  }

  // A client state that has seen the log's latest checkpoint.
  std::unique_ptr<ClientState> StateAtLatest() {
    auto state = ClientState::Open(dir_ + "/client-state").value();
    EXPECT_OK(Client({address_}, state.get())->GetCheckpoint());
    return state;
  }

  FailoverLog failovers_;
};

TEST_F(LogClientFailoverTest, MovesOnFromUnreachableEndpointsAndSticks) {
  AddN(3, "down");
  Mirror mirror(address_);
  auto client = Client({kNobody, mirror.address(), address_});
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head, client->GetCheckpoint());
  EXPECT_EQ(head.checkpoint.size, 3u);
  EXPECT_EQ(client->ReadEndpoint(), mirror.address());
  EXPECT_EQ(failovers_.Take(),
            std::vector<std::string>{absl::StrCat(kNobody, ": UNAVAILABLE")});
  // Sticky: the dead endpoint is not tried again while the mirror answers.
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle bundle, client->GetBundle(1));
  EXPECT_EQ(bundle.leaf_index(), 1u);
  ASSERT_OK_AND_ASSIGN(Entries entries, client->GetEntries(0, 3));
  EXPECT_EQ(entries.leaves.size(), 3u);
  ASSERT_OK_AND_ASSIGN(
      InclusionProof proof,
      client->GetInclusionProof(merkle::HashLeaf(bundle.statement())));
  EXPECT_EQ(proof.leaf_index, 1u);
  EXPECT_TRUE(failovers_.Take().empty());
  EXPECT_GE(mirror.calls(), 4);
}

TEST_F(LogClientFailoverTest, FailsWithEveryEndpointsReasonWhenNoneAnswers) {
  LogClientOptions options;
  options.deadline = absl::Seconds(2);
  auto client = LogClient::Create({std::string(kNobody), "127.0.0.1:2"},
                                  log_key_.verifier_key, options)
                    .value();
  absl::StatusOr<note::VerifiedCheckpoint> head = client->GetCheckpoint();
  EXPECT_THAT(head, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(head.status().message(),
              HasSubstr("GetCheckpoint: all 2 endpoints failed; 127.0.0.1:1: "
                        "UNAVAILABLE"));
  EXPECT_THAT(head.status().message(), HasSubstr("; 127.0.0.1:2: UNAVAILABLE"));
  EXPECT_THAT(LogClient::Create(std::vector<std::string>{},
                                log_key_.verifier_key),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LogClient::Create({address_, address_}, log_key_.verifier_key),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LogClientFailoverTest, RefusesLyingMirrorsAndUsesTheNext) {
  AddN(2, "old");
  const std::string stale_note = LatestNote();  // Size 2.
  AddN(3, "new");
  std::unique_ptr<ClientState> state = StateAtLatest();  // Seen size 5.
  Mirror forked(address_), stale(address_), forger(address_);
  forked.checkpoint_note = ForkedNote(5);
  stale.checkpoint_note = stale_note;
  forger.forge_proofs = true;

  auto client = Client(
      {forked.address(), stale.address(), forger.address(), address_},
      state.get());
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head, client->GetCheckpoint());
  EXPECT_EQ(head.checkpoint.size, 5u);
  EXPECT_EQ(failovers_.Take(),
            (std::vector<std::string>{forked.address() + ": fork",
                                      stale.address() + ": rollback"}));
  // The forger's checkpoint was true; its proofs are not.
  EXPECT_EQ(client->ReadEndpoint(), forger.address());
  const merkle::Hash leaf = merkle::HashLeaf(Statement(0, "new1"));
  ASSERT_OK_AND_ASSIGN(InclusionProof proof, client->GetInclusionProof(leaf));
  EXPECT_EQ(proof.leaf_index, 3u);
  EXPECT_EQ(failovers_.Take(),
            (std::vector<std::string>{forger.address() + ": proof-invalid",
                                      forked.address() + ": fork",
                                      stale.address() + ": rollback"}));
  EXPECT_EQ(client->ReadEndpoint(), address_);
  // Sticky: the liars are not asked again while the log answers.
  const int asked = forked.calls() + stale.calls() + forger.calls();
  ASSERT_OK(client->GetBundle(3));
  ASSERT_OK(client->FindByDigest(ArtifactDigest("new2", "1.0")));
  EXPECT_EQ(forked.calls() + stale.calls() + forger.calls(), asked);
  EXPECT_EQ(state->Get(kOrigin)->size, 5u);
}

TEST_F(LogClientFailoverTest, FailsWithTheRefusalWhenOnlyLiarsAnswer) {
  AddN(3, "x");
  std::unique_ptr<ClientState> state = StateAtLatest();
  Mirror forked(address_), forger(address_);
  forked.checkpoint_note = ForkedNote(3);
  forger.forge_proofs = true;
  auto client =
      Client({kNobody, forger.address(), forked.address()}, state.get());
  absl::StatusOr<vitrine::v1::Bundle> bundle = client->GetBundle(1);
  // A lie outranks an endpoint that was merely down.
  EXPECT_THAT(bundle, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(GetRefusal(bundle.status()), Refusal::kProofInvalid)
      << bundle.status();
  const std::string message(bundle.status().message());
  EXPECT_THAT(message, HasSubstr(absl::StrCat(kNobody, ": UNAVAILABLE")));
  EXPECT_THAT(message, HasSubstr(absl::StrCat(forger.address(),
                                              ": refused: proof-invalid")));
  // The forked tree's root does not hold the log's leaf: refused before
  // its checkpoint is compared with the one seen.
  EXPECT_THAT(message, HasSubstr(absl::StrCat(forked.address(),
                                              ": refused: proof-invalid")));
  EXPECT_EQ(state->Get(kOrigin)->size, 3u);
  // The forger's checkpoints are true: what verifies is used.
  ASSERT_OK(client->GetCheckpoint());
  EXPECT_EQ(client->ReadEndpoint(), forger.address());
}

TEST_F(LogClientFailoverTest, WritesGoToTheLogReadsStayOnTheMirror) {
  Mirror mirror(address_);
  auto client = Client({mirror.address(), address_});
  ASSERT_OK_AND_ASSIGN(std::vector<AddOutcome> added,
                       client->Add({Statement(0, "w0"), Statement(0, "w1")}));
  ASSERT_EQ(added.size(), 2u);
  ASSERT_OK(added[1].bundle);
  EXPECT_EQ(mirror.adds(), 1);
  EXPECT_EQ(failovers_.Take(), std::vector<std::string>{
                                   mirror.address() + ": FAILED_PRECONDITION"});
  ASSERT_OK_AND_ASSIGN(added, client->Add({Statement(0, "w2")}));
  EXPECT_EQ(mirror.adds(), 1);  // Writes went straight to the log.
  // Reads start at the mirror (first given, never failed a read).
  const int calls = mirror.calls();
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head, client->GetCheckpoint());
  EXPECT_EQ(head.checkpoint.size, 3u);
  EXPECT_GT(mirror.calls(), calls);
  EXPECT_EQ(client->ReadEndpoint(), mirror.address());
}

TEST_F(LogClientFailoverTest, WatchMovesOnFromAMirrorWithoutTheStream) {
  AddN(2, "watch");
  Mirror mirror(address_);
  auto client = Client({mirror.address(), address_});
  std::vector<uint64_t> sizes;
  ASSERT_OK(client->WatchCheckpoints(
      0, absl::Now() + absl::Seconds(10),
      [&](const note::VerifiedCheckpoint& c) {
        sizes.push_back(c.checkpoint.size);
        return false;
      }));
  EXPECT_EQ(sizes, std::vector<uint64_t>{2});
  EXPECT_EQ(failovers_.Take(),
            std::vector<std::string>{mirror.address() + ": UNIMPLEMENTED"});
  // Reaching `until` ends the watch with DEADLINE_EXCEEDED, whatever the
  // number of endpoints, and is no endpoint's failure.
  absl::Status watched = client->WatchCheckpoints(
      2, absl::Now() + absl::Milliseconds(300),
      [](const note::VerifiedCheckpoint&) { return true; });
  EXPECT_THAT(watched, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(failovers_.Take().empty());
}

}  // namespace
}  // namespace vitrine::client
