#include "monitor/follow/statement_check.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::monitor {
namespace {

struct Vendor {
  std::unique_ptr<note::Signer> signer;
  std::string vkey;
};

Vendor MakeVendor(absl::string_view name, char seed) {
  const std::string skey = note::FormatSignerKey(
                               name, note::SignatureType::kEd25519,
                               std::string(32, seed))
                               .value();
  return Vendor{note::NewSigner(skey).value(), note::VerifierKeyOf(skey).value()};
}

note::Statement MakeStatement(absl::string_view vendor, int i) {
  return note::Statement{std::string(vendor), absl::StrCat("tool-", i), "2.0",
                         merkle::HashLeaf(absl::StrCat(i)), {}};
}

class StatementCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    acme_ = MakeVendor("example.com/acme", 1);
    tools_ = MakeVendor("example.org/tools", 2);
    stranger_ = MakeVendor("example.com/stranger", 9);
    path_ = storage::testing::FreshTestDir("vendors");
    std::ofstream(path_) << "# monitor's vendors\n"
                         << acme_.vkey << "\n" << tools_.vkey << "\n";
  }

  std::string Signed(const Vendor& vendor, absl::string_view name, int i) {
    return note::SignNote(note::FormatStatement(MakeStatement(name, i)).value(),
                          *vendor.signer)
        .value();
  }

  Vendor acme_, tools_, stranger_;
  std::string path_;
};

TEST_F(StatementCheckTest, SortsLeavesByVerdict) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatementChecker> checker,
                       StatementChecker::Open(path_));
  const std::string good = Signed(acme_, "example.com/acme", 1);
  LeafCheck check = checker->Check(good);
  EXPECT_EQ(check.verdict, LeafVerdict::kOk);
  ASSERT_TRUE(check.statement.has_value());
  EXPECT_EQ(*check.statement, MakeStatement("example.com/acme", 1));

  EXPECT_EQ(checker->Check("not a note").verdict, LeafVerdict::kBadGrammar);
  const std::string not_statement =
      note::SignNote("hello\n", *acme_.signer).value();
  check = checker->Check(not_statement);
  EXPECT_EQ(check.verdict, LeafVerdict::kBadGrammar);
  EXPECT_FALSE(check.statement.has_value());

  check = checker->Check(Signed(stranger_, "example.com/stranger", 2));
  EXPECT_EQ(check.verdict, LeafVerdict::kUnknownVendor);
  EXPECT_EQ(check.statement->vendor, "example.com/stranger");

  // Named acme, signed by another known vendor: forged.
  check = checker->Check(Signed(tools_, "example.com/acme", 3));
  EXPECT_EQ(check.verdict, LeafVerdict::kBadSignature);
  EXPECT_FALSE(check.error.empty());
  // Acme's key line with a damaged signature.
  std::string damaged = good;
  damaged[damaged.size() - 6] = damaged[damaged.size() - 6] == 'A' ? 'B' : 'A';
  EXPECT_EQ(checker->Check(damaged).verdict, LeafVerdict::kBadSignature);

  EXPECT_EQ(VerdictName(LeafVerdict::kUnknownVendor), "unknown_vendor");
}

TEST_F(StatementCheckTest, SkippingSignaturesStillChecksGrammarAndVendor) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<StatementChecker> checker,
      StatementChecker::Open(path_, {.check_vendor_signatures = false}));
  EXPECT_EQ(checker->Check(Signed(tools_, "example.com/acme", 3)).verdict,
            LeafVerdict::kOk);
  EXPECT_EQ(checker->Check("x").verdict, LeafVerdict::kBadGrammar);
  EXPECT_EQ(checker->Check(Signed(stranger_, "example.com/stranger", 2)).verdict,
            LeafVerdict::kUnknownVendor);
}

TEST_F(StatementCheckTest, BatchMatchesOneByOne) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatementChecker> checker,
                       StatementChecker::Open(path_, {.threads = 3}));
  std::vector<std::string> leaves;
  for (int i = 0; i < 500; ++i) {
    switch (i % 4) {
      case 0: leaves.push_back(Signed(acme_, "example.com/acme", i)); break;
      case 1: leaves.push_back(Signed(tools_, "example.com/acme", i)); break;
      case 2: leaves.push_back(Signed(stranger_, "example.com/stranger", i)); break;
      default: leaves.push_back(absl::StrCat("junk ", i)); break;
    }
  }
  const std::vector<LeafCheck> checks = checker->CheckBatch(leaves);
  ASSERT_EQ(checks.size(), leaves.size());
  const LeafVerdict expected[] = {LeafVerdict::kOk, LeafVerdict::kBadSignature,
                                  LeafVerdict::kUnknownVendor,
                                  LeafVerdict::kBadGrammar};
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_EQ(checks[i].verdict, expected[i % 4]) << i;
  }
  EXPECT_TRUE(checker->CheckBatch({}).empty());
}

TEST_F(StatementCheckTest, ReloadTakesNewVendorsAndKeepsTheOldOnError) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatementChecker> checker,
                       StatementChecker::Open(path_));
  const std::string stranger = Signed(stranger_, "example.com/stranger", 1);
  EXPECT_EQ(checker->Check(stranger).verdict, LeafVerdict::kUnknownVendor);

  std::ofstream(path_, std::ios::app) << stranger_.vkey << "\n";
  ASSERT_OK(checker->Reload());
  EXPECT_EQ(checker->Check(stranger).verdict, LeafVerdict::kOk);

  // A broken file is refused and the keys in use stay.
  std::ofstream(path_, std::ios::trunc) << "not a key\n";
  EXPECT_THAT(checker->Reload(), ::vitrine::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                          "keeping the previous vendor keys"));
  EXPECT_EQ(checker->Check(stranger).verdict, LeafVerdict::kOk);

  // Keys given in memory have no file to reread.
  StatementChecker in_memory(note::ParseVendorKeys(acme_.vkey).value(), {});
  EXPECT_THAT(in_memory.Reload(), ::vitrine::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(StatementCheckTest, MissingFileIsNotFound) {
  EXPECT_EQ(StatementChecker::Open(path_ + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

note::RebuildStatement MakeRebuild(absl::string_view rebuilder, int i) {
  return note::RebuildStatement{std::string(rebuilder), "example.com/acme",
                                absl::StrCat("tool-", i), "2.0",
                                "https://git.example.com/acme",
                                merkle::HashLeaf(absl::StrCat(i))};
}

// Rebuild statements (issue 15), checked against the rebuilder keys file.
class RebuildCheckTest : public StatementCheckTest {
 protected:
  void SetUp() override {
    StatementCheckTest::SetUp();
    r1_ = MakeVendor("rebuild.example/r1", 11);
    r2_ = MakeVendor("rebuild.example/r2", 12);
    stranger_rebuilder_ = MakeVendor("rebuild.example/stranger", 13);
    rebuilders_ = storage::testing::FreshTestDir("rebuilders");
    std::ofstream(rebuilders_) << r1_.vkey << "\n" << r2_.vkey << "\n";
  }

  std::string SignedRebuild(const Vendor& signer, absl::string_view rebuilder,
                            int i) {
    return note::SignNote(
               note::FormatRebuildStatement(MakeRebuild(rebuilder, i)).value(),
               *signer.signer)
        .value();
  }

  std::unique_ptr<StatementChecker> Open(StatementCheckOptions options = {}) {
    return StatementChecker::Open({path_, rebuilders_}, options).value();
  }

  Vendor r1_, r2_, stranger_rebuilder_;
  std::string rebuilders_;
};

TEST_F(RebuildCheckTest, ARebuildByATrustedRebuilderIsOk) {
  const LeafCheck check =
      Open()->Check(SignedRebuild(r1_, "rebuild.example/r1", 1));
  EXPECT_EQ(check.verdict, LeafVerdict::kOk);
  EXPECT_EQ(check.error, "");
  EXPECT_FALSE(check.statement.has_value());
  ASSERT_TRUE(check.rebuild.has_value());
  EXPECT_EQ(*check.rebuild, MakeRebuild("rebuild.example/r1", 1));
}

TEST_F(RebuildCheckTest, ARebuilderWithoutAKeyIsUnknown) {
  const LeafCheck check = Open()->Check(
      SignedRebuild(stranger_rebuilder_, "rebuild.example/stranger", 2));
  EXPECT_EQ(check.verdict, LeafVerdict::kUnknownRebuilder);
  EXPECT_EQ(check.error,
            "no key of rebuilder \"rebuild.example/stranger\" is known to "
            "the monitor");
  EXPECT_EQ(check.rebuild->rebuilder, "rebuild.example/stranger");
  EXPECT_EQ(VerdictName(check.verdict), "unknown_rebuilder");

  // Vendor keys do not vouch for rebuilds: a vendor is no rebuilder.
  EXPECT_EQ(Open()->Check(SignedRebuild(acme_, "example.com/acme", 3)).verdict,
            LeafVerdict::kUnknownRebuilder);
  // Without a rebuilders file, no rebuilder is trusted.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatementChecker> vendors_only,
                       StatementChecker::Open(path_));
  EXPECT_EQ(
      vendors_only->Check(SignedRebuild(r1_, "rebuild.example/r1", 1)).verdict,
      LeafVerdict::kUnknownRebuilder);
}

TEST_F(RebuildCheckTest, ABadSignatureOfAKnownRebuilderIsBadSignature) {
  // r1's statement with a damaged signature.
  std::string damaged = SignedRebuild(r1_, "rebuild.example/r1", 4);
  damaged[damaged.size() - 6] = damaged[damaged.size() - 6] == 'A' ? 'B' : 'A';
  LeafCheck check = Open()->Check(damaged);
  EXPECT_EQ(check.verdict, LeafVerdict::kBadSignature);
  EXPECT_TRUE(check.rebuild.has_value());
  EXPECT_FALSE(check.error.empty());

  // Named r1, signed by r2 (also trusted): r1 never said it.
  check = Open()->Check(SignedRebuild(r2_, "rebuild.example/r1", 5));
  EXPECT_EQ(check.verdict, LeafVerdict::kBadSignature);
  EXPECT_EQ(check.error,
            "signed by rebuild.example/r2, statement names rebuilder "
            "rebuild.example/r1");

  // Signatures off (measurements): the name is still checked, not the key.
  EXPECT_EQ(Open({.check_vendor_signatures = false})
                ->Check(SignedRebuild(r2_, "rebuild.example/r1", 5))
                .verdict,
            LeafVerdict::kOk);
}

TEST_F(RebuildCheckTest, ABrokenRebuildStatementIsBadGrammar) {
  // The rebuild header picks the grammar: a broken rebuild is not retried
  // as a release statement.
  const std::string text = note::FormatRebuildStatement(
      MakeRebuild("rebuild.example/r1", 6)).value();
  const std::string no_sha256 = text.substr(0, text.find("sha256 "));
  const LeafCheck check =
      Open()->Check(note::SignNote(no_sha256, *r1_.signer).value());
  EXPECT_EQ(check.verdict, LeafVerdict::kBadGrammar);
  EXPECT_FALSE(check.rebuild.has_value());
  EXPECT_FALSE(check.statement.has_value());
  EXPECT_EQ(check.error,
            "rebuild statement ends after line 6, before its sha256 line");
}

TEST_F(RebuildCheckTest, BatchSortsReleasesAndRebuilds) {
  std::unique_ptr<StatementChecker> checker = Open({.threads = 2});
  std::vector<std::string> leaves;
  for (int i = 0; i < 200; ++i) {
    switch (i % 3) {
      case 0: leaves.push_back(Signed(acme_, "example.com/acme", i)); break;
      case 1: leaves.push_back(SignedRebuild(r1_, "rebuild.example/r1", i)); break;
      default:
        leaves.push_back(SignedRebuild(r2_, "rebuild.example/r1", i));
        break;
    }
  }
  const std::vector<LeafCheck> checks = checker->CheckBatch(leaves);
  ASSERT_EQ(checks.size(), leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_EQ(checks[i].verdict,
              i % 3 == 2 ? LeafVerdict::kBadSignature : LeafVerdict::kOk)
        << i;
    EXPECT_EQ(checks[i].rebuild.has_value(), i % 3 != 0) << i;
  }
}

TEST_F(RebuildCheckTest, ReloadRereadsTheRebuildersFile) {
  std::unique_ptr<StatementChecker> checker = Open();
  const std::string stranger =
      SignedRebuild(stranger_rebuilder_, "rebuild.example/stranger", 7);
  EXPECT_EQ(checker->Check(stranger).verdict, LeafVerdict::kUnknownRebuilder);
  std::ofstream(rebuilders_, std::ios::app) << stranger_rebuilder_.vkey << "\n";
  ASSERT_OK(checker->Reload());
  EXPECT_EQ(checker->Check(stranger).verdict, LeafVerdict::kOk);

  // A broken rebuilders file keeps both old sets, vendors included.
  std::ofstream(path_, std::ios::app) << stranger_.vkey << "\n";
  std::ofstream(rebuilders_, std::ios::trunc) << "not a key\n";
  EXPECT_THAT(checker->Reload(),
              ::vitrine::testing::StatusIs(
                  absl::StatusCode::kInvalidArgument,
                  "keeping the previous vendor keys and rebuilder keys"));
  EXPECT_EQ(checker->Check(stranger).verdict, LeafVerdict::kOk);
  EXPECT_EQ(checker->Check(Signed(stranger_, "example.com/stranger", 1)).verdict,
            LeafVerdict::kUnknownVendor);
}

TEST_F(RebuildCheckTest, AMissingRebuildersFileIsAnErrorUnlessOptional) {
  const std::string missing = rebuilders_ + ".missing";
  EXPECT_EQ(StatementChecker::Open({path_, missing}).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StatementChecker> checker,
                       StatementChecker::Open({path_, missing, true}));
  const std::string r1 = SignedRebuild(r1_, "rebuild.example/r1", 8);
  EXPECT_EQ(checker->Check(r1).verdict, LeafVerdict::kUnknownRebuilder);
  // Created later (the default path), it is read at the next Reload.
  std::ofstream(missing) << r1_.vkey << "\n";
  ASSERT_OK(checker->Reload());
  EXPECT_EQ(checker->Check(r1).verdict, LeafVerdict::kOk);
}

}  // namespace
}  // namespace vitrine::monitor
