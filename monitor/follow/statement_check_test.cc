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

}  // namespace
}  // namespace vitrine::monitor
