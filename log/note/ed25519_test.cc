#include "log/note/ed25519.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_format.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"

namespace vitrine::note {
namespace {

using ::vitrine::testing::Base64ToBytes;
using ::vitrine::testing::HexToBytes;
using ::vitrine::testing::ReadVectorJson;
using ::vitrine::testing::StatusIs;

std::string Str(const nlohmann::json& value) { return value.get<std::string>(); }

std::string KeyIdHex(uint32_t key_id) { return absl::StrFormat("%08x", key_id); }

TEST(Ed25519Test, PublicKeysAndKeyIdsMatchVectors) {
  nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
  for (const char* which : {"log_key", "wrong_key_same_name", "other_key"}) {
    const nlohmann::json& key = checkpoints[which];
    ASSERT_OK_AND_ASSIGN(std::string public_key,
                         Ed25519PublicKey(HexToBytes(Str(key["seed_hex"]))));
    EXPECT_EQ(public_key, HexToBytes(Str(key["public_key_hex"]))) << which;
    EXPECT_EQ(KeyIdHex(ComputeKeyId(Str(key["name"]), SignatureType::kEd25519,
                                    public_key)),
              Str(key["key_id_hex"]))
        << which;
  }
  const nlohmann::json witness =
      ReadVectorJson("cosignatures.json")["witness_key"];
  ASSERT_OK_AND_ASSIGN(std::string public_key,
                       Ed25519PublicKey(HexToBytes(Str(witness["seed_hex"]))));
  EXPECT_EQ(public_key, HexToBytes(Str(witness["public_key_hex"])));
  EXPECT_EQ(KeyIdHex(ComputeKeyId(Str(witness["name"]),
                                  SignatureType::kCosignatureV1, public_key)),
            Str(witness["key_id_hex"]));
}

TEST(Ed25519Test, SignaturesMatchVectorsByteForByte) {
  nlohmann::json vectors = ReadVectorJson("checkpoints.json");
  const nlohmann::json& key = vectors["log_key"];
  ASSERT_OK_AND_ASSIGN(
      auto signer,
      NewEd25519Signer(Str(key["name"]), HexToBytes(Str(key["seed_hex"]))));
  ASSERT_OK_AND_ASSIGN(auto verifier,
                       NewEd25519Verifier(Str(key["name"]),
                                          HexToBytes(Str(key["public_key_hex"]))));
  EXPECT_EQ(KeyIdHex(signer->KeyId()), Str(key["key_id_hex"]));
  EXPECT_EQ(signer->KeyId(), verifier->KeyId());
  EXPECT_EQ(signer->Type(), SignatureType::kEd25519);
  ASSERT_FALSE(vectors["valid"].empty());
  for (const auto& valid : vectors["valid"]) {
    const std::string body = Str(valid["body"]);
    ASSERT_OK_AND_ASSIGN(std::string sig, signer->Sign(body));
    // The vector's signature is key ID || Ed25519 signature.
    EXPECT_EQ(sig, Base64ToBytes(Str(valid["signature_b64"])).substr(4));
    EXPECT_TRUE(verifier->Verify(body, sig));
    EXPECT_FALSE(verifier->Verify(body + "x", sig));
    std::string flipped = sig;
    flipped[10] ^= 1;
    EXPECT_FALSE(verifier->Verify(body, flipped));
    EXPECT_FALSE(verifier->Verify(body, sig.substr(0, 63)));
    EXPECT_FALSE(verifier->Verify(body, sig + "x"));
  }
}

TEST(Ed25519Test, CosignaturesMatchVectorsByteForByte) {
  nlohmann::json vectors = ReadVectorJson("cosignatures.json");
  const nlohmann::json& key = vectors["witness_key"];
  const uint64_t timestamp = vectors["timestamp"].get<uint64_t>();
  ASSERT_OK_AND_ASSIGN(
      auto signer,
      NewCosignatureV1Signer(Str(key["name"]), HexToBytes(Str(key["seed_hex"])),
                             [timestamp] { return timestamp; }));
  ASSERT_OK_AND_ASSIGN(
      auto verifier,
      NewCosignatureV1Verifier(Str(key["name"]),
                               HexToBytes(Str(key["public_key_hex"]))));
  EXPECT_EQ(signer->Type(), SignatureType::kCosignatureV1);
  EXPECT_EQ(KeyIdHex(verifier->KeyId()), Str(key["key_id_hex"]));
  ASSERT_GT(vectors["valid"].size(), 0u);
  for (const auto& valid : vectors["valid"]) {
    const std::string body = Str(valid["checkpoint_body"]);
    EXPECT_EQ(CosignatureV1Message(valid["timestamp"].get<uint64_t>(), body),
              Str(valid["signed_message"]));
    ASSERT_OK_AND_ASSIGN(std::string sig, signer->Sign(body));
    EXPECT_EQ(sig, HexToBytes(Str(valid["timestamped_signature_hex"])))
        << valid["label"];
    EXPECT_TRUE(verifier->Verify(body, sig));
    EXPECT_FALSE(verifier->Verify(body, sig.substr(8)));  // No timestamp.
    std::string later = sig;
    later[7] ^= 1;  // The timestamp is signed too.
    EXPECT_FALSE(verifier->Verify(body, later));
  }
}

// A key held elsewhere (an HSM) signs through NewEd25519FunctionSigner: the
// framing is the file signer's, so the bytes are the vectors' for both types.
TEST(Ed25519Test, FunctionSignerMatchesVectorsForBothTypes) {
  nlohmann::json vectors = ReadVectorJson("cosignatures.json");
  const nlohmann::json& key = vectors["witness_key"];
  const uint64_t timestamp = vectors["timestamp"].get<uint64_t>();
  // The raw Ed25519 operation: a type 0x01 signer of the same seed.
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Signer> raw,
                       NewEd25519Signer(Str(key["name"]),
                                        HexToBytes(Str(key["seed_hex"]))));
  int calls = 0;
  Ed25519SignFunction sign = [raw, &calls](absl::string_view message) {
    ++calls;
    return raw->Sign(message);
  };
  const std::string public_key = HexToBytes(Str(key["public_key_hex"]));
  ASSERT_OK_AND_ASSIGN(
      auto cosigner,
      NewEd25519FunctionSigner(Str(key["name"]), public_key,
                               SignatureType::kCosignatureV1, sign,
                               [timestamp] { return timestamp; }));
  EXPECT_EQ(KeyIdHex(cosigner->KeyId()), Str(key["key_id_hex"]));
  EXPECT_EQ(cosigner->Type(), SignatureType::kCosignatureV1);
  ASSERT_GT(vectors["valid"].size(), 0u);
  for (const auto& valid : vectors["valid"]) {
    ASSERT_OK_AND_ASSIGN(std::string sig,
                         cosigner->Sign(Str(valid["checkpoint_body"])));
    EXPECT_EQ(sig, HexToBytes(Str(valid["timestamped_signature_hex"])))
        << valid["label"];
  }
  EXPECT_EQ(calls, static_cast<int>(vectors["valid"].size()));

  nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
  const nlohmann::json& log_key = checkpoints["log_key"];
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Signer> log_raw,
                       NewEd25519Signer(Str(log_key["name"]),
                                        HexToBytes(Str(log_key["seed_hex"]))));
  ASSERT_OK_AND_ASSIGN(
      auto log_signer,
      NewEd25519FunctionSigner(
          Str(log_key["name"]), HexToBytes(Str(log_key["public_key_hex"])),
          SignatureType::kEd25519,
          [log_raw](absl::string_view m) { return log_raw->Sign(m); }));
  EXPECT_EQ(KeyIdHex(log_signer->KeyId()), Str(log_key["key_id_hex"]));
  ASSERT_GT(checkpoints["valid"].size(), 0u);
  for (const auto& valid : checkpoints["valid"]) {
    ASSERT_OK_AND_ASSIGN(std::string sig, log_signer->Sign(Str(valid["body"])));
    // signature_b64 is key ID || signature.
    EXPECT_EQ(sig, Base64ToBytes(Str(valid["signature_b64"])).substr(4))
        << valid["label"];
  }
}

TEST(Ed25519Test, FunctionSignerPassesErrorsAndChecksLengths) {
  ASSERT_OK_AND_ASSIGN(std::string public_key,
                       Ed25519PublicKey(std::string(32, '\x07')));
  ASSERT_OK_AND_ASSIGN(
      auto failing,
      NewEd25519FunctionSigner("example.com/hsm", public_key,
                               SignatureType::kCosignatureV1,
                               [](absl::string_view) {
                                 return absl::StatusOr<std::string>(
                                     absl::UnavailableError("token removed"));
                               },
                               [] { return uint64_t{1}; }));
  EXPECT_THAT(failing->Sign("text\n"),
              StatusIs(absl::StatusCode::kUnavailable, "token removed"));
  ASSERT_OK_AND_ASSIGN(
      auto short_sig,
      NewEd25519FunctionSigner("example.com/hsm", public_key,
                               SignatureType::kEd25519,
                               [](absl::string_view) {
                                 return absl::StatusOr<std::string>(
                                     std::string(63, 'x'));
                               }));
  EXPECT_THAT(short_sig->Sign("text\n"),
              StatusIs(absl::StatusCode::kInternal,
                       "the Ed25519 signing operation of key example.com/hsm "
                       "returned 63 bytes (want 64)"));
  auto any = [](absl::string_view) {
    return absl::StatusOr<std::string>(std::string(64, 'x'));
  };
  EXPECT_THAT(NewEd25519FunctionSigner("example.com/hsm", public_key,
                                       SignatureType::kCosignatureV1, any,
                                       nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a cosigner needs a clock"));
  EXPECT_THAT(NewEd25519FunctionSigner("example.com/hsm", public_key,
                                       SignatureType::kEd25519, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "a signer needs a signing function"));
  EXPECT_THAT(NewEd25519FunctionSigner("example.com/hsm", std::string(31, 'k'),
                                       SignatureType::kEd25519, any)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(NewEd25519FunctionSigner("bad name", public_key,
                                       SignatureType::kEd25519, any)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
}

TEST(Ed25519Test, CosignerRefusesTimestampsAbove2To63) {
  const std::string seed(kEd25519SeedSize, '\x07');
  ASSERT_OK_AND_ASSIGN(auto signer,
                       NewCosignatureV1Signer("w.example/w", seed, [] {
                         return uint64_t{1} << 63;
                       }));
  EXPECT_THAT(signer->Sign("a\n"), StatusIs(absl::StatusCode::kOutOfRange));
  ASSERT_OK_AND_ASSIGN(auto max_signer,
                       NewCosignatureV1Signer("w.example/w", seed, [] {
                         return uint64_t{std::numeric_limits<int64_t>::max()};
                       }));
  EXPECT_OK(max_signer->Sign("a\n"));
  EXPECT_THAT(NewCosignatureV1Signer("w.example/w", seed, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "clock"));
}

TEST(Ed25519Test, SignerAndVerifierTypesDoNotMix) {
  const std::string seed(kEd25519SeedSize, '\x01');
  ASSERT_OK_AND_ASSIGN(std::string public_key, Ed25519PublicKey(seed));
  ASSERT_OK_AND_ASSIGN(auto plain, NewEd25519Signer("k.example/k", seed));
  ASSERT_OK_AND_ASSIGN(auto cosigner, NewCosignatureV1Signer(
                                          "k.example/k", seed, [] { return 5; }));
  EXPECT_NE(plain->KeyId(), cosigner->KeyId());
  ASSERT_OK_AND_ASSIGN(auto cosig_verifier,
                       NewCosignatureV1Verifier("k.example/k", public_key));
  ASSERT_OK_AND_ASSIGN(std::string plain_sig, plain->Sign("a\n"));
  EXPECT_FALSE(cosig_verifier->Verify("a\n", plain_sig));
}

TEST(Ed25519Test, RejectsWrongLengths) {
  EXPECT_THAT(NewEd25519Signer("a", std::string(31, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "seed is 32 bytes"));
  EXPECT_THAT(NewEd25519Verifier("a", std::string(33, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "public key is 32"));
  EXPECT_THAT(Ed25519PublicKey(""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ed25519Test, GeneratesDistinctSeeds) {
  ASSERT_OK_AND_ASSIGN(std::string a, GenerateEd25519Seed());
  ASSERT_OK_AND_ASSIGN(std::string b, GenerateEd25519Seed());
  EXPECT_EQ(a.size(), kEd25519SeedSize);
  EXPECT_NE(a, b);
}

struct NameCase {
  const char* label;
  std::string name;
  const char* error;  // nullptr: valid.
};

TEST(Ed25519Test, ValidatesKeyNames) {
  const NameCase cases[] = {
      {"url", "example.com/vitrine/test", nullptr},
      {"unicode", "caf\xC3\xA9.example/\xE2\x98\x83", nullptr},
      {"empty", "", "empty key name"},
      {"plus", "a+b", "'+' at byte 1"},
      {"space", "a b", "space at byte 1"},
      {"tab", "a\tb", "space at byte 1"},
      {"newline", "a\n", "space at byte 1"},
      {"nbsp", "a\xC2\xA0", "space at byte 1"},
      {"ideographic space", "a\xE3\x80\x80", "space at byte 1"},
      {"line separator", "a\xE2\x80\xA8", "space at byte 1"},
      {"nul", std::string("a\0b", 3), "control character at byte 1"},
      {"del", "a\x7F", "control character at byte 1"},
      {"c1", "a\xC2\x9F", "control character at byte 1"},
      {"bad utf8", "a\xFF", "not valid UTF-8 at byte 1"},
      {"overlong", "\xC0\xAF", "not valid UTF-8 at byte 0"},
      {"surrogate", "\xED\xA0\x80", "not valid UTF-8 at byte 0"},
      {"truncated", "ab\xE2\x80", "not valid UTF-8 at byte 2"},
  };
  for (const NameCase& c : cases) {
    if (c.error == nullptr) {
      EXPECT_OK(ValidateKeyName(c.name)) << c.label;
    } else {
      EXPECT_THAT(ValidateKeyName(c.name),
                  StatusIs(absl::StatusCode::kInvalidArgument, c.error))
          << c.label;
    }
  }
  EXPECT_THAT(NewEd25519Signer("a b", std::string(32, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, "space"));
}

}  // namespace
}  // namespace vitrine::note
