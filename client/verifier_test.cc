#include "client/verifier.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "client/internal/bundle_testing.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::client {
namespace {

using ::vitrine::client::testing::Digest;
using ::vitrine::client::testing::TestWorld;
using ::vitrine::testing::StatusIs;

// One verification's inputs, as a test case mutates them.
struct Input {
  merkle::Hash digest;
  vitrine::v1::Bundle bundle;
  note::Policy policy;
  std::optional<note::Checkpoint> last_seen;
};

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(world_, TestWorld::Create(3));
    world_->Append(world_->SignedStatement(Digest("a")));
    world_->Append(world_->SignedStatement(Digest("b")));
    index_ = world_->Append(world_->SignedStatement(Digest("tool"), true));
    unsupervised_ = world_->Append(world_->SignedStatement(Digest("plain")));
    note::Statement other{"example.org/other", "x", "1", Digest("other"), {}};
    foreign_ = world_->Append(
        note::SignStatement(other, *world_->other_vendor.signer).value());
  }

  // The accepted case: the "tool" bundle, 2 of 3 witnesses, quorum 2.
  Input Good() const {
    return Input{Digest("tool"), world_->MakeBundle(index_, {0, 1}).value(),
                 world_->MakePolicy(2).value(), std::nullopt};
  }

  static absl::StatusOr<VerifiedBundle> Verify(const Input& in) {
    return VerifyBundle(in.digest, in.bundle, in.policy,
                        in.last_seen ? &*in.last_seen : nullptr);
  }

  std::unique_ptr<TestWorld> world_;
  uint64_t index_ = 0;
  uint64_t unsupervised_ = 0;
  uint64_t foreign_ = 0;
};

TEST_F(VerifierTest, AcceptsAGoodBundle) {
  ASSERT_OK_AND_ASSIGN(VerifiedBundle ok, Verify(Good()));
  EXPECT_EQ(ok.statement.sha256, Digest("tool"));
  EXPECT_EQ(ok.leaf_index, index_);
  EXPECT_EQ(ok.checkpoint.checkpoint.size, 5u);
  EXPECT_EQ(ok.checkpoint.checkpoint.origin, testing::kLogOrigin);
  EXPECT_EQ(ok.cosignatures.size(), 2u);
  EXPECT_EQ(ok.supervisors.size(), 1u);
}

TEST_F(VerifierTest, AcceptsEveryLeafOfTheTree) {
  for (uint64_t i = 0; i < 5; ++i) {
    Input in = Good();
    in.bundle = world_->MakeBundle(i, {2, 0}).value();
    in.digest = note::ParseStatement(
                    note::ParseNote(in.bundle.statement()).value().text)
                    .value()
                    .sha256;
    in.policy = world_->MakePolicy(2).value();
    if (i == foreign_) continue;  // its vendor is not in the policy
    EXPECT_OK(Verify(in)) << i;
  }
}

TEST_F(VerifierTest, AcceptsANewerCheckpointThanTheState) {
  Input in = Good();
  note::Checkpoint older{std::string(testing::kLogOrigin), 3, Digest("x"), {}};
  in.last_seen = older;  // Offline, larger is all that can be checked.
  EXPECT_OK(Verify(in));
  in.last_seen->origin = "example.com/another-log";
  in.last_seen->size = 9;  // Another log's state does not apply.
  EXPECT_OK(Verify(in));
}

struct RefusalCase {
  std::string name;
  std::function<void(const TestWorld&, const VerifierTest*, Input&)> mutate;
  Refusal refusal;
  absl::StatusCode code;
};

// Flips one byte of `s` at `pos` (from the end when negative).
void Flip(std::string* s, int pos) {
  const size_t at = pos >= 0 ? static_cast<size_t>(pos) : s->size() + pos;
  (*s)[at] ^= 0x01;
}

std::string Replace(std::string s, absl::string_view from,
                    absl::string_view to) {
  const size_t at = s.find(std::string(from));
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), std::string(to));
  return s;
}

class VerifierRefusalTest : public VerifierTest {
 protected:
  void Run(const std::vector<RefusalCase>& cases) {
    for (const RefusalCase& c : cases) {
      SCOPED_TRACE(c.name);
      Input in = Good();
      c.mutate(*world_, this, in);
      absl::StatusOr<VerifiedBundle> got = Verify(in);
      EXPECT_THAT(got, StatusIs(c.code));
      EXPECT_EQ(GetRefusal(got.status()), c.refusal)
          << RefusalName(GetRefusal(got.status())) << " " << got.status();
    }
  }
 public:
  uint64_t unsupervised() const { return unsupervised_; }
  uint64_t foreign() const { return foreign_; }
  uint64_t index() const { return index_; }
};

TEST_F(VerifierRefusalTest, RefusesEachTamperingWithOneReason) {
  using C = absl::StatusCode;
  using R = Refusal;
  Run({
      {"tampered artifact",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.digest = Digest("tool-with-backdoor");
       },
       R::kArtifactMismatch, C::kInvalidArgument},
      {"statement altered (version)",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.set_statement(
             Replace(in.bundle.statement(), "version 1.0", "version 1.1"));
       },
       R::kStatementMalformed, C::kInvalidArgument},
      {"statement not a statement",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.set_statement("hello\n");
       },
       R::kStatementMalformed, C::kInvalidArgument},
      {"statement missing",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.clear_statement();
       },
       R::kBundleMalformed, C::kInvalidArgument},
      {"index altered",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.set_leaf_index(in.bundle.leaf_index() + 1);
       },
       R::kProofInvalid, C::kDataLoss},
      {"index beyond checkpoint",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.set_leaf_index(5);
       },
       R::kIndexBeyondCheckpoint, C::kOutOfRange},
      {"proof hash altered",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         Flip(in.bundle.mutable_inclusion_proof(1), 7);
       },
       R::kProofInvalid, C::kDataLoss},
      {"proof hash dropped",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.mutable_inclusion_proof()->RemoveLast();
       },
       R::kProofInvalid, C::kDataLoss},
      {"proof hash truncated",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.mutable_inclusion_proof(0)->pop_back();
       },
       R::kBundleMalformed, C::kInvalidArgument},
      {"checkpoint size altered",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.set_checkpoint(
             Replace(in.bundle.checkpoint(), "\n5\n", "\n6\n"));
       },
       R::kCheckpointBadSignature, C::kInvalidArgument},
      {"checkpoint not a note",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.bundle.set_checkpoint("example.com/test-log\n5\n");
       },
       R::kCheckpointMalformed, C::kInvalidArgument},
      {"vendor not in policy",
       [](const TestWorld& w, const VerifierTest* t, Input& in) {
         auto* self = static_cast<const VerifierRefusalTest*>(t);
         in.bundle = w.MakeBundle(self->foreign(), {0, 1}).value();
         in.digest = Digest("other");
       },
       R::kVendorNotAccepted, C::kPermissionDenied},
      {"missing supervisor",
       [](const TestWorld& w, const VerifierTest* t, Input& in) {
         auto* self = static_cast<const VerifierRefusalTest*>(t);
         in.bundle = w.MakeBundle(self->unsupervised(), {0, 1}).value();
         in.digest = Digest("plain");
         in.policy = w.MakePolicy(2, /*supervisor_quorum=*/1).value();
       },
       R::kSupervisorMissing, C::kFailedPrecondition},
      {"wrong log key (same origin)",
       [](const TestWorld& w, const VerifierTest*, Input& in) {
         in.bundle.set_checkpoint(w.SignedCheckpoint({0, 1}, true).value());
       },
       R::kWrongLog, C::kPermissionDenied},
      {"checkpoint of another log",
       [](const TestWorld& w, const VerifierTest*, Input& in) {
         note::Checkpoint other{"example.com/other-log", 5,
                                Digest("root"), {}};
         testing::TestKey key =
             testing::MakeKey(other.origin, note::SignatureType::kEd25519, 7)
                 .value();
         in.bundle.set_checkpoint(
             note::SignCheckpoint(other, *key.signer).value());
       },
       R::kWrongLog, C::kPermissionDenied},
      {"too few cosignatures",
       [](const TestWorld& w, const VerifierTest* t, Input& in) {
         auto* self = static_cast<const VerifierRefusalTest*>(t);
         in.bundle = w.MakeBundle(self->index(), {2}).value();
       },
       R::kTooFewCosignatures, C::kFailedPrecondition},
      {"bad cosignature (witness 1's line from another checkpoint)",
       [](const TestWorld& w, const VerifierTest*, Input& in) {
         note::Checkpoint other{std::string(testing::kLogOrigin), 4,
                                Digest("root"), {}};
         std::string forged = note::AddCosignature(
             note::SignCheckpoint(other, *w.log.signer).value(),
             *w.witnesses[1].signer).value();
         note::Note from = note::ParseNote(forged).value();
         note::Note to = note::ParseNote(
             w.SignedCheckpoint({0}).value()).value();
         to.signatures.push_back(from.signatures.back());
         in.bundle.set_checkpoint(note::FormatNote(to));
       },
       R::kBadCosignature, C::kInvalidArgument},
      {"rollback vs state",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.last_seen = note::Checkpoint{std::string(testing::kLogOrigin), 6,
                                         Digest("later"), {}};
       },
       R::kRollback, C::kFailedPrecondition},
      {"fork vs state",
       [](const TestWorld&, const VerifierTest*, Input& in) {
         in.last_seen = note::Checkpoint{std::string(testing::kLogOrigin), 5,
                                         Digest("other root"), {}};
       },
       R::kFork, C::kDataLoss},
  });
}

TEST(RefusalTest, NamesAndPayloadsRoundTrip) {
  for (int i = 1; i <= static_cast<int>(Refusal::kFork); ++i) {
    const Refusal r = static_cast<Refusal>(i);
    const absl::Status s = MakeRefusal(r, "why");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(GetRefusal(s), r);
    EXPECT_NE(RefusalName(r), "unknown");
  }
  EXPECT_EQ(GetRefusal(absl::OkStatus()), Refusal::kNone);
  EXPECT_EQ(GetRefusal(absl::InternalError("x")), Refusal::kNone);
  EXPECT_TRUE(MakeRefusal(Refusal::kNone, "").ok());
}

}  // namespace
}  // namespace vitrine::client
