// LogClient against a real witnessed log (LogServer on 127.0.0.1 with two
// in-process test witnesses, witnessed_log_testing.h): witnessed
// checkpoints and bundles verify under the witness keys and quorum, and
// the endpoint's VerifyBundle accepts the bundles; a quorum the log's
// checkpoint does not meet is refused.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/log_client.h"
#include "client/verifier.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/policy.h"
#include "log/server/log_service_testing.h"
#include "log/server/witnessed_log_testing.h"

namespace vitrine::client {
namespace {

using ::vitrine::server::testing::ArtifactDigest;
using ::vitrine::testing::StatusIs;

class LogClientWitnessTest : public server::testing::WitnessedLogFixture {
 protected:
  std::unique_ptr<LogClient> Client(size_t quorum) const {
    LogClientOptions options;
    options.deadline = absl::Seconds(20);
    for (const auto& witness : witnesses_) {
      options.witness_vkeys.push_back(witness->verifier_key());
    }
    options.witness_quorum = quorum;
    return LogClient::Create(log_->grpc_address(), identity_.verifier_key,
                             options)
        .value();
  }

  note::Policy Policy(size_t quorum) const {
    std::string text = absl::StrCat("log ", identity_.verifier_key, "\n",
                                    "vendor ", vendor_.verifier_key, "\n");
    for (const auto& witness : witnesses_) {
      absl::StrAppend(&text, "witness ", witness->verifier_key(), "\n");
    }
    absl::StrAppend(&text, "witness-quorum ", quorum, "\n");
    return note::ParsePolicy(text).value();
  }
};

TEST_F(LogClientWitnessTest, WitnessedCheckpointsAndBundlesVerify) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(4, "tool"));
  ASSERT_OK(AwaitWitnessed(size).status());
  auto client = Client(2);
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head, client->GetCheckpoint(true));
  EXPECT_EQ(head.checkpoint.size, size);
  for (uint64_t i = 0; i < size; ++i) {
    ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle bundle, client->GetBundle(i, true));
    EXPECT_EQ(bundle.leaf_index(), i);
    // What an endpoint requiring both witnesses decides.
    ASSERT_OK_AND_ASSIGN(
        VerifiedBundle verified,
        VerifyBundle(ArtifactDigest(absl::StrCat("tool", i), "1.0"), bundle,
                     Policy(2)));
    EXPECT_EQ(verified.cosignatures.size(), 2u);
  }
  ASSERT_OK_AND_ASSIGN(
      vitrine::v1::Bundle by_hash,
      client->GetBundleByLeafHash(merkle::HashLeaf(Statement("tool2")), true));
  EXPECT_EQ(by_hash.leaf_index(), 2u);
  // The log's latest checkpoint needs no cosignature.
  ASSERT_OK(client->GetCheckpoint(false).status());
}

TEST_F(LogClientWitnessTest, ALeafNotWitnessedYetIsOutOfRange) {
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "early"));
  ASSERT_OK(AwaitWitnessed(size).status());
  for (auto& witness : witnesses_) witness->SetDown(true);
  ASSERT_OK_AND_ASSIGN(uint64_t latest, AddStatements(1, "late"));
  auto client = Client(2);
  EXPECT_THAT(client->GetBundle(latest - 1, true),
              StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK(client->GetBundle(latest - 1, false).status());
  ASSERT_OK_AND_ASSIGN(note::VerifiedCheckpoint head, client->GetCheckpoint(true));
  EXPECT_EQ(head.checkpoint.size, size);
}

class QuorumOfOneLogTest : public LogClientWitnessTest {
 protected:
  QuorumOfOneLogTest() { config_.witness_quorum = 1; }
};

TEST_F(QuorumOfOneLogTest, AClientWantingMoreCosignaturesRefuses) {
  witnesses_[1]->Stop();
  ASSERT_OK_AND_ASSIGN(uint64_t size, AddStatements(2, "one"));
  ASSERT_OK(AwaitWitnessed(size).status());
  auto strict = Client(2);
  absl::StatusOr<note::VerifiedCheckpoint> head = strict->GetCheckpoint(true);
  EXPECT_EQ(GetRefusal(head.status()), Refusal::kTooFewCosignatures)
      << head.status();
  absl::StatusOr<vitrine::v1::Bundle> bundle = strict->GetBundle(0, true);
  EXPECT_EQ(GetRefusal(bundle.status()), Refusal::kTooFewCosignatures)
      << bundle.status();
  // A client content with one witness accepts, and so does its endpoint.
  auto lenient = Client(1);
  ASSERT_OK_AND_ASSIGN(vitrine::v1::Bundle accepted, lenient->GetBundle(0, true));
  ASSERT_OK(VerifyBundle(ArtifactDigest("one0", "1.0"), accepted, Policy(1))
                .status());
  EXPECT_EQ(GetRefusal(VerifyBundle(ArtifactDigest("one0", "1.0"), accepted,
                                    Policy(2))
                           .status()),
            Refusal::kTooFewCosignatures);
}

}  // namespace
}  // namespace vitrine::client
