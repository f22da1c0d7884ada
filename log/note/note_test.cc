#include "log/note/note.h"

#include <map>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::HexToBytes;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

std::string Str(const nlohmann::json& value) { return value.get<std::string>(); }

std::unique_ptr<Signer> SignerFor(const nlohmann::json& key) {
  auto signer = NewSigner(Str(key["xmod_private_key"]));
  EXPECT_OK(signer);
  return std::move(signer).value();
}

VerifierSet TrustOnly(const std::string& vkey) {
  VerifierSet set;
  auto verifier = NewVerifier(vkey);
  EXPECT_OK(verifier);
  EXPECT_OK(set.Add(std::move(verifier).value()));
  return set;
}

class NoteVectorsTest : public ::testing::Test {
 protected:
  NoteVectorsTest()
      : vectors_(ReadVectorJson("checkpoints.json")),
        cosignatures_(ReadVectorJson("cosignatures.json")),
        log_keys_(TrustOnly(Str(vectors_["log_key"]["vkey"]))) {}

  nlohmann::json vectors_;
  nlohmann::json cosignatures_;
  VerifierSet log_keys_;
};

TEST_F(NoteVectorsTest, ValidNotesRoundTripAndVerify) {
  ASSERT_FALSE(vectors_["valid"].empty());
  for (const auto& valid : vectors_["valid"]) {
    const std::string label = Str(valid["label"]);
    const std::string note_bytes = Str(valid["note"]);
    ASSERT_OK_AND_ASSIGN(Note note, ParseNote(note_bytes));
    EXPECT_EQ(note.text, Str(valid["body"])) << label;
    EXPECT_EQ(FormatNote(note), note_bytes) << label;
    ASSERT_OK_AND_ASSIGN(VerifiedNote verified, OpenNote(note_bytes, log_keys_));
    ASSERT_EQ(verified.verified.size(), 1u) << label;
    EXPECT_EQ(verified.verified[0].name, Str(vectors_["origin"]));
    EXPECT_NE(Str(valid["signature_line"]).find(
                  FormatSignatureLine(verified.verified[0])),
              std::string::npos)
        << label;
    // Every other signature (an unrelated key, a witness) is unknown here.
    EXPECT_EQ(verified.unknown.size(), note.signatures.size() - 1) << label;
  }
}

TEST_F(NoteVectorsTest, SigningReproducesValidNotesByteForByte) {
  std::unique_ptr<Signer> log = SignerFor(vectors_["log_key"]);
  std::unique_ptr<Signer> other = SignerFor(vectors_["other_key"]);
  const nlohmann::json& witness = cosignatures_["witness_key"];
  const uint64_t timestamp = cosignatures_["timestamp"].get<uint64_t>();
  ASSERT_OK_AND_ASSIGN(
      std::string witness_skey,
      FormatSignerKey(Str(witness["name"]), SignatureType::kCosignatureV1,
                      HexToBytes(Str(witness["seed_hex"]))));
  ASSERT_OK_AND_ASSIGN(auto cosigner,
                       NewSigner(witness_skey, [timestamp] { return timestamp; }));
  const Signer* const signers[] = {log.get(), other.get(), cosigner.get()};
  for (const auto& valid : vectors_["valid"]) {
    const std::string label = Str(valid["label"]);
    const std::string body = Str(valid["body"]);
    ASSERT_OK_AND_ASSIGN(Note note, ParseNote(Str(valid["note"])));
    // Sign in the note's order with the key each line names.
    std::string produced;
    for (const Signature& line : note.signatures) {
      const Signer* signer = nullptr;
      for (const Signer* s : signers) {
        if (s->Name() == line.name && s->KeyId() == line.key_id) signer = s;
      }
      ASSERT_NE(signer, nullptr)
          << label << ": no vector key signs as " << line.name;
      if (produced.empty()) {
        ASSERT_OK_AND_ASSIGN(produced, SignNote(body, *signer));
      } else {
        ASSERT_OK_AND_ASSIGN(produced, AddSignature(produced, *signer));
      }
    }
    EXPECT_EQ(produced, Str(valid["note"])) << label;
    if (note.signatures.size() == 1) {
      ASSERT_OK_AND_ASSIGN(Signature signature, SignText(body, *log));
      EXPECT_EQ(FormatSignatureLine(signature), Str(valid["signature_line"]));
    }
  }
}

TEST_F(NoteVectorsTest, SpecExampleVerifies) {
  const nlohmann::json& example = vectors_["spec_example"];
  const std::string note_bytes = Str(example["note"]);
  ASSERT_OK_AND_ASSIGN(VerifiedNote verified,
                       OpenNote(note_bytes, TrustOnly(Str(example["vkey"]))));
  // The text is everything before the blank line that precedes the
  // signature lines.
  EXPECT_EQ(verified.note.text,
            note_bytes.substr(0, note_bytes.rfind("\n\n") + 1));
  EXPECT_EQ(FormatNote(verified.note), note_bytes);
  // The log key does not know it.
  EXPECT_THAT(OpenNote(note_bytes, log_keys_),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(NoteVectorsTest, InvalidVectorsFailAtTheirLayer) {
  // Why each note-layer vector fails, by label: a known key's signature that
  // does not verify or a malformed note is InvalidArgument; a note with no
  // signature from a trusted key is PermissionDenied. A case under another
  // label must fail with one of the two.
  const std::map<std::string, absl::StatusCode> note_layer = {
      {"wrong-key", absl::StatusCode::kPermissionDenied},
      {"wrong-key-forged-key-id", absl::StatusCode::kInvalidArgument},
      {"altered-size", absl::StatusCode::kInvalidArgument},
      {"altered-root", absl::StatusCode::kInvalidArgument},
      {"extension-line-added", absl::StatusCode::kInvalidArgument},
      {"missing-trailing-newline", absl::StatusCode::kInvalidArgument},
      {"bad-base64-signature", absl::StatusCode::kInvalidArgument},
      {"base64-padding-removed", absl::StatusCode::kInvalidArgument},
      {"other-key-signature-only", absl::StatusCode::kPermissionDenied},
      {"witness-cosignature-only", absl::StatusCode::kPermissionDenied},
      {"signature-truncated", absl::StatusCode::kInvalidArgument},
      {"missing-blank-line", absl::StatusCode::kInvalidArgument},
      {"hyphen-instead-of-em-dash", absl::StatusCode::kInvalidArgument},
      {"crlf-line-endings", absl::StatusCode::kInvalidArgument},
      {"no-signature-lines", absl::StatusCode::kInvalidArgument},
  };
  size_t note_count = 0;
  for (const auto& invalid : vectors_["invalid"]) {
    const std::string label = Str(invalid["label"]);
    const std::string layer = Str(invalid["layer"]);
    absl::StatusOr<VerifiedNote> opened = OpenNote(Str(invalid["note"]), log_keys_);
    if (layer == "checkpoint") {
      // The signature is fine; checkpoint_test checks the body.
      EXPECT_OK(opened) << label;
      continue;
    }
    ASSERT_EQ(layer, "note") << label;
    auto it = note_layer.find(label);
    if (it != note_layer.end()) {
      EXPECT_THAT(opened, StatusIs(it->second)) << label;
    } else {
      EXPECT_THAT(opened.status().code(),
                  ::testing::AnyOf(absl::StatusCode::kInvalidArgument,
                                   absl::StatusCode::kPermissionDenied))
          << label << ": " << opened.status();
    }
    ++note_count;
  }
  EXPECT_GT(note_count, 0u);
}

// A signer standing in for an HSM, to test the interface's contract.
class FakeSigner : public Signer {
 public:
  FakeSigner(std::string name, absl::StatusOr<std::string> result)
      : name_(std::move(name)), result_(std::move(result)) {}
  std::string Name() const override { return name_; }
  uint32_t KeyId() const override { return 0x01020304; }
  SignatureType Type() const override { return SignatureType::kEd25519; }
  absl::StatusOr<std::string> Sign(absl::string_view) const override {
    return result_;
  }

 private:
  std::string name_;
  absl::StatusOr<std::string> result_;
};

TEST(NoteTest, RejectsMalformedNotes) {
  const FakeSigner signer("a.example/k", std::string("sig"));
  ASSERT_OK_AND_ASSIGN(const std::string good, SignNote("hello\n", signer));
  const std::string line = FormatSignatureLine({"a.example/k", 0x01020304, "sig"});
  const std::string b64 = line.substr(line.rfind(' ') + 1, line.size() - line.rfind(' ') - 2);
  std::string non_canonical = b64;  // "AQIDBHNpZw==": 'w' has low bits set.
  non_canonical[non_canonical.size() - 3] = 'x';
  struct Case {
    const char* label;
    std::string note;
    absl::StatusCode code;
    const char* error;
  };
  const Case cases[] = {
      {"empty", "", absl::StatusCode::kInvalidArgument, "newline"},
      {"no final newline", good.substr(0, good.size() - 1),
       absl::StatusCode::kInvalidArgument, "does not end in a newline"},
      {"bad utf-8", "hel\xFFo\n\n" + line, absl::StatusCode::kInvalidArgument,
       "UTF-8"},
      {"tab", "hel\tlo\n\n" + line, absl::StatusCode::kInvalidArgument,
       "control character 0x09 at byte 3"},
      {"nul", std::string("a\0\n\n", 4) + line,
       absl::StatusCode::kInvalidArgument, "control character 0x00"},
      {"no blank line", "hello\n" + line, absl::StatusCode::kInvalidArgument,
       "no blank line"},
      {"no signatures", "hello\n\n", absl::StatusCode::kInvalidArgument,
       "no signatures"},
      {"no space", "hello\n\n\xE2\x80\x94 a.example/k\n",
       absl::StatusCode::kInvalidArgument, "is not"},
      {"no dash space", "hello\n\n\xE2\x80\x94" "a.example/k " + b64 + "\n",
       absl::StatusCode::kInvalidArgument, "em dash"},
      {"double space", "hello\n\n\xE2\x80\x94  a.example/k " + b64 + "\n",
       absl::StatusCode::kInvalidArgument, "empty key name"},
      {"plus in name", "hello\n\n\xE2\x80\x94 a+b " + b64 + "\n",
       absl::StatusCode::kInvalidArgument, "'+'"},
      {"nbsp in name", "hello\n\n\xE2\x80\x94 a\xC2\xA0" "b " + b64 + "\n",
       absl::StatusCode::kInvalidArgument, "space"},
      {"trailing space", "hello\n\n" + line.substr(0, line.size() - 1) + " \n",
       absl::StatusCode::kInvalidArgument, "canonical"},
      {"non-canonical base64",
       "hello\n\n\xE2\x80\x94 a.example/k " + non_canonical + "\n",
       absl::StatusCode::kInvalidArgument, "canonical"},
      {"key ID only", "hello\n\n\xE2\x80\x94 a.example/k AQIDBA==\n",
       absl::StatusCode::kInvalidArgument, "only 4 bytes"},
      {"too large", std::string(1 << 20, 'a') + "\n\n" + line,
       absl::StatusCode::kResourceExhausted, "above the limit"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseNote(c.note), StatusIs(c.code, c.error)) << c.label;
  }
}

TEST(NoteTest, BoundsTheNumberOfSignatures) {
  std::string note = "hello\n\n";
  for (int i = 0; i < 100; ++i) {
    note += FormatSignatureLine({absl::StrCat("k", i), 7, "sig"});
  }
  ASSERT_OK_AND_ASSIGN(Note parsed, ParseNote(note));
  EXPECT_EQ(parsed.signatures.size(), 100u);
  EXPECT_EQ(FormatNote(parsed), note);
  EXPECT_THAT(ParseNote(note + FormatSignatureLine({"k100", 7, "sig"})),
              StatusIs(absl::StatusCode::kResourceExhausted, "more than 100"));
  NoteLimits sixteen;
  sixteen.max_signatures = 16;  // The spec's minimum.
  EXPECT_THAT(ParseNote(note, sixteen),
              StatusIs(absl::StatusCode::kResourceExhausted));
  const FakeSigner signer("a.example/k", std::string("sig"));
  EXPECT_THAT(AddSignature(note, signer),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(NoteTest, TextEndsAtTheLastBlankLine) {
  // A blank line and a signature-like line inside the text stay text.
  const std::string text = "a\n\nb\n\n\xE2\x80\x94 x AQIDBHNpZw==\n\n";
  const FakeSigner signer("a.example/k", std::string("sig"));
  ASSERT_OK_AND_ASSIGN(std::string signed_note, SignNote(text, signer));
  ASSERT_OK_AND_ASSIGN(Note note, ParseNote(signed_note));
  EXPECT_EQ(note.text, text);
  ASSERT_EQ(note.signatures.size(), 1u);
  EXPECT_EQ(FormatNote(note), signed_note);
}

TEST(NoteTest, SigningChecksTextAndSigner) {
  const FakeSigner signer("a.example/k", std::string("sig"));
  EXPECT_THAT(SignNote("no newline", signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "newline"));
  EXPECT_THAT(SignNote("", signer), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("cr\r\n", signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "control"));
  EXPECT_THAT(SignNote("a\n", FakeSigner("bad name", std::string("sig"))),
              StatusIs(absl::StatusCode::kInvalidArgument, "space"));
  EXPECT_THAT(SignNote("a\n", FakeSigner("a.example/k", std::string())),
              StatusIs(absl::StatusCode::kInternal));
  // An HSM's failure reaches the caller unchanged.
  EXPECT_THAT(SignNote("a\n", FakeSigner("a.example/k",
                                         absl::UnavailableError("hsm down"))),
              StatusIs(absl::StatusCode::kUnavailable, "hsm down"));
  ASSERT_OK_AND_ASSIGN(std::string once, SignNote("a\n", signer));
  EXPECT_THAT(AddSignature(once, signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "already signed"));
}

TEST(NoteTest, KnownKeyWithBadSignatureRejectsTheNote) {
  ASSERT_OK_AND_ASSIGN(GeneratedKey a, GenerateKey("a.example/a", SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(GeneratedKey b, GenerateKey("b.example/b", SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(auto signer_a, NewSigner(a.signer_key));
  ASSERT_OK_AND_ASSIGN(auto signer_b, NewSigner(b.signer_key));
  VerifierSet both;
  ASSERT_OK_AND_ASSIGN(auto verifier_a, NewVerifier(a.verifier_key));
  std::shared_ptr<const Verifier> shared_a = std::move(verifier_a);
  ASSERT_OK(both.Add(shared_a));
  ASSERT_OK_AND_ASSIGN(auto verifier_b, NewVerifier(b.verifier_key));
  ASSERT_OK(both.Add(std::move(verifier_b)));
  EXPECT_THAT(both.Add(shared_a), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(both.Add(nullptr), StatusIs(absl::StatusCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(std::string note, SignNote("hello\n", *signer_a));
  ASSERT_OK_AND_ASSIGN(note, AddSignature(note, *signer_b));
  ASSERT_OK_AND_ASSIGN(VerifiedNote verified, OpenNote(note, both));
  EXPECT_EQ(verified.verified.size(), 2u);
  EXPECT_TRUE(verified.unknown.empty());

  // b's signature over other text, spliced in: a still verifies, but a known
  // key's failure must reject the whole note.
  ASSERT_OK_AND_ASSIGN(Note parsed, ParseNote(note));
  ASSERT_OK_AND_ASSIGN(parsed.signatures[1].bytes, signer_b->Sign("other\n"));
  EXPECT_THAT(OpenNote(FormatNote(parsed), both),
              StatusIs(absl::StatusCode::kInvalidArgument, "b.example/b"));
  // With only a trusted, b's line is ignored.
  VerifierSet only_a;
  ASSERT_OK(only_a.Add(shared_a));
  ASSERT_OK_AND_ASSIGN(verified, OpenNote(FormatNote(parsed), only_a));
  EXPECT_EQ(verified.verified.size(), 1u);
  EXPECT_EQ(verified.unknown.size(), 1u);
}

}  // namespace
}  // namespace vitrine::note
