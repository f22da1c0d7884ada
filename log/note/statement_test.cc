#include "log/note/statement.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::StatusIs;

constexpr absl::string_view kHex =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
constexpr absl::string_view kVendor = "example.com/acme";

// The text of BaseStatement() with its source line.
constexpr absl::string_view kText =
    "vitrine/release/v1\n"
    "vendor example.com/acme\n"
    "artifact acme-cli_linux_amd64.tar.gz\n"
    "version 1.4.2\n"
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
    "source https://git.example.com/acme/cli/tree/v1.4.2\n";

Statement BaseStatement() {
  Statement statement;
  statement.vendor = std::string(kVendor);
  statement.artifact = "acme-cli_linux_amd64.tar.gz";
  statement.version = "1.4.2";
  statement.sha256 = *merkle::Hash::FromHex(kHex);
  statement.source = "https://git.example.com/acme/cli/tree/v1.4.2";
  return statement;
}

// Replaces the first `from` in kText by `to`.
std::string Edit(absl::string_view from, absl::string_view to) {
  std::string text(kText);
  const size_t at = text.find(std::string(from));
  if (at == std::string::npos) return "edit target not found";
  return text.replace(at, from.size(), std::string(to));
}

TEST(FormatStatementTest, WritesTheExactText) {
  ASSERT_OK_AND_ASSIGN(std::string text, FormatStatement(BaseStatement()));
  EXPECT_EQ(text, kText);
  Statement no_source = BaseStatement();
  no_source.source.reset();
  ASSERT_OK_AND_ASSIGN(text, FormatStatement(no_source));
  EXPECT_EQ(text,
            Edit("source https://git.example.com/acme/cli/tree/v1.4.2\n", ""));
}

TEST(FormatStatementTest, RejectsValuesOutsideTheGrammar) {
  const std::vector<std::pair<std::string, Statement>> cases = [] {
    std::vector<std::pair<std::string, Statement>> out;
    Statement s = BaseStatement();
    s.vendor = "";
    out.emplace_back("statement vendor: empty value", s);
    s = BaseStatement();
    s.vendor = "acme+evil";
    out.emplace_back("statement vendor: value holds '+'", s);
    s = BaseStatement();
    s.artifact = "two words";
    out.emplace_back("statement artifact: value holds white space", s);
    s = BaseStatement();
    s.version = std::string(256, 'v');
    out.emplace_back("statement version: value is 256 bytes", s);
    s = BaseStatement();
    s.source = "";
    out.emplace_back("statement source: empty value", s);
    s = BaseStatement();
    s.source = "a\nversion 2";
    out.emplace_back("statement source: value holds control character", s);
    return out;
  }();
  for (const auto& [message, statement] : cases) {
    EXPECT_THAT(FormatStatement(statement),
                StatusIs(absl::StatusCode::kInvalidArgument, message))
        << message;
  }
}

TEST(CheckVendorNameTest, AcceptsKeyNamesOnly) {
  EXPECT_OK(CheckVendorName("example.com/acme"));
  EXPECT_OK(CheckVendorName(std::string(255, 'v')));
  EXPECT_THAT(CheckVendorName(""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement vendor: empty value"));
  EXPECT_THAT(CheckVendorName("acme+evil"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement vendor: value holds '+'"));
  EXPECT_THAT(CheckVendorName("two words"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement vendor: value holds white space"));
  EXPECT_THAT(CheckVendorName(std::string(256, 'v')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement vendor: value is 256 bytes"));
}

TEST(ParseStatementTest, RoundTrips) {
  ASSERT_OK_AND_ASSIGN(Statement parsed, ParseStatement(kText));
  EXPECT_EQ(parsed, BaseStatement());
  Statement edge = BaseStatement();
  edge.vendor =
      "\xC3\xA9"
      "diteur.example";  // UTF-8 is fine.
  edge.artifact = std::string(kMaxStatementValueSize, 'a');
  edge.version = "1";
  edge.source.reset();
  ASSERT_OK_AND_ASSIGN(std::string text, FormatStatement(edge));
  ASSERT_OK_AND_ASSIGN(parsed, ParseStatement(text));
  EXPECT_EQ(parsed, edge);
  ASSERT_OK_AND_ASSIGN(std::string again, FormatStatement(parsed));
  EXPECT_EQ(again, text);
}

struct BadStatement {
  std::string label;
  std::string text;
  std::string message;
};

TEST(ParseStatementTest, RejectsMalformedTextWithTheLine) {
  const std::string long_value(256, 'x');
  const std::vector<BadStatement> cases = {
      {"empty", "", "statement is empty"},
      {"no final newline", std::string(kText.substr(0, kText.size() - 1)),
       "statement does not end in a newline"},
      {"wrong header", Edit("vitrine/release/v1", "vitrine/release/v2"),
       "statement line 1: expected the header"},
      {"CRLF", absl::StrReplaceAll(kText, {{"\n", "\r\n"}}),
       "statement line 1 ends in a carriage return"},
      {"CRLF later", Edit("version 1.4.2\n", "version 1.4.2\r\n"),
       "statement line 4 ends in a carriage return"},
      {"blank line", Edit("version", "\nversion"), "statement line 4 is empty"},
      {"unknown line", Edit("version", "flavour x\nversion"),
       "statement line 4: unknown keyword \"flavour\""},
      {"upper-case keyword", Edit("version", "Version"),
       "statement line 4: unknown keyword \"Version\""},
      {"trailing unknown line", absl::StrCat(kText, "comment hi\n"),
       "statement line 7: unknown keyword \"comment\""},
      {"wrong order",
       Edit("artifact acme-cli_linux_amd64.tar.gz\nversion 1.4.2\n",
            "version 1.4.2\nartifact acme-cli_linux_amd64.tar.gz\n"),
       "statement line 3: version line out of order (expected artifact)"},
      {"missing version", Edit("version 1.4.2\n", ""),
       "statement line 4: sha256 line out of order (expected version)"},
      {"duplicate vendor",
       Edit("artifact", "vendor example.com/acme\nartifact"),
       "statement line 3: duplicate vendor line"},
      {"duplicate source",
       absl::StrCat(kText, "source https://example.com/other\n"),
       "statement line 7: duplicate source line"},
      {"truncated", "vitrine/release/v1\nvendor example.com/acme\n",
       "statement ends after line 2, before its artifact line"},
      {"header only", "vitrine/release/v1\n",
       "statement ends after line 1, before its vendor line"},
      {"no value", Edit("version 1.4.2", "version"),
       "statement line 4 (version): no value"},
      {"empty value", Edit("version 1.4.2", "version "),
       "statement line 4 (version): empty value"},
      {"double space", Edit("version 1.4.2", "version  1.4.2"),
       "statement line 4 (version): value starts with a space"},
      {"trailing space", Edit("version 1.4.2", "version 1.4.2 "),
       "statement line 4 (version): value ends with a space"},
      {"inner space", Edit("version 1.4.2", "version 1.4 beta"),
       "statement line 4 (version): value holds white space U+0020 at byte 3"},
      {"tab", Edit("version 1.4.2", "version 1.4\t2"),
       "statement line 4 (version): value holds control character U+0009"},
      {"no-break space",
       Edit("version 1.4.2",
            "version 1.4\xC2\xA0"
            "2"),
       "statement line 4 (version): value holds white space U+00A0"},
      {"C1 control",
       Edit("version 1.4.2",
            "version 1.4\xC2\x85"
            "2"),
       "statement line 4 (version): value holds control character U+0085"},
      {"DEL", Edit("artifact acme", "artifact ac\x7Fme"),
       "statement line 3 (artifact): value holds control character U+007F"},
      {"bad UTF-8", Edit("artifact acme", "artifact \xC3("),
       "statement line 3 (artifact): value is not valid UTF-8 at byte 0"},
      {"value too long", Edit("version 1.4.2", "version " + long_value),
       "statement line 4 (version): value is 256 bytes, above the limit of "
       "255"},
      {"plus in vendor", Edit("vendor example.com/acme", "vendor acme+x"),
       "statement line 2 (vendor): value holds '+' at byte 4"},
      {"upper-case hex", Edit("sha256 9f86", "sha256 9F86"),
       "statement line 5 (sha256): upper-case hex digit at byte 1"},
      {"short hex", Edit(kHex, kHex.substr(0, 63)),
       "statement line 5 (sha256): value is 63 characters, not 64"},
      {"long hex", Edit(kHex, absl::StrCat(kHex, "0")),
       "statement line 5 (sha256): value is 65 characters, not 64"},
      {"non-hex", Edit("sha256 9f86", "sha256 9g86"),
       "statement line 5 (sha256): not a hex digit at byte 1"},
      {"empty source",
       Edit("source https://git.example.com/acme/cli/tree/v1.4.2", "source"),
       "statement line 6 (source): no value"},
  };
  for (const BadStatement& c : cases) {
    EXPECT_THAT(ParseStatement(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message))
        << c.label;
  }
}

// Keys with fixed seeds, so failures reproduce.
struct TestKey {
  std::unique_ptr<Signer> signer;
  std::shared_ptr<const Verifier> verifier;
};

TestKey MakeKey(absl::string_view name, char seed_byte,
                SignatureType type = SignatureType::kEd25519) {
  const std::string seed(32, seed_byte);
  TestKey key;
  const std::string skey = FormatSignerKey(name, type, seed).value();
  key.signer = NewSigner(skey, [] { return uint64_t{1700000000}; }).value();
  key.verifier = NewVerifier(VerifierKeyOf(skey).value()).value();
  return key;
}

class SignedStatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(vendors_.Add(acme_.verifier));
    ASSERT_OK(vendors_.Add(other_.verifier));
    ASSERT_OK(supervisors_.Add(builder_.verifier));
    ASSERT_OK_AND_ASSIGN(signed_,
                         SignStatement(BaseStatement(), *acme_.signer));
  }

  TestKey acme_ = MakeKey(kVendor, 'a');
  TestKey other_ = MakeKey("example.org/other", 'o');
  TestKey builder_ = MakeKey("builds.example.net", 'b');
  TestKey stranger_ = MakeKey("stranger.example", 's');
  VerifierSet vendors_;
  VerifierSet supervisors_;
  std::string signed_;
};

TEST_F(SignedStatementTest, SignsTextThenOneVendorLine) {
  ASSERT_OK_AND_ASSIGN(Note note, ParseNote(signed_));
  EXPECT_EQ(note.text, kText);
  ASSERT_EQ(note.signatures.size(), 1u);
  EXPECT_EQ(note.signatures[0].name, kVendor);
  EXPECT_EQ(note.signatures[0].key_id, acme_.signer->KeyId());
}

TEST_F(SignedStatementTest, SigningWithTheWrongKeyFails) {
  EXPECT_THAT(SignStatement(BaseStatement(), *other_.signer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "vendor key name \"example.org/other\" differs"));
  TestKey cosigner = MakeKey(kVendor, 'c', SignatureType::kCosignatureV1);
  EXPECT_THAT(SignStatement(BaseStatement(), *cosigner.signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a type 0x01"));
  Statement bad = BaseStatement();
  bad.version = "";
  EXPECT_THAT(SignStatement(bad, *acme_.signer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement version: empty value"));
}

TEST_F(SignedStatementTest, VerifiesWithoutSupervisor) {
  ASSERT_OK_AND_ASSIGN(VerifiedStatement verified,
                       VerifyStatement(signed_, vendors_, supervisors_));
  EXPECT_EQ(verified.statement, BaseStatement());
  EXPECT_EQ(verified.vendor_signature.name, kVendor);
  EXPECT_EQ(verified.vendor_signature.key_id, acme_.verifier->KeyId());
  EXPECT_TRUE(verified.further.empty());
  EXPECT_TRUE(verified.supervisors.empty());
  EXPECT_EQ(FormatNote(verified.note), signed_);
}

TEST_F(SignedStatementTest, VerifiesASupervisorCosignature) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(signed_, *builder_.signer));
  EXPECT_EQ(cosigned.substr(0, signed_.size()), signed_);  // Kept as is.
  ASSERT_OK_AND_ASSIGN(cosigned, CosignStatement(cosigned, *stranger_.signer));
  ASSERT_OK_AND_ASSIGN(VerifiedStatement verified,
                       VerifyStatement(cosigned, vendors_, supervisors_));
  ASSERT_EQ(verified.further.size(), 2u);
  EXPECT_EQ(verified.further[0].name, "builds.example.net");
  EXPECT_EQ(verified.further[1].name, "stranger.example");
  ASSERT_EQ(verified.supervisors.size(), 1u);
  EXPECT_EQ(verified.supervisors[0].name, "builds.example.net");
  EXPECT_EQ(verified.supervisors[0].key_id, builder_.verifier->KeyId());
  // Without the supervisor set the line is only "further".
  ASSERT_OK_AND_ASSIGN(verified, VerifyStatement(cosigned, vendors_));
  EXPECT_EQ(verified.further.size(), 2u);
  EXPECT_TRUE(verified.supervisors.empty());
}

TEST_F(SignedStatementTest, RejectsAnInvalidSupervisorSignature) {
  // builder_'s key signs other text; its line is moved onto our note.
  Statement other_release = BaseStatement();
  other_release.version = "9.9.9";
  ASSERT_OK_AND_ASSIGN(std::string text, FormatStatement(other_release));
  ASSERT_OK_AND_ASSIGN(Signature forged, SignText(text, *builder_.signer));
  const std::string note = absl::StrCat(signed_, FormatSignatureLine(forged));
  EXPECT_THAT(VerifyStatement(note, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature by builds.example.net"));
  // A verifier that does not know the supervisor ignores the line.
  EXPECT_OK(VerifyStatement(note, vendors_));
}

TEST_F(SignedStatementTest, CosigningRules) {
  TestKey self = MakeKey(kVendor, 'z');
  EXPECT_THAT(CosignStatement(signed_, *self.signer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a vendor cannot supervise itself"));
  ASSERT_OK_AND_ASSIGN(std::string once,
                       CosignStatement(signed_, *builder_.signer));
  EXPECT_THAT(CosignStatement(once, *builder_.signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "already signed"));
  ASSERT_OK_AND_ASSIGN(std::string not_statement,
                       SignNote("hello\n", *acme_.signer));
  EXPECT_THAT(CosignStatement(not_statement, *builder_.signer),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement line 1: expected the header"));
}

TEST_F(SignedStatementTest, AnotherVendorsKeyIsPermissionDenied) {
  // other_ is registered, but as example.org/other: it may not log releases
  // of example.com/acme, even with a perfectly valid signature.
  ASSERT_OK_AND_ASSIGN(std::string text, FormatStatement(BaseStatement()));
  ASSERT_OK_AND_ASSIGN(std::string note, SignNote(text, *other_.signer));
  EXPECT_THAT(VerifyStatement(note, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "signed by example.org/other, statement names vendor "
                       "example.com/acme"));
}

TEST_F(SignedStatementTest, UnknownKeyIsPermissionDenied) {
  TestKey unregistered = MakeKey(kVendor, 'u');  // Right name, unknown key.
  ASSERT_OK_AND_ASSIGN(std::string note,
                       SignStatement(BaseStatement(), *unregistered.signer));
  EXPECT_THAT(VerifyStatement(note, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "not signed by a registered key of vendor "
                       "example.com/acme (signed by: example.com/acme+"));
  // A supervisor's signature alone does not make a statement.
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(note, *builder_.signer));
  EXPECT_THAT(VerifyStatement(cosigned, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(SignedStatementTest, TamperedTextOrSignatureIsInvalid) {
  std::string tampered = signed_;
  tampered.replace(tampered.find("1.4.2"), 5, "1.4.3");
  EXPECT_THAT(VerifyStatement(tampered, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature by example.com/acme"));
  EXPECT_THAT(VerifyStatement(absl::StrCat("x", signed_), vendors_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement line 1: expected the header"));
}

std::string ReadSeed(absl::string_view name) {
  std::ifstream in(absl::StrCat("log/note/testdata/statement_corpus/", name),
                   std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// The signed fuzz seeds were made with Python's `cryptography` from the
// seeds of MakeKey: they pin interoperability as well as the fuzz corpus.
TEST_F(SignedStatementTest, SignedCorpusSeedsFromAnotherImplementation) {
  const std::string vendor_only = ReadSeed("signed-vendor");
  EXPECT_EQ(vendor_only, signed_);  // Ed25519 is deterministic.
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(signed_, *builder_.signer));
  EXPECT_EQ(ReadSeed("signed-cosigned"), cosigned);
  ASSERT_OK_AND_ASSIGN(VerifiedStatement verified,
                       VerifyStatement(cosigned, vendors_, supervisors_));
  EXPECT_EQ(verified.supervisors.size(), 1u);
  ASSERT_OK_AND_ASSIGN(
      verified, VerifyStatement(ReadSeed("signed-vendor-no-source"), vendors_,
                                supervisors_));
  EXPECT_FALSE(verified.statement.source.has_value());
  EXPECT_THAT(VerifyStatement(ReadSeed("signed-bad-supervisor"), vendors_,
                              supervisors_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature by builds.example.net"));
  EXPECT_THAT(VerifyStatement(ReadSeed("signed-supervisor-only"), vendors_,
                              supervisors_),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(
      VerifyStatement(ReadSeed("signed-tampered"), vendors_, supervisors_),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "signature by example.com/acme"));
}

// Returns `note` with one more signature line from an unknown key, sized so
// that the whole note is exactly `size` bytes.
std::string PadTo(const std::string& note, size_t size) {
  Signature filler{"f", 0x01020304, "xy"};
  const size_t line = FormatSignatureLine(filler).size();
  filler.name = std::string(size - note.size() - line + 1, 'f');
  return absl::StrCat(note, FormatSignatureLine(filler));
}

TEST_F(SignedStatementTest, SixteenKibLimit) {
  const std::string at_limit = PadTo(signed_, kMaxStatementNoteSize);
  ASSERT_EQ(at_limit.size(), 16384u);
  ASSERT_OK_AND_ASSIGN(VerifiedStatement verified,
                       VerifyStatement(at_limit, vendors_, supervisors_));
  EXPECT_EQ(verified.further.size(), 1u);
  const std::string over = PadTo(signed_, kMaxStatementNoteSize + 1);
  ASSERT_EQ(over.size(), 16385u);
  EXPECT_THAT(VerifyStatement(over, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       "16385 bytes, above the limit of 16384"));
  // Cosigning must not push a note over the limit either.
  const std::string almost = PadTo(signed_, kMaxStatementNoteSize - 20);
  EXPECT_THAT(CosignStatement(almost, *builder_.signer),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(CosignStatement(over, *builder_.signer),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace vitrine::note
