#include "client/verifier.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "client/internal/bundle_testing.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
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
  for (int i = 1; i <= static_cast<int>(Refusal::kNotLogged); ++i) {
    const Refusal r = static_cast<Refusal>(i);
    const absl::Status s = MakeRefusal(r, "why");
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(GetRefusal(s), r);
    EXPECT_NE(RefusalName(r), "unknown");
  }
  EXPECT_EQ(GetRefusal(absl::OkStatus()), Refusal::kNone);
  EXPECT_EQ(GetRefusal(absl::InternalError("x")), Refusal::kNone);
  EXPECT_TRUE(MakeRefusal(Refusal::kNone, "").ok());
  // The rebuild refusals: stable numbers, names and codes.
  EXPECT_EQ(static_cast<int>(Refusal::kRebuildMissing), 15);
  EXPECT_EQ(static_cast<int>(Refusal::kRebuildMismatch), 16);
  EXPECT_EQ(RefusalName(Refusal::kRebuildMissing), "rebuild-missing");
  EXPECT_EQ(RefusalName(Refusal::kRebuildMismatch), "rebuild-mismatch");
  EXPECT_THAT(MakeRefusal(Refusal::kRebuildMissing, "x"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(MakeRefusal(Refusal::kRebuildMismatch, "x"),
              StatusIs(absl::StatusCode::kDataLoss));
  // The online lookup's refusal.
  EXPECT_EQ(static_cast<int>(Refusal::kNotLogged), 17);
  EXPECT_EQ(RefusalName(Refusal::kNotLogged), "not-logged");
  EXPECT_THAT(MakeRefusal(Refusal::kNotLogged, "x"),
              StatusIs(absl::StatusCode::kNotFound));
  // A number beyond the last refusal is not ours.
  absl::Status beyond = absl::InternalError("x");
  beyond.SetPayload("type.vitrine.dev/vitrine.client.Refusal",
                    absl::Cord("18"));
  EXPECT_EQ(GetRefusal(beyond), Refusal::kNone);
}

}  // namespace
}  // namespace vitrine::client

namespace vitrine::client {
namespace {

using ::vitrine::client::testing::Digest;
using ::vitrine::client::testing::TestKey;
using ::vitrine::client::testing::TestWorld;
using ::vitrine::testing::StatusIs;

constexpr absl::string_view kR1 = "rebuild.example.org/r1";
constexpr absl::string_view kR2 = "rebuild.example.net/r2";
constexpr absl::string_view kR3 = "rebuild.example.com/r3";  // Untrusted.

// A log holding one release ("tool" 1.0, with a source line) and whatever
// rebuild statements a test appends; bundles are made once the log is
// complete, so that the release and its rebuilds share one checkpoint.
class RebuildVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(world_, TestWorld::Create(2));
    using note::SignatureType;
    ASSERT_OK_AND_ASSIGN(r1_, testing::MakeKey(kR1, SignatureType::kEd25519, 21));
    ASSERT_OK_AND_ASSIGN(r1_rotated_,
                         testing::MakeKey(kR1, SignatureType::kEd25519, 22));
    ASSERT_OK_AND_ASSIGN(r2_, testing::MakeKey(kR2, SignatureType::kEd25519, 23));
    ASSERT_OK_AND_ASSIGN(r3_, testing::MakeKey(kR3, SignatureType::kEd25519, 24));
    const std::string leaf = world_->SignedStatement(Digest("tool"));
    release_ = note::ParseStatement(note::ParseNote(leaf).value().text).value();
    release_index_ = world_->Append(leaf);
    world_->Append(world_->SignedStatement(Digest("other")));
  }

  // Returns `key`'s signed rebuild of `release` (default: the test's).
  std::string Rebuild(const TestKey& key, absl::string_view name,
                      const merkle::Hash& produced,
                      const note::Statement* release = nullptr) const {
    note::RebuildStatement statement =
        note::RebuildOf(release ? *release : release_, name, produced).value();
    return note::SignRebuildStatement(statement, *key.signer).value();
  }

  // Appends a rebuild to the log; returns its index.
  uint64_t Log(const std::string& leaf) { return world_->Append(leaf); }

  // Returns the release's bundle with the rebuilds at `indexes` attached,
  // all against the log's current checkpoint (witness 0 cosigning).
  vitrine::v1::Bundle BundleWith(const std::vector<uint64_t>& indexes) const {
    vitrine::v1::Bundle bundle = world_->MakeBundle(release_index_, {0}).value();
    for (uint64_t index : indexes) *bundle.add_rebuilds() = Proof(index);
    return bundle;
  }

  vitrine::v1::RebuildProof Proof(uint64_t index) const {
    const vitrine::v1::Bundle own = world_->MakeBundle(index, {0}).value();
    vitrine::v1::RebuildProof proof;
    proof.set_statement(own.statement());
    proof.set_leaf_index(own.leaf_index());
    *proof.mutable_inclusion_proof() = own.inclusion_proof();
    return proof;
  }

  // The world's policy (witness quorum 1), trusting r1 (both keys) and r2
  // with rebuild-quorum `quorum`; without rebuilders when `quorum` < 0.
  note::Policy PolicyWith(int quorum) const {
    std::string text = note::FormatPolicy(world_->MakePolicy(1).value());
    if (quorum >= 0) {
      absl::StrAppend(&text, "rebuilder ", r1_.vkey, "\nrebuilder ",
                      r1_rotated_.vkey, "\nrebuilder ", r2_.vkey,
                      "\nrebuild-quorum ", quorum, "\n");
    }
    return note::ParsePolicy(text).value();
  }

  absl::StatusOr<VerifiedBundle> Verify(const vitrine::v1::Bundle& bundle,
                                        int quorum) const {
    return VerifyBundle(Digest("tool"), bundle, PolicyWith(quorum));
  }

  std::unique_ptr<TestWorld> world_;
  TestKey r1_, r1_rotated_, r2_, r3_;
  note::Statement release_;
  uint64_t release_index_ = 0;
};

TEST_F(RebuildVerifierTest, AcceptsWhenTheQuorumReproducedTheArtifact) {
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  const uint64_t b = Log(Rebuild(r2_, kR2, Digest("tool")));
  ASSERT_OK_AND_ASSIGN(VerifiedBundle verified, Verify(BundleWith({a, b}), 2));
  EXPECT_EQ(verified.rebuilders,
            (std::vector<std::string>{std::string(kR2), std::string(kR1)}));
  EXPECT_EQ(verified.leaf_index, release_index_);
  EXPECT_EQ(verified.statement, release_);
  // A lower quorum still lists every agreeing rebuilder.
  ASSERT_OK_AND_ASSIGN(verified, Verify(BundleWith({b, a}), 1));
  EXPECT_EQ(verified.rebuilders.size(), 2u);
}

TEST_F(RebuildVerifierTest, RefusesFewerThanTheQuorumNamingTheCount) {
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  EXPECT_THAT(Verify(BundleWith({a}), 2),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "1 of the 2 trusted rebuilders the policy requires "
                       "reproduced acme-cli_linux_amd64.tar.gz 1.0 "
                       "(rebuild.example.org/r1)"));
  absl::StatusOr<VerifiedBundle> none = Verify(BundleWith({}), 1);
  EXPECT_THAT(none, StatusIs(absl::StatusCode::kFailedPrecondition,
                             "0 of the 1 trusted rebuilders the policy "
                             "requires reproduced acme-cli_linux_amd64.tar.gz "
                             "1.0"));
  EXPECT_EQ(GetRefusal(none.status()), Refusal::kRebuildMissing);
}

TEST_F(RebuildVerifierTest, CountsRebuildersByName) {
  // One rebuilder twice (a second key, and the same statement twice) is
  // still one rebuilder.
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  const uint64_t b = Log(Rebuild(r1_rotated_, kR1, Digest("tool")));
  absl::StatusOr<VerifiedBundle> got = Verify(BundleWith({a, b, a}), 2);
  EXPECT_THAT(got, StatusIs(absl::StatusCode::kFailedPrecondition,
                            "1 of the 2 trusted rebuilders"));
  EXPECT_EQ(GetRefusal(got.status()), Refusal::kRebuildMissing);
  ASSERT_OK_AND_ASSIGN(VerifiedBundle one, Verify(BundleWith({a, b}), 1));
  EXPECT_EQ(one.rebuilders, std::vector<std::string>{std::string(kR1)});
}

TEST_F(RebuildVerifierTest, IgnoresUntrustedRebuildersAndOtherReleases) {
  note::Statement next = release_;
  next.version = "1.1";
  note::Statement moved = release_;
  moved.source = "https://git.example.com/acme/cli-fork";
  const std::vector<uint64_t> ignored = {
      Log(Rebuild(r3_, kR3, Digest("tool"))),          // untrusted, agrees
      Log(Rebuild(r3_, kR3, Digest("evil"))),          // untrusted, disagrees
      Log(Rebuild(r1_, kR1, Digest("tool"), &next)),   // another version
      Log(Rebuild(r2_, kR2, Digest("evil"), &next)),   // another version
      Log(Rebuild(r2_, kR2, Digest("evil"), &moved)),  // another source
  };
  // r2's key signing a statement that names r1: a vote for someone else.
  const note::RebuildStatement as_r1 =
      note::RebuildOf(release_, kR1, Digest("tool")).value();
  const uint64_t impersonation = Log(
      note::SignNote(note::FormatRebuildStatement(as_r1).value(), *r2_.signer)
          .value());
  std::vector<uint64_t> all = ignored;
  all.push_back(impersonation);
  EXPECT_THAT(Verify(BundleWith(all), 1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "0 of the 1 trusted rebuilders"));
  const uint64_t good = Log(Rebuild(r2_, kR2, Digest("tool")));
  all = ignored;
  all.push_back(impersonation);
  all.push_back(good);
  ASSERT_OK_AND_ASSIGN(VerifiedBundle verified, Verify(BundleWith(all), 1));
  EXPECT_EQ(verified.rebuilders, std::vector<std::string>{std::string(kR2)});
}

TEST_F(RebuildVerifierTest, RefusesATrustedRebuilderThatGotAnotherDigest) {
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  const uint64_t b = Log(Rebuild(r2_, kR2, Digest("backdoored")));
  const std::string message = absl::StrCat(
      "rebuilder rebuild.example.net/r2 rebuilt acme-cli_linux_amd64.tar.gz "
      "1.0 from https://git.example.com/acme/cli and got sha256 ",
      Digest("backdoored").ToHex(), ", not the artifact's ",
      Digest("tool").ToHex());
  // Whatever the quorum, even one met by the others, and even at 0.
  for (int quorum : {0, 1, 2}) {
    SCOPED_TRACE(quorum);
    absl::StatusOr<VerifiedBundle> got = Verify(BundleWith({a, b}), quorum);
    EXPECT_THAT(got, StatusIs(absl::StatusCode::kDataLoss, message));
    EXPECT_EQ(GetRefusal(got.status()), Refusal::kRebuildMismatch);
  }
  // The mismatch wins over a missing quorum too.
  absl::StatusOr<VerifiedBundle> alone = Verify(BundleWith({b}), 2);
  EXPECT_EQ(GetRefusal(alone.status()), Refusal::kRebuildMismatch);
}

TEST_F(RebuildVerifierTest, BundlesAndPoliciesWithoutRebuildsAreUnchanged) {
  // No rebuilder in the policy: rebuilds are not read, even broken ones.
  vitrine::v1::Bundle bundle = BundleWith({});
  ASSERT_OK_AND_ASSIGN(VerifiedBundle verified, Verify(bundle, -1));
  EXPECT_TRUE(verified.rebuilders.empty());
  bundle.add_rebuilds()->set_statement("garbage");
  ASSERT_OK_AND_ASSIGN(verified, Verify(bundle, -1));
  EXPECT_TRUE(verified.rebuilders.empty());
  // Rebuilders listed with quorum 0: a bundle without rebuilds passes.
  ASSERT_OK_AND_ASSIGN(verified, Verify(BundleWith({}), 0));
  EXPECT_TRUE(verified.rebuilders.empty());
}

TEST_F(RebuildVerifierTest, ARebuildCannotVouchForAReleaseWithoutSource) {
  note::Statement no_source = release_;
  no_source.source.reset();
  no_source.sha256 = Digest("unsourced");
  const uint64_t index = world_->Append(
      note::SignStatement(no_source, *world_->vendor.signer).value());
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  vitrine::v1::Bundle bundle = world_->MakeBundle(index, {0}).value();
  *bundle.add_rebuilds() = Proof(a);
  EXPECT_THAT(VerifyBundle(Digest("unsourced"), bundle, PolicyWith(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "0 of the 1 trusted rebuilders the policy requires "
                       "reproduced acme-cli_linux_amd64.tar.gz 1.0; the "
                       "release statement has no source line"));
}

TEST_F(RebuildVerifierTest, RefusesBrokenEntriesWhoeverSignedThem) {
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  const uint64_t untrusted = Log(Rebuild(r3_, kR3, Digest("tool")));
  const uint64_t mismatch = Log(Rebuild(r2_, kR2, Digest("evil")));
  // r1's statement carrying r1's signature of another text, as logged (a
  // log that does not check signatures): well formed, included, and the
  // policy key's signature does not verify.
  note::Note grafted = note::ParseNote(world_->leaves[a]).value();
  grafted.signatures = note::ParseNote(Rebuild(r1_, kR1, Digest("x")))
                           .value()
                           .signatures;
  const uint64_t bad = Log(note::FormatNote(grafted));
  const uint64_t release = release_index_;
  struct Case {
    std::string name;
    std::function<void(vitrine::v1::Bundle&)> mutate;
    Refusal refusal;
    absl::StatusCode code;
    std::string message;
  };
  using C = absl::StatusCode;
  const std::vector<Case> cases = {
      {"not a note",
       [](vitrine::v1::Bundle& b) {
         b.mutable_rebuilds(1)->set_statement("garbage");
       },
       Refusal::kBundleMalformed, C::kInvalidArgument,
       "rebuild 1: not a rebuild statement"},
      {"a release statement",
       [&](vitrine::v1::Bundle& b) { *b.mutable_rebuilds(1) = Proof(release); },
       Refusal::kBundleMalformed, C::kInvalidArgument,
       "rebuild 1: not a rebuild statement: rebuild statement line 1"},
      {"short proof hash",
       [](vitrine::v1::Bundle& b) {
         b.mutable_rebuilds(1)->mutable_inclusion_proof(0)->pop_back();
       },
       Refusal::kBundleMalformed, C::kInvalidArgument,
       "rebuild 1: inclusion proof hash 0 is 31 bytes, not 32"},
      {"index beyond the checkpoint",
       [](vitrine::v1::Bundle& b) {
         b.mutable_rebuilds(1)->set_leaf_index(1000);
       },
       Refusal::kIndexBeyondCheckpoint, C::kOutOfRange,
       "rebuild 1: leaf index 1000 is not in the checkpoint's tree of"},
      {"wrong index",
       [&](vitrine::v1::Bundle& b) {
         b.mutable_rebuilds(1)->set_leaf_index(a);
       },
       Refusal::kProofInvalid, C::kDataLoss,
       absl::StrCat("rebuild 1: inclusion proof of leaf ", a)},
      {"proof hash altered",
       [](vitrine::v1::Bundle& b) {
         (*b.mutable_rebuilds(1)->mutable_inclusion_proof(0))[0] ^= 0x01;
       },
       Refusal::kProofInvalid, C::kDataLoss, "rebuild 1: inclusion proof"},
      {"proof dropped",
       [](vitrine::v1::Bundle& b) {
         b.mutable_rebuilds(1)->clear_inclusion_proof();
       },
       Refusal::kProofInvalid, C::kDataLoss, "rebuild 1: inclusion proof"},
      {"bad signature by a policy rebuilder key",
       [&](vitrine::v1::Bundle& b) { *b.mutable_rebuilds(1) = Proof(bad); },
       Refusal::kBundleMalformed, C::kInvalidArgument,
       "rebuild 1: rebuild statement of rebuild.example.org/r1: rebuild "
       "statement signature by rebuild.example.org/r1"},
      {"broken entry after a mismatch",
       [&](vitrine::v1::Bundle& b) {
         *b.mutable_rebuilds(0) = Proof(mismatch);
         b.mutable_rebuilds(1)->set_statement("garbage");
       },
       Refusal::kBundleMalformed, C::kInvalidArgument,
       "rebuild 1: not a rebuild statement"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // Entry 1 is the untrusted rebuilder's, which would not count anyway.
    vitrine::v1::Bundle bundle = BundleWith({a, untrusted});
    ASSERT_OK(Verify(bundle, 1));
    c.mutate(bundle);
    absl::StatusOr<VerifiedBundle> got = Verify(bundle, 1);
    EXPECT_THAT(got, StatusIs(c.code, c.message));
    EXPECT_EQ(GetRefusal(got.status()), c.refusal)
        << RefusalName(GetRefusal(got.status()));
  }
}

TEST_F(RebuildVerifierTest, RebuildsAreProvenAgainstTheBundlesCheckpoint) {
  const uint64_t a = Log(Rebuild(r1_, kR1, Digest("tool")));
  // r1's proof from a later tree does not lead to this bundle's root.
  const vitrine::v1::Bundle early = BundleWith({});
  Log(Rebuild(r2_, kR2, Digest("tool")));
  vitrine::v1::Bundle mixed = early;
  *mixed.add_rebuilds() = Proof(a);
  absl::StatusOr<VerifiedBundle> got = Verify(mixed, 1);
  EXPECT_THAT(got, StatusIs(absl::StatusCode::kDataLoss,
                            "rebuild 0: inclusion proof of leaf"));
  EXPECT_EQ(GetRefusal(got.status()), Refusal::kProofInvalid);
}

TEST_F(RebuildVerifierTest, ReleaseChecksComeFirst) {
  vitrine::v1::Bundle bundle = BundleWith({});
  bundle.add_rebuilds()->set_statement("garbage");
  absl::StatusOr<VerifiedBundle> got =
      VerifyBundle(Digest("not the tool"), bundle, PolicyWith(1));
  EXPECT_EQ(GetRefusal(got.status()), Refusal::kArtifactMismatch);
  // A rollback is reported before the rebuilds are looked at.
  const note::Checkpoint later{std::string(testing::kLogOrigin), 100,
                               Digest("later"), {}};
  got = VerifyBundle(Digest("tool"), bundle, PolicyWith(1), &later);
  EXPECT_EQ(GetRefusal(got.status()), Refusal::kRollback);
}

}  // namespace
}  // namespace vitrine::client
