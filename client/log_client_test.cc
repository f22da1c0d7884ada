// LogClient against a real log service on 127.0.0.1 (log_service_testing.h),
// including logs that lie about their history.
#include "client/log_client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "client/client_state.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/policy.h"
#include "log/server/log_service_testing.h"

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

}  // namespace
}  // namespace vitrine::client
