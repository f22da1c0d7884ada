#include "log/note/checkpoint.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

std::string Str(const nlohmann::json& value) { return value.get<std::string>(); }

class CheckpointVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = ReadVectorJson("checkpoints.json");
    origin_ = Str(vectors_["origin"]);
    ASSERT_OK_AND_ASSIGN(auto verifier, NewVerifier(Str(vectors_["log_key"]["vkey"])));
    ASSERT_OK(log_keys_.Add(std::move(verifier)));
    ASSERT_OK_AND_ASSIGN(log_signer_,
                         NewSigner(Str(vectors_["log_key"]["xmod_private_key"])));
  }

  nlohmann::json vectors_;
  std::string origin_;
  VerifierSet log_keys_;
  std::unique_ptr<Signer> log_signer_;
};

TEST_F(CheckpointVectorsTest, ValidCheckpointsOpenAndReproduce) {
  ASSERT_FALSE(vectors_["valid"].empty());
  for (const auto& valid : vectors_["valid"]) {
    const std::string label = Str(valid["label"]);
    ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint opened,
                         OpenCheckpoint(Str(valid["note"]), origin_, log_keys_));
    const Checkpoint& checkpoint = opened.checkpoint;
    EXPECT_EQ(checkpoint.origin, origin_);
    EXPECT_EQ(checkpoint.size, valid["size"].get<uint64_t>()) << label;
    EXPECT_EQ(checkpoint.root.ToHex(), Str(valid["root"])) << label;
    EXPECT_EQ(checkpoint.root.ToBase64(), Str(valid["root_b64"])) << label;
    // c2sp.org/tlog-checkpoint: origin, size and root lines, then extension
    // lines, each ending in a newline.
    std::vector<std::string> lines = absl::StrSplit(Str(valid["body"]), '\n');
    ASSERT_GE(lines.size(), 4u) << label;
    EXPECT_EQ(checkpoint.extensions,
              std::vector<std::string>(lines.begin() + 3, lines.end() - 1))
        << label;
    ASSERT_OK_AND_ASSIGN(std::string body, FormatCheckpoint(checkpoint));
    EXPECT_EQ(body, Str(valid["body"])) << label;
    // Notes with only the log's signature are what SignCheckpoint makes;
    // note_test rebuilds those with more.
    if (opened.note.note.signatures.size() == 1) {
      ASSERT_OK_AND_ASSIGN(std::string signed_note,
                           SignCheckpoint(checkpoint, *log_signer_));
      EXPECT_EQ(signed_note, Str(valid["note"])) << label;
    }
  }
}

TEST_F(CheckpointVectorsTest, InvalidVectorsAreRejected) {
  // Message fragments for the checkpoint-layer cases with these labels; a
  // case under another label must be rejected as InvalidArgument too.
  const std::map<std::string, std::string> checkpoint_layer = {
      {"origin-mismatch", "is not the expected"},
      {"size-leading-zero", "without leading zeros"},
      {"size-not-decimal", "without leading zeros"},
      {"size-negative", "without leading zeros"},
      {"root-hex-instead-of-base64", "root hash"},
      {"root-wrong-length", "root hash"},
      {"root-unpadded-base64", "root hash"},
      {"two-line-body", "has 2 lines"},
      {"empty-extension-line", "extension line is empty"},
      {"empty-origin", "origin is empty"},
  };
  size_t checkpoint_count = 0;
  ASSERT_FALSE(vectors_["invalid"].empty());
  for (const auto& invalid : vectors_["invalid"]) {
    const std::string label = Str(invalid["label"]);
    const std::string note = Str(invalid["note"]);
    absl::StatusOr<VerifiedCheckpoint> opened =
        OpenCheckpoint(note, origin_, log_keys_);
    if (Str(invalid["layer"]) == "note") {
      // The note layer's own verdict, which note_test pins per vector.
      absl::Status note_status = OpenNote(note, log_keys_).status();
      EXPECT_FALSE(note_status.ok()) << label;
      EXPECT_EQ(opened.status(), note_status) << label;
      continue;
    }
    ASSERT_EQ(Str(invalid["layer"]), "checkpoint") << label;
    EXPECT_OK(OpenNote(note, log_keys_)) << label;
    auto it = checkpoint_layer.find(label);
    const std::string fragment =
        it == checkpoint_layer.end() ? "" : it->second;
    EXPECT_THAT(opened,
                StatusIs(absl::StatusCode::kInvalidArgument, fragment))
        << label;
    ++checkpoint_count;
  }
  EXPECT_GT(checkpoint_count, 0u);
}

// A note whose only trusted signature is a witness cosignature (an invalid
// vector: no log signature) is no checkpoint even to a verifier that trusts
// the witness key.
TEST_F(CheckpointVectorsTest, WitnessSignatureAloneIsNotACheckpoint) {
  nlohmann::json cosignatures = ReadVectorJson("cosignatures.json");
  VerifierSet with_witness;
  ASSERT_OK_AND_ASSIGN(auto witness,
                       NewVerifier(Str(cosignatures["witness_key"]["vkey"])));
  ASSERT_OK(with_witness.Add(std::move(witness)));
  size_t witness_only = 0;
  for (const auto& invalid : vectors_["invalid"]) {
    const std::string note = Str(invalid["note"]);
    if (!OpenNote(note, with_witness).ok() || OpenNote(note, log_keys_).ok()) {
      continue;
    }
    EXPECT_THAT(OpenCheckpoint(note, origin_, with_witness),
                StatusIs(absl::StatusCode::kPermissionDenied, "log"))
        << Str(invalid["label"]);
    ++witness_only;
  }
  EXPECT_GT(witness_only, 0u);
}

TEST_F(CheckpointVectorsTest, AcceptsEitherOfTwoLogKeysForRotation) {
  ASSERT_OK_AND_ASSIGN(GeneratedKey next,
                       GenerateKey(origin_, SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(auto next_verifier, NewVerifier(next.verifier_key));
  ASSERT_OK(log_keys_.Add(std::move(next_verifier)));
  ASSERT_OK_AND_ASSIGN(auto next_signer, NewSigner(next.signer_key));
  Checkpoint checkpoint{origin_, 5, merkle::HashLeaf("x"), {}};
  ASSERT_OK_AND_ASSIGN(std::string signed_note,
                       SignCheckpoint(checkpoint, *next_signer));
  ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint opened,
                       OpenCheckpoint(signed_note, origin_, log_keys_));
  EXPECT_EQ(opened.checkpoint, checkpoint);
}

TEST(CheckpointTest, ParsesSizesAtTheEdges) {
  const std::string root = merkle::EmptyRoot().ToBase64();
  ASSERT_OK_AND_ASSIGN(Checkpoint max,
                       ParseCheckpoint("o\n18446744073709551615\n" + root + "\n"));
  EXPECT_EQ(max.size, UINT64_MAX);
  ASSERT_OK_AND_ASSIGN(Checkpoint zero, ParseCheckpoint("o\n0\n" + root + "\n"));
  EXPECT_EQ(zero.size, 0u);
  EXPECT_EQ(zero.root, merkle::EmptyRoot());
}

TEST(CheckpointTest, RejectsMalformedText) {
  const std::string root = merkle::EmptyRoot().ToBase64();
  struct Case {
    const char* label;
    std::string text;
    const char* error;
  };
  const Case cases[] = {
      {"empty", "", "newline"},
      {"no final newline", "o\n1\n" + root, "newline"},
      {"one line", "o\n", "has 1 lines"},
      {"size overflow", "o\n18446744073709551616\n" + root + "\n", "64 bits"},
      {"size way too big", "o\n99999999999999999999999\n" + root + "\n",
       "64 bits"},
      {"size plus sign", "o\n+1\n" + root + "\n", "leading zeros"},
      {"size leading space", "o\n 1\n" + root + "\n", "leading zeros"},
      {"size trailing space", "o\n1 \n" + root + "\n", "leading zeros"},
      {"size empty", "o\n\n" + root + "\n", "leading zeros"},
      {"size 00", "o\n00\n" + root + "\n", "leading zeros"},
      {"root trailing space", "o\n1\n" + root + " \n", "root hash"},
      {"root url-safe", "o\n1\n" + std::string(43, '_') + "=\n", "root hash"},
      {"root empty", "o\n1\n\n", "root hash"},
      {"empty extension at end", "o\n1\n" + root + "\next\n\n", "extension line"},
      {"origin empty", "\n1\n" + root + "\n", "origin is empty"},
      {"control character", "o\x01\n1\n" + root + "\n", "control character"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseCheckpoint(c.text),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << c.label;
  }
}

TEST(CheckpointTest, FormatRefusesLinesThatWouldNotParse) {
  Checkpoint checkpoint{"o", 1, merkle::EmptyRoot(), {}};
  checkpoint.extensions = {""};
  EXPECT_THAT(FormatCheckpoint(checkpoint),
              StatusIs(absl::StatusCode::kInvalidArgument, "extension line"));
  checkpoint.extensions = {"a\nb"};
  EXPECT_THAT(FormatCheckpoint(checkpoint),
              StatusIs(absl::StatusCode::kInvalidArgument, "control"));
  checkpoint.extensions = {};
  checkpoint.origin = "";
  EXPECT_THAT(FormatCheckpoint(checkpoint),
              StatusIs(absl::StatusCode::kInvalidArgument, "origin"));
  checkpoint.origin = "o\xFF";
  EXPECT_THAT(FormatCheckpoint(checkpoint),
              StatusIs(absl::StatusCode::kInvalidArgument, "UTF-8"));
}

TEST(CheckpointTest, SignsOnlyWithTheOriginsLogKey) {
  ASSERT_OK_AND_ASSIGN(GeneratedKey log, GenerateKey("log.example/a", SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(GeneratedKey witness,
                       GenerateKey("log.example/a", SignatureType::kCosignatureV1));
  ASSERT_OK_AND_ASSIGN(auto log_signer, NewSigner(log.signer_key));
  ASSERT_OK_AND_ASSIGN(auto witness_signer, NewSigner(witness.signer_key));
  Checkpoint checkpoint{"log.example/b", 1, merkle::HashLeaf("a"), {}};
  EXPECT_THAT(SignCheckpoint(checkpoint, *log_signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "differs from origin"));
  checkpoint.origin = "log.example/a";
  EXPECT_THAT(SignCheckpoint(checkpoint, *witness_signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "cosigner"));
  ASSERT_OK_AND_ASSIGN(std::string signed_note,
                       SignCheckpoint(checkpoint, *log_signer));
  VerifierSet keys;
  ASSERT_OK_AND_ASSIGN(auto verifier, NewVerifier(log.verifier_key));
  ASSERT_OK(keys.Add(std::move(verifier)));
  ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint opened,
                       OpenCheckpoint(signed_note, "log.example/a", keys));
  EXPECT_EQ(opened.checkpoint, checkpoint);
  EXPECT_THAT(OpenCheckpoint(signed_note, "log.example/b", keys),
              StatusIs(absl::StatusCode::kInvalidArgument, "expected"));
}

}  // namespace
}  // namespace vitrine::note
