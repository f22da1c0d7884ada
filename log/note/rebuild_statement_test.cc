#include "log/note/rebuild_statement.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::StatusIs;

constexpr absl::string_view kHex =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
constexpr absl::string_view kRebuilder = "rebuild.example.org/r1";

constexpr absl::string_view kText =
    "vitrine/rebuild/v1\n"
    "rebuilder rebuild.example.org/r1\n"
    "vendor example.com/acme\n"
    "artifact acme-cli_linux_amd64.tar.gz\n"
    "version 1.4.2\n"
    "source https://git.example.com/acme/cli/tree/v1.4.2\n"
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";

Statement Release() {
  Statement release;
  release.vendor = "example.com/acme";
  release.artifact = "acme-cli_linux_amd64.tar.gz";
  release.version = "1.4.2";
  release.sha256 = *merkle::Hash::FromHex(kHex);
  release.source = "https://git.example.com/acme/cli/tree/v1.4.2";
  return release;
}

RebuildStatement Base() {
  return *RebuildOf(Release(), kRebuilder, *merkle::Hash::FromHex(kHex));
}

std::string Edit(absl::string_view from, absl::string_view to) {
  std::string text(kText);
  const size_t at = text.find(std::string(from));
  if (at == std::string::npos) return "edit target not found";
  return text.replace(at, from.size(), std::string(to));
}

struct TestKey {
  std::unique_ptr<Signer> signer;
  std::shared_ptr<const Verifier> verifier;
};

TestKey MakeKey(absl::string_view name, char seed_byte,
                SignatureType type = SignatureType::kEd25519) {
  const std::string skey =
      FormatSignerKey(name, type, std::string(32, seed_byte)).value();
  TestKey key;
  key.signer = NewSigner(skey, [] { return uint64_t{1700000000}; }).value();
  key.verifier = NewVerifier(VerifierKeyOf(skey).value()).value();
  return key;
}

TEST(RebuildStatementTest, FormatsAndParsesTheExactText) {
  ASSERT_OK_AND_ASSIGN(std::string text, FormatRebuildStatement(Base()));
  EXPECT_EQ(text, kText);
  ASSERT_OK_AND_ASSIGN(RebuildStatement parsed, ParseRebuildStatement(kText));
  EXPECT_EQ(parsed, Base());
  EXPECT_TRUE(IsRebuildStatementText(kText));
  EXPECT_FALSE(IsRebuildStatementText("vitrine/rebuild/v10\nrebuilder x\n"));
  EXPECT_FALSE(IsRebuildStatementText("vitrine/release/v1\n"));
}

TEST(RebuildStatementTest, RebuildOfNeedsASource) {
  Statement release = Release();
  release.source.reset();
  EXPECT_THAT(RebuildOf(release, kRebuilder, release.sha256),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "names no source to rebuild from"));
}

TEST(RebuildStatementTest, SameReleaseComparesEveryReleaseField) {
  RebuildStatement rebuild = Base();
  rebuild.sha256 = merkle::Sha256("something else");
  EXPECT_TRUE(SameRelease(rebuild, Release()));  // digests may differ
  for (std::string RebuildStatement::*field :
       {&RebuildStatement::vendor, &RebuildStatement::artifact,
        &RebuildStatement::version, &RebuildStatement::source}) {
    RebuildStatement other = Base();
    other.*field += "x";
    EXPECT_FALSE(SameRelease(other, Release()));
  }
  Statement no_source = Release();
  no_source.source.reset();
  EXPECT_FALSE(SameRelease(Base(), no_source));
}

TEST(RebuildStatementTest, ReleaseKeySeparatesItsFields) {
  const merkle::Hash key = ReleaseKey(Base());
  EXPECT_EQ(key, ReleaseKey("example.com/acme", "acme-cli_linux_amd64.tar.gz",
                            "1.4.2",
                            "https://git.example.com/acme/cli/tree/v1.4.2"));
  EXPECT_EQ(key, merkle::Sha256(
                     "vitrine/rebuild-of/v1\nexample.com/acme\n"
                     "acme-cli_linux_amd64.tar.gz\n1.4.2\n"
                     "https://git.example.com/acme/cli/tree/v1.4.2\n"));
  EXPECT_NE(ReleaseKey("a", "bc", "d", "e"), ReleaseKey("ab", "c", "d", "e"));
  EXPECT_NE(key, Release().sha256);
}

// Every way a text can break the grammar, each with the line it names.
TEST(RebuildStatementTest, ParseRejectsEveryGrammarViolation) {
  struct Bad {
    std::string label;
    std::string text;
    std::string message;
  };
  const std::vector<Bad> cases = {
      {"empty", "", "rebuild statement is empty"},
      {"no final newline", std::string(kText.substr(0, kText.size() - 1)),
       "rebuild statement does not end in a newline"},
      {"release header", Edit("vitrine/rebuild/v1", "vitrine/release/v1"),
       "rebuild statement line 1: expected the header \"vitrine/rebuild/v1\""},
      {"CRLF", Edit("version 1.4.2\n", "version 1.4.2\r\n"),
       "rebuild statement line 5 ends in a carriage return"},
      {"blank line", Edit("version", "\nversion"),
       "rebuild statement line 5 is empty"},
      {"unknown keyword", Edit("version 1.4.2\n", "version 1.4.2\nflavour x\n"),
       "rebuild statement line 6: unknown keyword \"flavour\""},
      {"trailing line", absl::StrCat(kText, "comment x\n"),
       "rebuild statement line 8: unknown keyword \"comment\""},
      {"order", Edit("rebuilder rebuild.example.org/r1\nvendor example.com/acme",
                     "vendor example.com/acme\nrebuilder rebuild.example.org/r1"),
       "rebuild statement line 2: vendor line out of order (expected "
       "rebuilder)"},
      {"source repeated after sha256", absl::StrCat(kText, "source x\n"),
       "rebuild statement line 8: duplicate source line"},
      {"duplicate", Edit("vendor example.com/acme\n",
                         "vendor example.com/acme\nvendor example.com/acme\n"),
       "rebuild statement line 4: duplicate vendor line"},
      {"missing source",
       Edit("source https://git.example.com/acme/cli/tree/v1.4.2\n", ""),
       "rebuild statement line 6: sha256 line out of order (expected source)"},
      {"missing sha256", Edit(absl::StrCat("sha256 ", kHex, "\n"), ""),
       "rebuild statement ends after line 6, before its sha256 line"},
      {"header only", "vitrine/rebuild/v1\n",
       "rebuild statement ends after line 1, before its rebuilder line"},
      {"no value", Edit("version 1.4.2", "version"),
       "rebuild statement line 5 (version): no value"},
      {"empty value", Edit("version 1.4.2", "version "),
       "rebuild statement line 5 (version): empty value"},
      {"double space", Edit("version 1.4.2", "version  1.4.2"),
       "rebuild statement line 5 (version): value starts with a space"},
      {"trailing space", Edit("version 1.4.2", "version 1.4.2 "),
       "rebuild statement line 5 (version): value ends with a space"},
      {"inner space", Edit("version 1.4.2", "version 1.4 2"),
       "rebuild statement line 5 (version): value holds white space U+0020"},
      {"control", Edit("version 1.4.2", "version 1.4\t2"),
       "rebuild statement line 5 (version): value holds control character "
       "U+0009"},
      {"bad UTF-8", Edit("version 1.4.2", "version 1.4\xff"),
       "rebuild statement line 5 (version): value is not valid UTF-8 at byte 3"},
      {"long value",
       Edit("version 1.4.2", absl::StrCat("version ", std::string(256, 'v'))),
       "rebuild statement line 5 (version): value is 256 bytes"},
      {"plus in rebuilder", Edit("rebuilder rebuild.example.org/r1",
                                 "rebuilder rebuild+example.org/r1"),
       "rebuild statement line 2 (rebuilder): value holds '+' at byte 7"},
      {"plus in vendor", Edit("vendor example.com/acme", "vendor acme+evil"),
       "rebuild statement line 3 (vendor): value holds '+'"},
      {"upper hex", Edit(kHex, absl::StrCat("9F", kHex.substr(2))),
       "rebuild statement line 7 (sha256): upper-case hex digit at byte 1"},
      {"short hex", Edit(kHex, kHex.substr(1)),
       "rebuild statement line 7 (sha256): value is 63 characters"},
      {"not hex", Edit(kHex, absl::StrCat("g", kHex.substr(1))),
       "rebuild statement line 7 (sha256): not a hex digit at byte 0"},
  };
  for (const Bad& c : cases) {
    EXPECT_THAT(ParseRebuildStatement(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.label;
  }
}

TEST(RebuildStatementTest, FormatRejectsValuesOutsideTheGrammar) {
  RebuildStatement s = Base();
  s.rebuilder = "";
  EXPECT_THAT(FormatRebuildStatement(s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rebuild statement rebuilder: empty value"));
  s = Base();
  s.source = "two words";
  EXPECT_THAT(FormatRebuildStatement(s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rebuild statement source: value holds white space"));
}

class SignedRebuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(rebuilders_.Add(r1_.verifier));
    ASSERT_OK(rebuilders_.Add(r2_.verifier));
    ASSERT_OK_AND_ASSIGN(signed_, SignRebuildStatement(Base(), *r1_.signer));
  }

  TestKey r1_ = MakeKey(kRebuilder, 'r');
  TestKey r2_ = MakeKey("rebuild.example.net/r2", 's');
  TestKey stranger_ = MakeKey("stranger.example", 'x');
  VerifierSet rebuilders_;
  std::string signed_;
};

TEST_F(SignedRebuildTest, VerifiesTheRebuildersSignature) {
  ASSERT_OK_AND_ASSIGN(VerifiedRebuildStatement verified,
                       VerifyRebuildStatement(signed_, rebuilders_));
  EXPECT_EQ(verified.statement, Base());
  EXPECT_EQ(verified.note.text, kText);
  EXPECT_EQ(verified.rebuilder_signature.name, kRebuilder);
}

TEST_F(SignedRebuildTest, SignerMustBeNamedAsTheRebuilder) {
  EXPECT_THAT(SignRebuildStatement(Base(), *r2_.signer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "differs from the statement's rebuilder"));
  TestKey cosigner = MakeKey(kRebuilder, 'c', SignatureType::kCosignatureV1);
  EXPECT_THAT(SignRebuildStatement(Base(), *cosigner.signer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "is not a type 0x01"));
}

TEST_F(SignedRebuildTest, RefusesAnotherRebuildersKey) {
  // r2 signs a text naming r1: impersonation.
  ASSERT_OK_AND_ASSIGN(std::string text, FormatRebuildStatement(Base()));
  ASSERT_OK_AND_ASSIGN(std::string forged, SignNote(text, *r2_.signer));
  EXPECT_THAT(VerifyRebuildStatement(forged, rebuilders_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "signed by rebuild.example.net/r2, statement names "
                       "rebuilder rebuild.example.org/r1"));
}

TEST_F(SignedRebuildTest, RefusesUnknownAndBadSignatures) {
  VerifierSet nobody;
  EXPECT_THAT(VerifyRebuildStatement(signed_, nobody),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "not signed by a trusted key of rebuilder"));
  // The text changed after signing: the known key's signature fails.
  std::string tampered = signed_;
  tampered.replace(tampered.find("1.4.2"), 5, "1.4.3");
  EXPECT_THAT(VerifyRebuildStatement(tampered, rebuilders_),
              StatusIs(absl::StatusCode::kInvalidArgument, "does not verify"));
  // A release statement is not a rebuild statement.
  EXPECT_THAT(
      VerifyRebuildStatement(SignNote(*FormatStatement(Release()),
                                      *r1_.signer)
                                 .value(),
                             rebuilders_),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "rebuild statement line 1: expected the header"));
}

}  // namespace
}  // namespace vitrine::note
