#include "monitor/witness/canonical_note.h"

#include <memory>
#include <string>

#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"
#include "log/note/note.h"

namespace vitrine::monitor {
namespace {

using ::testing::ElementsAre;

class CanonicalNoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(note::GeneratedKey log,
                         note::GenerateKey("log.example/a",
                                           note::SignatureType::kEd25519));
    ASSERT_OK_AND_ASSIGN(log_signer_, note::NewSigner(log.signer_key));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Verifier> verifier,
                         note::NewVerifier(log.verifier_key));
    ASSERT_OK(log_keys_.Add(std::move(verifier)));
    ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                         note::GenerateKey("w.example/other",
                                           note::SignatureType::kEd25519));
    ASSERT_OK_AND_ASSIGN(other_signer_, note::NewSigner(other.signer_key));
  }

  std::unique_ptr<note::Signer> log_signer_;
  std::unique_ptr<note::Signer> other_signer_;
  note::VerifierSet log_keys_;
  const std::string text_ = "log.example/a\n3\nAAAA\n";
};

TEST_F(CanonicalNoteTest, KeepsOnlyTheLinesOfTheGivenKeysInOrder) {
  ASSERT_OK_AND_ASSIGN(note::Signature mine,
                       note::SignText(text_, *log_signer_));
  ASSERT_OK_AND_ASSIGN(note::Signature other,
                       note::SignText(text_, *other_signer_));
  const note::Note padded{text_, {other, mine, other}};
  EXPECT_THAT(LinesByKeys(padded, log_keys_), ElementsAre(mine));
  EXPECT_EQ(CanonicalNoteByKeys(note::FormatNote(padded), log_keys_),
            note::FormatNote(note::Note{text_, {mine}}));
}

TEST_F(CanonicalNoteTest, EachKeyOnce) {
  ASSERT_OK_AND_ASSIGN(note::Signature mine,
                       note::SignText(text_, *log_signer_));
  note::Signature again = mine;
  again.bytes[0] ^= 1;
  ASSERT_OK_AND_ASSIGN(note::Signature other,
                       note::SignText(text_, *other_signer_));
  const note::Note canonical = CanonicalNote(text_, {mine, other, again});
  EXPECT_EQ(canonical.text, text_);
  EXPECT_THAT(canonical.signatures, ElementsAre(mine, other));
  EXPECT_EQ(FormatCanonicalNote(text_, {mine, again}),
            note::FormatNote(note::Note{text_, {mine}}));
}

TEST_F(CanonicalNoteTest, NotANoteIsReturnedAsIs) {
  EXPECT_EQ(CanonicalNoteByKeys("not a note", log_keys_), "not a note");
}

}  // namespace
}  // namespace vitrine::monitor
