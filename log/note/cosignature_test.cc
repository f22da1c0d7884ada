#include "log/note/cosignature.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::HexToBytes;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

std::string Str(const nlohmann::json& value) { return value.get<std::string>(); }

class CosignatureVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = ReadVectorJson("cosignatures.json");
    const nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
    origin_ = Str(checkpoints["origin"]);
    const nlohmann::json& witness = vectors_["witness_key"];
    timestamp_ = vectors_["timestamp"].get<uint64_t>();
    ASSERT_OK_AND_ASSIGN(auto log_verifier, NewVerifier(Str(vectors_["log_vkey"])));
    ASSERT_OK(log_keys_.Add(std::move(log_verifier)));
    ASSERT_OK_AND_ASSIGN(auto witness_verifier, NewVerifier(Str(witness["vkey"])));
    ASSERT_OK(witnesses_.Add(std::move(witness_verifier)));
    ASSERT_OK_AND_ASSIGN(log_signer_,
                         NewSigner(Str(checkpoints["log_key"]["xmod_private_key"])));
    ASSERT_OK_AND_ASSIGN(
        std::string skey,
        FormatSignerKey(Str(witness["name"]), SignatureType::kCosignatureV1,
                        HexToBytes(Str(witness["seed_hex"]))));
    const uint64_t t = timestamp_;
    ASSERT_OK_AND_ASSIGN(cosigner_, NewSigner(skey, [t] { return t; }));
  }

  nlohmann::json vectors_;
  std::string origin_;
  uint64_t timestamp_ = 0;
  VerifierSet log_keys_;
  VerifierSet witnesses_;
  std::unique_ptr<Signer> log_signer_;
  std::unique_ptr<Signer> cosigner_;
};

TEST_F(CosignatureVectorsTest, ValidCosignaturesVerifyAndReproduce) {
  ASSERT_FALSE(vectors_["valid"].empty());
  for (const auto& valid : vectors_["valid"]) {
    const std::string label = Str(valid["label"]);
    const std::string cosigned = Str(valid["cosigned_note"]);
    ASSERT_OK_AND_ASSIGN(
        CosignedCheckpoint opened,
        OpenCosignedCheckpoint(cosigned, origin_, log_keys_, witnesses_, 1));
    ASSERT_EQ(opened.cosignatures.size(), 1u) << label;
    EXPECT_EQ(opened.cosignatures[0].name, Str(vectors_["witness_key"]["name"]));
    EXPECT_EQ(opened.cosignatures[0].timestamp, valid["timestamp"].get<uint64_t>());
    EXPECT_EQ(opened.checkpoint.checkpoint.size, valid["size"].get<uint64_t>());

    ASSERT_OK_AND_ASSIGN(Signature line,
                         Cosign(opened.checkpoint.checkpoint, *cosigner_));
    EXPECT_EQ(FormatSignatureLine(line), Str(valid["cosignature_line"])) << label;
    EXPECT_EQ(absl::StrCat(HexToBytes(Str(vectors_["witness_key"]["key_id_hex"])),
                           line.bytes),
              vitrine::testing::Base64ToBytes(Str(valid["signature_b64"])))
        << label;
    EXPECT_EQ(line.bytes, HexToBytes(Str(valid["timestamped_signature_hex"])));
    // The log signs, then the witness cosigns: the vector's exact bytes.
    ASSERT_OK_AND_ASSIGN(std::string signed_note,
                         SignNote(Str(valid["checkpoint_body"]), *log_signer_));
    ASSERT_OK_AND_ASSIGN(std::string produced,
                         AddCosignature(signed_note, *cosigner_));
    EXPECT_EQ(produced, cosigned) << label;
  }
}

TEST_F(CosignatureVectorsTest, InvalidCosignaturesAreRejected) {
  ASSERT_FALSE(vectors_["invalid"].empty());
  const std::string witness_name = Str(vectors_["witness_key"]["name"]);
  const uint32_t witness_key_id = static_cast<uint32_t>(
      std::stoul(Str(vectors_["witness_key"]["key_id_hex"]), nullptr, 16));
  for (const auto& invalid : vectors_["invalid"]) {
    const std::string label = Str(invalid["label"]);
    const std::string note = Str(invalid["note"]);
    // The log signature is still valid.
    ASSERT_OK_AND_ASSIGN(VerifiedCheckpoint checkpoint,
                         OpenCheckpoint(note, origin_, log_keys_));
    absl::StatusOr<std::vector<Cosignature>> cosignatures =
        VerifyCosignatures(checkpoint, witnesses_);
    absl::Status quorum =
        OpenCosignedCheckpoint(note, origin_, log_keys_, witnesses_, 1).status();
    bool names_witness_key = false;
    for (const Signature& line : checkpoint.note.note.signatures) {
      names_witness_key |=
          line.name == witness_name && line.key_id == witness_key_id;
    }
    if (!names_witness_key) {
      // Another key ID is another key (e.g. one computed with the wrong
      // signature type): ignored, so no cosignature at all.
      ASSERT_OK(cosignatures);
      EXPECT_TRUE(cosignatures->empty());
      EXPECT_THAT(quorum, StatusIs(absl::StatusCode::kFailedPrecondition,
                                   "from 0 of the 1"));
    } else {
      EXPECT_THAT(cosignatures,
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           "cosignature by witness " + witness_name))
          << label;
      EXPECT_THAT(quorum, StatusIs(absl::StatusCode::kInvalidArgument,
                                   "does not verify"))
          << label;
    }
  }
}

TEST_F(CosignatureVectorsTest, LogKeysAreNotWitnesses) {
  // A type 0x01 key in the witness set does not turn log signatures into
  // cosignatures.
  ASSERT_OK_AND_ASSIGN(auto log_verifier, NewVerifier(Str(vectors_["log_vkey"])));
  VerifierSet wrong;
  ASSERT_OK(wrong.Add(std::move(log_verifier)));
  const std::string note = Str(vectors_["valid"][0]["cosigned_note"]);
  EXPECT_THAT(OpenCosignedCheckpoint(note, origin_, log_keys_, wrong, 1),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(AddCosignature(note, *log_signer_),
              StatusIs(absl::StatusCode::kInvalidArgument, "not a cosignature/v1"));
}

class QuorumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(GeneratedKey log,
                         GenerateKey("log.example/q", SignatureType::kEd25519));
    ASSERT_OK_AND_ASSIGN(auto log_signer, NewSigner(log.signer_key));
    ASSERT_OK_AND_ASSIGN(auto log_verifier, NewVerifier(log.verifier_key));
    ASSERT_OK(log_keys_.Add(std::move(log_verifier)));
    ASSERT_OK_AND_ASSIGN(
        note_, SignCheckpoint({"log.example/q", 9, merkle::HashLeaf("q"), {}},
                              *log_signer));
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(
          GeneratedKey key,
          GenerateKey(absl::StrCat("w", i, ".example/w"),
                      SignatureType::kCosignatureV1));
      ASSERT_OK_AND_ASSIGN(auto signer,
                           NewSigner(key.signer_key, [i] { return 100 + i; }));
      witness_signers_.push_back(std::move(signer));
      ASSERT_OK_AND_ASSIGN(auto verifier, NewVerifier(key.verifier_key));
      ASSERT_OK(witnesses_.Add(std::move(verifier)));
    }
  }

  absl::StatusOr<CosignedCheckpoint> Open(const std::string& note, size_t k) {
    return OpenCosignedCheckpoint(note, "log.example/q", log_keys_, witnesses_, k);
  }

  VerifierSet log_keys_;
  VerifierSet witnesses_;
  std::vector<std::unique_ptr<Signer>> witness_signers_;
  std::string note_;
};

TEST_F(QuorumTest, CountsDistinctWitnessesAgainstKOfN) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       AddCosignature(note_, *witness_signers_[0]));
  ASSERT_OK_AND_ASSIGN(cosigned, AddCosignature(cosigned, *witness_signers_[2]));
  ASSERT_OK_AND_ASSIGN(CosignedCheckpoint two, Open(cosigned, 2));
  ASSERT_EQ(two.cosignatures.size(), 2u);
  EXPECT_EQ(two.cosignatures[0].name, "w0.example/w");
  EXPECT_EQ(two.cosignatures[0].timestamp, 100u);
  EXPECT_EQ(two.cosignatures[1].name, "w2.example/w");
  EXPECT_EQ(two.cosignatures[1].timestamp, 102u);
  EXPECT_OK(Open(cosigned, 0));
  EXPECT_THAT(Open(cosigned, 3), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          "from 2 of the 3"));
  EXPECT_THAT(Open(cosigned, 4), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "cannot be met"));
  EXPECT_THAT(Open(note_, 1), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(QuorumTest, AWitnessCountsOnce) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       AddCosignature(note_, *witness_signers_[1]));
  // The same witness's line twice: both valid, one vote.
  ASSERT_OK_AND_ASSIGN(Note parsed, ParseNote(cosigned));
  parsed.signatures.push_back(parsed.signatures.back());
  ASSERT_OK_AND_ASSIGN(CosignedCheckpoint opened, Open(FormatNote(parsed), 1));
  EXPECT_EQ(opened.cosignatures.size(), 1u);
  EXPECT_THAT(Open(FormatNote(parsed), 2),
              StatusIs(absl::StatusCode::kFailedPrecondition, "from 1 of the 2"));

  // A second key under the same witness name does not add a vote either.
  ASSERT_OK_AND_ASSIGN(GeneratedKey second,
                       GenerateKey("w1.example/w", SignatureType::kCosignatureV1));
  ASSERT_OK_AND_ASSIGN(auto second_signer, NewSigner(second.signer_key));
  ASSERT_OK_AND_ASSIGN(auto second_verifier, NewVerifier(second.verifier_key));
  ASSERT_OK(witnesses_.Add(std::move(second_verifier)));
  ASSERT_OK_AND_ASSIGN(cosigned, AddCosignature(cosigned, *second_signer));
  ASSERT_OK_AND_ASSIGN(opened, Open(cosigned, 1));
  EXPECT_EQ(opened.cosignatures.size(), 1u);
}

TEST_F(QuorumTest, OneBadCosignatureFailsClearly) {
  ASSERT_OK_AND_ASSIGN(std::string cosigned,
                       AddCosignature(note_, *witness_signers_[0]));
  ASSERT_OK_AND_ASSIGN(cosigned, AddCosignature(cosigned, *witness_signers_[1]));
  ASSERT_OK_AND_ASSIGN(Note parsed, ParseNote(cosigned));
  parsed.signatures[2].bytes[20] ^= 1;
  EXPECT_THAT(Open(FormatNote(parsed), 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "cosignature by witness w1.example/w"));
}

TEST_F(QuorumTest, CosignsOnlyCheckpoints) {
  ASSERT_OK_AND_ASSIGN(GeneratedKey other,
                       GenerateKey("x.example/x", SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(auto signer, NewSigner(other.signer_key));
  ASSERT_OK_AND_ASSIGN(std::string not_a_checkpoint, SignNote("hello\n", *signer));
  EXPECT_THAT(AddCosignature(not_a_checkpoint, *witness_signers_[0]),
              StatusIs(absl::StatusCode::kInvalidArgument, "lines"));
  EXPECT_THAT(Cosign({"log.example/q", 1, merkle::HashLeaf("a"), {}}, *signer),
              StatusIs(absl::StatusCode::kInvalidArgument, "type 0x04"));
}

}  // namespace
}  // namespace vitrine::note
