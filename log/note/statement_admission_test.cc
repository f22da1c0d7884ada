#include "log/note/statement_admission.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::StatusIs;

constexpr absl::string_view kVendor = "example.com/acme";

struct TestKey {
  std::unique_ptr<Signer> signer;
  std::shared_ptr<const Verifier> verifier;
};

// Keys with fixed seeds, so failures reproduce.
TestKey MakeKey(absl::string_view name, char seed_byte) {
  TestKey key;
  const std::string skey =
      FormatSignerKey(name, SignatureType::kEd25519, std::string(32, seed_byte))
          .value();
  key.signer = NewSigner(skey).value();
  key.verifier = NewVerifier(VerifierKeyOf(skey).value()).value();
  return key;
}

Statement MakeStatement(absl::string_view version) {
  Statement statement;
  statement.vendor = std::string(kVendor);
  statement.artifact = "acme-cli.tar.gz";
  statement.version = std::string(version);
  statement.sha256 = merkle::Sha256(version);
  return statement;
}

// Appends one signature line (any bytes, any claimed key) to a note.
std::string AppendLine(const std::string& note, absl::string_view name,
                       uint32_t key_id, absl::string_view signature) {
  Signature line{std::string(name), key_id, std::string(signature)};
  return note + FormatSignatureLine(line);
}

class StatementAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(vendors_.Add(acme_.verifier));
    ASSERT_OK(vendors_.Add(other_vendor_.verifier));
    ASSERT_OK(supervisors_.Add(builder_.verifier));
    ASSERT_OK(supervisors_.Add(auditor_.verifier));
    ASSERT_OK_AND_ASSIGN(signed_,
                         SignStatement(MakeStatement("1.0"), *acme_.signer));
  }

  absl::StatusOr<ScreenedStatement> Screen(absl::string_view note,
                                           AdmissionLimits limits = {}) {
    return ScreenStatement(note, vendors_, supervisors_, limits);
  }

  TestKey acme_ = MakeKey(kVendor, 'a');
  TestKey other_vendor_ = MakeKey("example.org/other", 'o');
  TestKey builder_ = MakeKey("builds.example.net", 'b');
  TestKey auditor_ = MakeKey("audit.example.net", 'u');
  TestKey stranger_ = MakeKey("stranger.example", 's');
  VerifierSet vendors_;
  VerifierSet supervisors_;
  std::string signed_;
};

TEST_F(StatementAdmissionTest, AdmitsVendorAndRegisteredSupervisors) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(signed_, *builder_.signer));
  ASSERT_OK_AND_ASSIGN(cosigned, CosignStatement(cosigned, *auditor_.signer));
  ASSERT_OK_AND_ASSIGN(ScreenedStatement screened, Screen(cosigned));
  EXPECT_EQ(screened.statement, MakeStatement("1.0"));
  EXPECT_EQ(screened.note.signatures.size(), 3u);
  EXPECT_OK(VerifyScreened(screened, vendors_, supervisors_));
}

TEST_F(StatementAdmissionTest, IdentityIsTheTextWhateverTheSignatures) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(signed_, *builder_.signer));
  ASSERT_OK_AND_ASSIGN(ScreenedStatement alone, Screen(signed_));
  ASSERT_OK_AND_ASSIGN(ScreenedStatement with_supervisor, Screen(cosigned));
  EXPECT_EQ(alone.id, with_supervisor.id);
  EXPECT_EQ(alone.id, merkle::Sha256(alone.note.text));
  EXPECT_EQ(alone.id, StatementId(alone.note.text));
  ASSERT_OK_AND_ASSIGN(std::string other,
                       SignStatement(MakeStatement("1.1"), *acme_.signer));
  ASSERT_OK_AND_ASSIGN(ScreenedStatement next, Screen(other));
  EXPECT_NE(alone.id, next.id);
}

TEST_F(StatementAdmissionTest, RefusesALineFromAnUnknownKeyNamingIt) {
  // The keyless replay of issue 11: a logged statement plus one junk line.
  const std::string replay =
      AppendLine(signed_, "anything.invalid/x", 0x01020304, std::string(64, 'x'));
  EXPECT_THAT(Screen(replay),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature line 2: anything.invalid/x+01020304 is "
                       "neither a key of vendor example.com/acme nor a "
                       "supervisor key registered with this log"));
  // A real signature by a key the log does not know is refused alike.
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(signed_, *stranger_.signer));
  EXPECT_THAT(Screen(cosigned), StatusIs(absl::StatusCode::kInvalidArgument,
                                         "signature line 2: stranger.example"));
  // Another vendor's key is no supervisor here: impersonation.
  ASSERT_OK_AND_ASSIGN(cosigned,
                       CosignStatement(signed_, *other_vendor_.signer));
  EXPECT_THAT(Screen(cosigned),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "signature line 2: signed by example.org/other, "
                       "statement names vendor example.com/acme"));
}

TEST_F(StatementAdmissionTest, RefusesRepeatedKeys) {
  ASSERT_OK_AND_ASSIGN(Note note, ParseNote(signed_));
  // 99 copies of a valid signature plus a bad one: issue 11's flood.
  std::string flood = signed_;
  for (int i = 0; i < 98; ++i) flood += FormatSignatureLine(note.signatures[0]);
  EXPECT_THAT(Screen(flood), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "statement carries 99 signature lines; "
                                      "a log entry carries at most 9"));
  // The same line twice is refused before any line is decoded...
  const std::string twice = signed_ + FormatSignatureLine(note.signatures[0]);
  EXPECT_THAT(Screen(twice),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature line 2 repeats an earlier line; each key "
                       "signs once"));
  // ...and the same key with other signature bytes once decoded.
  const std::string same_key =
      AppendLine(signed_, kVendor, note.signatures[0].key_id,
                 std::string(64, 'z'));
  EXPECT_THAT(Screen(same_key),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "signature line 2: key example.com/acme+"));
}

TEST_F(StatementAdmissionTest, BoundsSupervisorLines) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       CosignStatement(signed_, *builder_.signer));
  ASSERT_OK_AND_ASSIGN(cosigned, CosignStatement(cosigned, *auditor_.signer));
  AdmissionLimits one_supervisor;
  one_supervisor.max_supervisors = 1;
  EXPECT_THAT(Screen(cosigned, one_supervisor),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement carries 3 signature lines; a log entry "
                       "carries at most 2"));
}

TEST_F(StatementAdmissionTest, NeedsTheVendorsOwnKey) {
  // Only a supervisor signed: no vendor line.
  ASSERT_OK_AND_ASSIGN(std::string text, FormatStatement(MakeStatement("2.0")));
  ASSERT_OK_AND_ASSIGN(std::string by_supervisor,
                       SignNote(text, *builder_.signer));
  EXPECT_THAT(Screen(by_supervisor),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "statement is not signed by a registered key of vendor "
                       "example.com/acme"));
  // A line under the vendor's name with a key ID the log does not know.
  const std::string unknown_id =
      AppendLine(text + "\n", kVendor, 0xdeadbeef, std::string(64, 'x'));
  EXPECT_THAT(Screen(unknown_id),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "signature line 1: example.com/acme+deadbeef is not a "
                       "registered key of vendor example.com/acme"));
}

TEST_F(StatementAdmissionTest, ScreeningSpendsNoSignatureCheckVerifyDoes) {
  // A forged signature under the vendor's real name and key ID passes
  // screening (nothing is verified yet) and fails verification.
  ASSERT_OK_AND_ASSIGN(std::string text, FormatStatement(MakeStatement("3.0")));
  const std::string forged = AppendLine(text + "\n", kVendor,
                                        acme_.verifier->KeyId(),
                                        std::string(64, '\x07'));
  ASSERT_OK_AND_ASSIGN(ScreenedStatement screened, Screen(forged));
  EXPECT_THAT(VerifyScreened(screened, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement signature by example.com/acme+"));
  // A supervisor's bad signature fails too.
  ASSERT_OK_AND_ASSIGN(Note note, ParseNote(signed_));
  const std::string bad_supervisor =
      AppendLine(signed_, "builds.example.net", builder_.verifier->KeyId(),
                 note.signatures[0].bytes);
  ASSERT_OK_AND_ASSIGN(screened, Screen(bad_supervisor));
  EXPECT_THAT(VerifyScreened(screened, vendors_, supervisors_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "statement signature by builds.example.net+"));
}

TEST_F(StatementAdmissionTest, GrammarAndSizeComeFirst) {
  EXPECT_THAT(Screen("not a note"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Screen(std::string(kMaxStatementNoteSize + 1, 'a')),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

class RebuildAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(rebuilders_.Add(r1_.verifier));
    ASSERT_OK(rebuilders_.Add(r2_.verifier));
    Statement release = MakeStatement("1.0");
    release.source = "https://git.example.com/acme@v1.0";
    rebuild_ = RebuildOf(release, "rebuild.example.org/r1",
                         merkle::Sha256("produced"))
                   .value();
    ASSERT_OK_AND_ASSIGN(signed_, SignRebuildStatement(rebuild_, *r1_.signer));
  }

  TestKey r1_ = MakeKey("rebuild.example.org/r1", 'r');
  TestKey r2_ = MakeKey("rebuild.example.net/r2", 't');
  TestKey stranger_ = MakeKey("rebuild.example.org/r1", 'x');
  VerifierSet rebuilders_;
  RebuildStatement rebuild_;
  std::string signed_;
};

TEST_F(RebuildAdmissionTest, AdmitsTheRegisteredRebuilder) {
  ASSERT_OK_AND_ASSIGN(ScreenedRebuild screened,
                       ScreenRebuildStatement(signed_, rebuilders_));
  EXPECT_EQ(screened.statement, rebuild_);
  EXPECT_EQ(screened.id, StatementId(*FormatRebuildStatement(rebuild_)));
  EXPECT_OK(VerifyScreenedRebuild(screened, rebuilders_));
}

TEST_F(RebuildAdmissionTest, RefusesAnUnregisteredRebuilder) {
  // The right name, a key nobody registered.
  const std::string note =
      SignRebuildStatement(rebuild_, *stranger_.signer).value();
  EXPECT_THAT(ScreenRebuildStatement(note, rebuilders_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "not by a registered key of rebuilder "
                       "rebuild.example.org/r1"));
}

TEST_F(RebuildAdmissionTest, RefusesARebuilderSigningAsAnother) {
  const std::string text = FormatRebuildStatement(rebuild_).value();
  const std::string note = SignNote(text, *r2_.signer).value();
  EXPECT_THAT(ScreenRebuildStatement(note, rebuilders_),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       "signed by rebuild.example.net/r2, statement names "
                       "rebuilder rebuild.example.org/r1"));
}

TEST_F(RebuildAdmissionTest, RefusesASecondLine) {
  const std::string note = AddSignature(signed_, *r2_.signer).value();
  EXPECT_THAT(ScreenRebuildStatement(note, rebuilders_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rebuild statement carries 2 signature lines; it "
                       "carries exactly one"));
}

TEST_F(RebuildAdmissionTest, RefusesABadSignatureOnlyWhenVerifying) {
  // A forged signature by r1's key ID: screening is free of Ed25519.
  std::string forged = signed_;
  // The key ID leads the base64; flip characters of the signature's end.
  const size_t end = forged.size() - 6;
  forged.replace(end - 4, 4, forged.substr(end - 4, 4) == "AAAA" ? "BBBB"
                                                                 : "AAAA");
  ASSERT_OK_AND_ASSIGN(ScreenedRebuild screened,
                       ScreenRebuildStatement(forged, rebuilders_));
  EXPECT_THAT(VerifyScreenedRebuild(screened, rebuilders_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rebuild statement signature by "
                       "rebuild.example.org/r1+"));
}

TEST_F(RebuildAdmissionTest, RefusesGrammarViolationsWithTheirLine) {
  std::string bad = signed_;
  bad.replace(bad.find("version 1.0"), 11, "version 1 0");
  EXPECT_THAT(ScreenRebuildStatement(bad, rebuilders_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "rebuild statement line 5 (version): value holds "
                       "white space"));
}

}  // namespace
}  // namespace vitrine::note
