// LogClient against a real log service on 127.0.0.1 (log_service_testing.h),
// including logs that lie about their history.
#include "client/log_client.h"

#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client_state.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/policy.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/server/log_service_testing.h"
#include "log/server/witnessed_log_testing.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::client {
namespace {

using ::vitrine::server::testing::ArtifactDigest;
using ::vitrine::server::testing::kOrigin;
using ::vitrine::testing::StatusIs;

class LogClientTest : public server::testing::LogServiceFixture {
 protected:
  std::unique_ptr<LogClient> Client(ClientState* state = nullptr) {
    LogClientOptions options;
    options.deadline = absl::Seconds(20);
    options.state = state;
    return LogClient::Create(address_, log_key_.verifier_key, options).value();
  }

  // Adds `n` statements of vendor 0 named "<prefix><i>".
  std::vector<vitrine::v1::Bundle> AddN(LogClient& client, int n,
                                        const std::string& prefix) {
    std::vector<std::string> statements;
    for (int i = 0; i < n; ++i) {
      statements.push_back(Statement(0, prefix + std::to_string(i)));
    }
    std::vector<vitrine::v1::Bundle> bundles;
    absl::StatusOr<std::vector<AddOutcome>> added = client.Add(statements);
    EXPECT_OK(added);
    if (!added.ok()) return bundles;
    for (AddOutcome& outcome : *added) {
      EXPECT_OK(outcome.bundle);
      if (outcome.bundle.ok()) bundles.push_back(*outcome.bundle);
    }
    return bundles;
  }

  std::string StateDir() const { return dir_ + "/client-state"; }

  // A checkpoint signed with the log's own key, as a lying log would.
  note::VerifiedCheckpoint Forged(uint64_t size) const {
    note::Checkpoint c{std::string(kOrigin), size,
                       merkle::HashLeaf("another history"), {}};
    auto signer = note::NewSigner(log_key_.signer_key).value();
    return note::OpenCheckpoint(note::SignCheckpoint(c, *signer).value(),
                                kOrigin, log_keys_)
        .value();
  }
};

TEST_F(LogClientTest, AddReturnsBundlesAnEndpointAccepts) {
  auto client = Client();
  std::vector<vitrine::v1::Bundle> bundles = AddN(*client, 3, "tool");
  ASSERT_EQ(bundles.size(), 3u);
  note::Policy policy =
      note::ParsePolicy(absl::StrCat("log ", log_key_.verifier_key,
                                     "\nvendor ", vendors_[0].verifier_key,
                                     "\n"))
          .value();
  for (int i = 0; i < 3; ++i) {
    EXPECT_OK(VerifyBundle(ArtifactDigest("tool" + std::to_string(i), "1.0"),
                           bundles[i], policy));
  }
  // A repeat is a duplicate with the same index.
  ASSERT_OK_AND_ASSIGN(auto again, client->Add({Statement(0, "tool1")}));
  EXPECT_TRUE(again[0].duplicate);
  ASSERT_OK(again[0].bundle);
  EXPECT_EQ(again[0].bundle->leaf_index(), bundles[1].leaf_index());
  // A refused statement gets its own error; the call succeeds.
  ASSERT_OK_AND_ASSIGN(
      auto refused,
      client->Add({StatementBy(*unregistered_.signer, unregistered_.name, "x")}));
  EXPECT_THAT(refused[0].bundle, StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(LogClientTest, ReadsAreVerified) {
  auto client = Client();
  std::vector<vitrine::v1::Bundle> bundles = AddN(*client, 5, "a");
  ASSERT_EQ(bundles.size(), 5u);
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head, client->GetCheckpoint());
  EXPECT_EQ(head.checkpoint.size, 5u);
  EXPECT_EQ(head.checkpoint.origin, kOrigin);

  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle b2, client->GetBundle(2));
  EXPECT_EQ(b2.statement(), bundles[2].statement());
  ASSERT_OK_AND_ASSIGN(
      vitrine::v1::Bundle by_hash,
      client->GetBundleByLeafHash(merkle::HashLeaf(bundles[3].statement())));
  EXPECT_EQ(by_hash.leaf_index(), 3u);
  ASSERT_OK_AND_ASSIGN(auto found,
                       client->FindByDigest(ArtifactDigest("a4", "1.0")));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].leaf_index(), 4u);
  EXPECT_THAT(client->FindByDigest(ArtifactDigest("nothing", "1.0")),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_OK_AND_ASSIGN(
      InclusionProof inclusion,
      client->GetInclusionProof(merkle::HashLeaf(bundles[1].statement())));
  EXPECT_EQ(inclusion.leaf_index, 1u);

  AddN(*client, 4, "b");
  ASSERT_OK_AND_ASSIGN(ConsistencyProof consistency,
                       client->GetConsistencyProof(head.checkpoint));
  EXPECT_EQ(consistency.new_checkpoint.checkpoint.size, 9u);

  ASSERT_OK_AND_ASSIGN(Entries all, client->GetEntries(0, 7));
  ASSERT_EQ(all.leaves.size(), 7u);
  EXPECT_EQ(all.leaves[2], bundles[2].statement());
  ASSERT_OK_AND_ASSIGN(Entries middle, client->GetEntries(3, 6));
  ASSERT_EQ(middle.leaves.size(), 3u);
  EXPECT_EQ(middle.leaves[0], bundles[3].statement());
  ASSERT_OK_AND_ASSIGN(Entries none, client->GetEntries(0, 0));
  EXPECT_TRUE(none.leaves.empty());
  EXPECT_THAT(client->GetEntries(0, 10),
              StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_F(LogClientTest, KeepsStateAcrossClients) {
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(StateDir()));
  {
    auto client = Client(state.get());
    AddN(*client, 2, "s");
    ASSERT_OK(client->GetCheckpoint());
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, ClientState::Open(StateDir()));
  ASSERT_TRUE(reopened->Get(kOrigin).has_value());
  EXPECT_EQ(reopened->Get(kOrigin)->size, 2u);
  auto client = Client(reopened.get());
  AddN(*client, 1, "t");  // Consistency 2 -> 3 proven, state advanced.
  EXPECT_EQ(reopened->Get(kOrigin)->size, 3u);
}

TEST_F(LogClientTest, RefusesAForkedLog) {
  auto honest = Client();
  AddN(*honest, 3, "f");
  // This client saw another tree of size 3 under the same key: the log
  // showed two histories.
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(StateDir()));
  ASSERT_OK(state->Update(Forged(3)));
  auto client = Client(state.get());
  absl::StatusOr<note::VerifiedCheckpoint> head = client->GetCheckpoint();
  EXPECT_THAT(head, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(GetRefusal(head.status()), Refusal::kFork);
  // A smaller forged tree: the log's larger one does not extend it.
  ASSERT_OK_AND_ASSIGN(auto state2, ClientState::Open(StateDir() + "2"));
  ASSERT_OK(state2->Update(Forged(2)));
  auto client2 = Client(state2.get());
  head = client2->GetCheckpoint();
  EXPECT_EQ(GetRefusal(head.status()), Refusal::kFork) << head.status();
  EXPECT_EQ(state2->Get(kOrigin)->size, 2u);  // Not advanced.
}

TEST_F(LogClientTest, RefusesARolledBackLog) {
  auto honest = Client();
  AddN(*honest, 2, "r");
  ASSERT_OK_AND_ASSIGN(auto state, ClientState::Open(StateDir()));
  ASSERT_OK(state->Update(Forged(10)));  // Seen a larger tree before.
  auto client = Client(state.get());
  absl::StatusOr<note::VerifiedCheckpoint> head = client->GetCheckpoint();
  EXPECT_THAT(head, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(GetRefusal(head.status()), Refusal::kRollback);
}

TEST_F(LogClientTest, RefusesAnotherLogKey) {
  note::GeneratedKey other =
      note::GenerateKey(kOrigin, note::SignatureType::kEd25519).value();
  auto client = LogClient::Create(address_, other.verifier_key).value();
  absl::StatusOr<note::VerifiedCheckpoint> head = client->GetCheckpoint();
  EXPECT_THAT(head, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(GetRefusal(head.status()), Refusal::kWrongLog);
  EXPECT_THAT(LogClient::Create(address_, "not a key"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(LogClientTest, DeadlinesApply) {
  LogClientOptions options;
  options.deadline = absl::Milliseconds(200);
  // Nothing listens there: the call fails within the deadline.
  auto client =
      LogClient::Create("127.0.0.1:1", log_key_.verifier_key, options).value();
  const absl::Time start = absl::Now();
  EXPECT_FALSE(client->GetCheckpoint().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(LogClientTest, WatchesVerifiedCheckpoints) {
  auto client = Client();
  AddN(*client, 1, "w");
  std::atomic<bool> done{false};
  std::thread writer([&] {
    auto other = Client();
    for (int i = 0; i < 50 && !done; ++i) {
      AddN(*other, 1, "watch" + std::to_string(i));
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  std::vector<uint64_t> sizes;
  absl::Status watched = client->WatchCheckpoints(
      1, absl::Now() + absl::Seconds(20),
      [&](const note::VerifiedCheckpoint& c) {
        sizes.push_back(c.checkpoint.size);
        return sizes.size() < 3;
      });
  done = true;
  writer.join();
  EXPECT_OK(watched);
  ASSERT_EQ(sizes.size(), 3u);
  EXPECT_GT(sizes[0], 1u);
  EXPECT_LT(sizes[0], sizes[1]);
  EXPECT_LT(sizes[1], sizes[2]);
}

// --- Rebuild statements (issue 15) ---

// A release with a source line, so that rebuilders can rebuild it.
note::Statement SourcedRelease(absl::string_view vendor,
                               absl::string_view version,
                               const merkle::Hash& sha256) {
  note::Statement release;
  release.vendor = std::string(vendor);
  release.artifact = "acme-cli";
  release.version = std::string(version);
  release.sha256 = sha256;
  release.source = absl::StrCat("https://git.example.com/acme@v", version);
  return release;
}

// The bundles of `found` whose leaf indexes are `indexes`, in that order.
std::vector<uint64_t> Indexes(const std::vector<vitrine::v1::Bundle>& found) {
  std::vector<uint64_t> indexes;
  for (const vitrine::v1::Bundle& b : found) indexes.push_back(b.leaf_index());
  return indexes;
}

std::vector<uint64_t> Indexes(const vitrine::v1::Bundle& bundle) {
  std::vector<uint64_t> indexes;
  for (const auto& r : bundle.rebuilds()) indexes.push_back(r.leaf_index());
  return indexes;
}

// Serves the test log's API with FindByDigest answers passed through
// `tamper` first: a log that lies about what it holds.
class FindByDigestProxy : public vitrine::v1::Log::Service {
 public:
  using Tamper = std::function<void(vitrine::v1::FindByDigestResponse&)>;
  FindByDigestProxy(const std::string& target, Tamper tamper)
      : stub_(vitrine::v1::Log::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))),
        tamper_(std::move(tamper)) {}
  ~FindByDigestProxy() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    }
  }

  grpc::Status GetCheckpoint(
      grpc::ServerContext*, const vitrine::v1::GetCheckpointRequest* request,
      vitrine::v1::GetCheckpointResponse* response) override {
    return stub_->GetCheckpoint(server::testing::ClientContext().get(),
                                *request, response);
  }
  grpc::Status GetConsistencyProof(
      grpc::ServerContext*,
      const vitrine::v1::GetConsistencyProofRequest* request,
      vitrine::v1::GetConsistencyProofResponse* response) override {
    return stub_->GetConsistencyProof(server::testing::ClientContext().get(),
                                      *request, response);
  }
  grpc::Status FindByDigest(
      grpc::ServerContext*, const vitrine::v1::FindByDigestRequest* request,
      vitrine::v1::FindByDigestResponse* response) override {
    grpc::Status status = stub_->FindByDigest(
        server::testing::ClientContext().get(), *request, response);
    if (status.ok()) tamper_(*response);
    return status;
  }

  // Starts serving on 127.0.0.1; returns its address.
  std::string Serve() {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    return absl::StrCat("127.0.0.1:", port);
  }

 private:
  std::unique_ptr<vitrine::v1::Log::Stub> stub_;
  Tamper tamper_;
  std::unique_ptr<grpc::Server> server_;
};

class LogClientRebuildTest : public LogClientTest {
 protected:
  note::Statement Release(absl::string_view version) const {
    return SourcedRelease(vendors_[0].name, version,
                          ArtifactDigest("acme-cli", version));
  }

  // Logs the signed statements in one Add; returns their indexes.
  std::vector<uint64_t> Log(LogClient& client,
                            const std::vector<std::string>& statements) {
    std::vector<uint64_t> indexes;
    absl::StatusOr<std::vector<AddOutcome>> added = client.Add(statements);
    EXPECT_OK(added);
    if (!added.ok()) return indexes;
    for (const AddOutcome& outcome : *added) {
      EXPECT_OK(outcome.bundle);
      if (outcome.bundle.ok()) indexes.push_back(outcome.bundle->leaf_index());
    }
    return indexes;
  }

  std::string Signed(const note::Statement& release) const {
    return note::SignStatement(release, *vendors_[0].signer).value();
  }

  // The fixture's registered rebuilder's statement about `release`.
  std::string Rebuild(const note::Statement& release,
                      const merkle::Hash& produced) const {
    return note::SignRebuildStatement(
               note::RebuildOf(release, rebuilder_.name, produced).value(),
               *rebuilder_.signer)
        .value();
  }

  // Trusts the log, vendor 0 and the fixture's rebuilder (quorum 1).
  note::Policy RebuildPolicy() const {
    return note::ParsePolicy(
               absl::StrCat("log ", log_key_.verifier_key, "\nvendor ",
                            vendors_[0].verifier_key, "\nrebuilder ",
                            rebuilder_.verifier_key, "\nrebuild-quorum 1\n"))
        .value();
  }
};

TEST_F(LogClientRebuildTest, FindsAReleaseWithItsRebuildsAndAttachesThem) {
  auto client = Client();
  const note::Statement release = Release("1.0");
  const merkle::Hash other = merkle::Sha256("a backdoored build");
  // The release, a matching rebuild, an unrelated release, a rebuild that
  // produced another digest.
  const std::vector<uint64_t> at =
      Log(*client, {Signed(release), Rebuild(release, release.sha256),
                    Signed(Release("2.0")), Rebuild(release, other)});
  ASSERT_EQ(at.size(), 4u);

  ASSERT_OK_AND_ASSIGN(std::vector<vitrine::v1::Bundle> found,
                       client->FindByDigest(release.sha256));
  EXPECT_EQ(Indexes(found), (std::vector<uint64_t>{at[0], at[1], at[3]}));
  ASSERT_OK_AND_ASSIGN(uint64_t newest,
                       NewestReleaseIndex(found, release.sha256));
  EXPECT_EQ(newest, at[0]);
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle bundle,
                       ReleaseBundleWithRebuilds(found, newest));
  EXPECT_EQ(bundle.leaf_index(), at[0]);
  EXPECT_EQ(bundle.statement(), found[0].statement());
  EXPECT_EQ(Indexes(bundle), (std::vector<uint64_t>{at[1], at[3]}));
  EXPECT_EQ(bundle.rebuilds(1).statement(), found[2].statement());
  EXPECT_EQ(bundle.rebuilds(1).inclusion_proof_size(),
            found[2].inclusion_proof_size());
  // What an endpoint trusting that rebuilder decides: the contradiction.
  absl::StatusOr<VerifiedBundle> verdict =
      VerifyBundle(release.sha256, bundle, RebuildPolicy());
  EXPECT_THAT(verdict, StatusIs(absl::StatusCode::kDataLoss,
                                "rebuilder rebuild.example.org rebuilt"));
  EXPECT_EQ(GetRefusal(verdict.status()), Refusal::kRebuildMismatch);

  // The other digest finds only the rebuild that produced it: no release.
  ASSERT_OK_AND_ASSIGN(std::vector<vitrine::v1::Bundle> by_other,
                       client->FindByDigest(other));
  EXPECT_EQ(Indexes(by_other), std::vector<uint64_t>{at[3]});
  EXPECT_THAT(NewestReleaseIndex(by_other, other),
              StatusIs(absl::StatusCode::kNotFound,
                       "no release statement names"));
  EXPECT_THAT(ReleaseBundleWithRebuilds(by_other, at[3]),
              StatusIs(absl::StatusCode::kNotFound,
                       "no release statement at leaf"));
}

TEST_F(LogClientRebuildTest, AnAgreeingRebuildMeetsTheQuorum) {
  auto client = Client();
  const note::Statement release = Release("1.0");
  const std::vector<uint64_t> at =
      Log(*client, {Signed(release), Rebuild(release, release.sha256)});
  ASSERT_EQ(at.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<vitrine::v1::Bundle> found,
                       client->FindByDigest(release.sha256));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle bundle,
                       ReleaseBundleWithRebuilds(found, at[0]));
  ASSERT_OK_AND_ASSIGN(VerifiedBundle verified,
                       VerifyBundle(release.sha256, bundle, RebuildPolicy()));
  EXPECT_EQ(verified.rebuilders, std::vector<std::string>{rebuilder_.name});
  // A release nobody rebuilt yet gets a bundle without rebuilds.
  const note::Statement fresh = Release("3.0");
  const std::vector<uint64_t> fresh_at = Log(*client, {Signed(fresh)});
  ASSERT_EQ(fresh_at.size(), 1u);
  ASSERT_OK_AND_ASSIGN(found, client->FindByDigest(fresh.sha256));
  ASSERT_OK_AND_ASSIGN(bundle, ReleaseBundleWithRebuilds(found, fresh_at[0]));
  EXPECT_EQ(bundle.rebuilds_size(), 0);
  EXPECT_THAT(VerifyBundle(fresh.sha256, bundle, RebuildPolicy()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "0 of the 1 trusted rebuilders"));
}

TEST_F(LogClientRebuildTest, AttachingRefusesMixedCheckpoints) {
  auto client = Client();
  const note::Statement release = Release("1.0");
  const std::vector<uint64_t> at =
      Log(*client, {Signed(release), Rebuild(release, release.sha256)});
  ASSERT_EQ(at.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<vitrine::v1::Bundle> before,
                       client->FindByDigest(release.sha256));
  AddN(*client, 1, "later");
  ASSERT_OK_AND_ASSIGN(std::vector<vitrine::v1::Bundle> after,
                       client->FindByDigest(release.sha256));
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(after.size(), 2u);
  // The release proven in the smaller tree, its rebuild in the larger one.
  absl::StatusOr<vitrine::v1::Bundle> mixed =
      AttachRebuilds(before[0], {after[1]});
  EXPECT_THAT(mixed, StatusIs(absl::StatusCode::kInvalidArgument,
                              "is proven against another checkpoint"));
  EXPECT_EQ(GetRefusal(mixed.status()), Refusal::kBundleMalformed);
  // The same tree: attached, and attaching again replaces, not appends.
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle once,
                       AttachRebuilds(after[0], {after[1], after[1]}));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle twice, AttachRebuilds(once, after));
  EXPECT_EQ(Indexes(twice), std::vector<uint64_t>{at[1]});
  // A rebuild statement's bundle is no release bundle.
  EXPECT_THAT(AttachRebuilds(after[1], after),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is no release bundle"));
}

TEST_F(LogClientRebuildTest, RefusesAnswersThatDoNotBelong) {
  auto honest = Client();
  const note::Statement release = Release("1.0");
  const merkle::Hash other = merkle::Sha256("another build");
  ASSERT_EQ(Log(*honest, {Signed(release), Rebuild(release, other)}).size(),
            2u);
  struct Case {
    std::string name;
    FindByDigestProxy::Tamper tamper;
    Refusal refusal;
  };
  const std::vector<Case> cases = {
      // Without its release, the rebuild naming another digest is stray.
      {"release dropped",
       [](vitrine::v1::FindByDigestResponse& r) {
         r.mutable_bundles()->erase(r.mutable_bundles()->begin());
       },
       Refusal::kArtifactMismatch},
      {"statement of no known kind",
       [](vitrine::v1::FindByDigestResponse& r) {
         r.mutable_bundles(1)->set_statement("hello\n\n");
       },
       Refusal::kStatementMalformed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FindByDigestProxy proxy(address_, c.tamper);
    LogClientOptions options;
    options.deadline = absl::Seconds(20);
    auto client = LogClient::Create(proxy.Serve(), log_key_.verifier_key,
                                    options).value();
    absl::StatusOr<std::vector<vitrine::v1::Bundle>> found =
        client->FindByDigest(release.sha256);
    EXPECT_EQ(GetRefusal(found.status()), c.refusal) << found.status();
  }
  // Untampered, the same answer passes through the proxy.
  FindByDigestProxy proxy(address_, [](vitrine::v1::FindByDigestResponse&) {});
  auto client =
      LogClient::Create(proxy.Serve(), log_key_.verifier_key).value();
  ASSERT_OK_AND_ASSIGN(auto found, client->FindByDigest(release.sha256));
  EXPECT_EQ(found.size(), 2u);
}

// A witnessed log (two test witnesses, both required) with a registered
// rebuilder.
class LogClientWitnessedRebuildTest
    : public server::testing::WitnessedLogFixture {
 protected:
  LogClientWitnessedRebuildTest() { start_log_in_setup_ = false; }

  void SetUp() override {
    WitnessedLogFixture::SetUp();
    rebuilder_ = server::testing::MakeVendor("rebuild.example.org", 9);
    // The log's default rebuilders file: <data>/rebuilders.
    std::ofstream(absl::StrCat(config_.data, "/rebuilders"))
        << rebuilder_.verifier_key << "\n";
    ASSERT_OK(StartLog());
  }

  std::unique_ptr<LogClient> Client() const {
    LogClientOptions options;
    options.deadline = absl::Seconds(20);
    for (const auto& witness : witnesses_) {
      options.witness_vkeys.push_back(witness->verifier_key());
    }
    options.witness_quorum = 2;
    return LogClient::Create(log_->grpc_address(), identity_.verifier_key,
                             options)
        .value();
  }

  std::string Rebuild(const note::Statement& release,
                      const merkle::Hash& produced) const {
    return note::SignRebuildStatement(
               note::RebuildOf(release, rebuilder_.name, produced).value(),
               *rebuilder_.signer)
        .value();
  }

  server::testing::TestVendor rebuilder_;
};

TEST_F(LogClientWitnessedRebuildTest, ReprovesRebuildsAgainstTheWitnessedTree) {
  auto client = Client();
  const note::Statement release = SourcedRelease(
      vendor_.name, "1.0", ArtifactDigest("acme-cli", "1.0"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<AddOutcome> added,
      client->Add({note::SignStatement(release, *vendor_.signer).value(),
                   Rebuild(release, release.sha256)}));
  ASSERT_EQ(added.size(), 2u);
  ASSERT_OK(added[0].bundle);
  ASSERT_OK(added[1].bundle);
  ASSERT_OK(AwaitWitnessed(added[1].bundle->leaf_index() + 1).status());
  // A later rebuild the witnesses never see.
  for (auto& witness : witnesses_) witness->SetDown(true);
  ASSERT_OK_AND_ASSIGN(
      std::vector<AddOutcome> late,
      client->Add({Rebuild(release, merkle::Sha256("late"))}));
  ASSERT_OK(late[0].bundle);

  ASSERT_OK_AND_ASSIGN(std::vector<vitrine::v1::Bundle> found,
                       client->FindByDigest(release.sha256));
  const uint64_t release_at = added[0].bundle->leaf_index();
  const uint64_t match_at = added[1].bundle->leaf_index();
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle latest,
                       ReleaseBundleWithRebuilds(found, release_at));
  EXPECT_EQ(Indexes(latest), (std::vector<uint64_t>{
                                 match_at, late[0].bundle->leaf_index()}));
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle witnessed,
                       client->ReproveWitnessed(latest));
  EXPECT_EQ(witnessed.leaf_index(), release_at);
  EXPECT_EQ(Indexes(witnessed), std::vector<uint64_t>{match_at});
  EXPECT_NE(witnessed.checkpoint(), latest.checkpoint());
  // An endpoint requiring both witnesses and the rebuilder accepts it.
  std::string policy = absl::StrCat("log ", identity_.verifier_key, "\nvendor ",
                                    vendor_.verifier_key, "\nrebuilder ",
                                    rebuilder_.verifier_key,
                                    "\nrebuild-quorum 1\nwitness-quorum 2\n");
  for (const auto& witness : witnesses_) {
    absl::StrAppend(&policy, "witness ", witness->verifier_key(), "\n");
  }
  ASSERT_OK_AND_ASSIGN(
      VerifiedBundle verified,
      VerifyBundle(release.sha256, witnessed, note::ParsePolicy(policy).value()));
  EXPECT_EQ(verified.rebuilders, std::vector<std::string>{rebuilder_.name});
  EXPECT_EQ(verified.cosignatures.size(), 2u);
  // The latest tree's bundle is not witnessed: refused before its
  // rebuilds (and the late mismatch among them) are looked at.
  EXPECT_EQ(GetRefusal(VerifyBundle(release.sha256, latest,
                                    note::ParsePolicy(policy).value())
                           .status()),
            Refusal::kTooFewCosignatures);
}

}  // namespace
}  // namespace vitrine::client
