#include "log/note/keys.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// The three '+'-separated fields of a vkey from the vectors.
struct Fields {
  std::string name, id, b64;
};
Fields Split(const std::string& vkey) {
  std::vector<std::string> parts = absl::StrSplit(vkey, absl::MaxSplits('+', 2));
  return {parts.at(0), parts.at(1), parts.at(2)};
}

TEST(KeysTest, ParsesAndFormatsVectorVerifierKeys) {
  nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
  nlohmann::json witness = ReadVectorJson("cosignatures.json")["witness_key"];
  struct Case {
    nlohmann::json key;
    SignatureType type;
  };
  for (const Case& c : {Case{checkpoints["log_key"], SignatureType::kEd25519},
                        Case{checkpoints["other_key"], SignatureType::kEd25519},
                        Case{witness, SignatureType::kCosignatureV1}}) {
    const std::string vkey = Str(c.key["vkey"]);
    ASSERT_OK_AND_ASSIGN(VerifierKey parsed, ParseVerifierKey(vkey));
    EXPECT_EQ(parsed.name, Str(c.key["name"]));
    EXPECT_EQ(parsed.type, c.type);
    EXPECT_EQ(parsed.public_key, HexToBytes(Str(c.key["public_key_hex"])));
    EXPECT_EQ(parsed.key_id, std::stoul(Str(c.key["key_id_hex"]), nullptr, 16));
    ASSERT_OK_AND_ASSIGN(std::string formatted,
                         FormatVerifierKey(parsed.name, c.type, parsed.public_key));
    EXPECT_EQ(formatted, vkey);
    ASSERT_OK_AND_ASSIGN(auto verifier, NewVerifier(vkey));
    EXPECT_EQ(verifier->Name(), parsed.name);
    EXPECT_EQ(verifier->KeyId(), parsed.key_id);
    EXPECT_EQ(verifier->Type(), c.type);
  }
  // The signed-note specification's own example key.
  EXPECT_OK(ParseVerifierKey(Str(checkpoints["spec_example"]["vkey"])));
}

TEST(KeysTest, SignerKeysMatchVectorsAndSignLikeThem) {
  nlohmann::json vectors = ReadVectorJson("checkpoints.json");
  const nlohmann::json& key = vectors["log_key"];
  const std::string skey = Str(key["xmod_private_key"]);
  ASSERT_OK_AND_ASSIGN(std::string formatted,
                       FormatSignerKey(Str(key["name"]), SignatureType::kEd25519,
                                       HexToBytes(Str(key["seed_hex"]))));
  EXPECT_EQ(formatted, skey);
  ASSERT_OK_AND_ASSIGN(std::string vkey, VerifierKeyOf(skey));
  EXPECT_EQ(vkey, Str(key["vkey"]));
  ASSERT_OK_AND_ASSIGN(auto signer, NewSigner(skey));
  const nlohmann::json& valid = vectors["valid"][0];
  ASSERT_OK_AND_ASSIGN(std::string sig, signer->Sign(Str(valid["body"])));
  EXPECT_EQ(sig, Base64ToBytes(Str(valid["signature_b64"])).substr(4));
}

TEST(KeysTest, WitnessSignerKeyCosignsLikeVectors) {
  nlohmann::json vectors = ReadVectorJson("cosignatures.json");
  const nlohmann::json& key = vectors["witness_key"];
  ASSERT_OK_AND_ASSIGN(
      std::string skey,
      FormatSignerKey(Str(key["name"]), SignatureType::kCosignatureV1,
                      HexToBytes(Str(key["seed_hex"]))));
  ASSERT_OK_AND_ASSIGN(std::string vkey, VerifierKeyOf(skey));
  EXPECT_EQ(vkey, Str(key["vkey"]));
  const uint64_t timestamp = vectors["timestamp"].get<uint64_t>();
  ASSERT_OK_AND_ASSIGN(auto signer,
                       NewSigner(skey, [timestamp] { return timestamp; }));
  EXPECT_EQ(signer->Type(), SignatureType::kCosignatureV1);
  const nlohmann::json& valid = vectors["valid"][0];
  ASSERT_OK_AND_ASSIGN(std::string sig,
                       signer->Sign(Str(valid["checkpoint_body"])));
  EXPECT_EQ(sig, HexToBytes(Str(valid["timestamped_signature_hex"])));
}

TEST(KeysTest, GeneratedKeysWorkTogether) {
  for (SignatureType type :
       {SignatureType::kEd25519, SignatureType::kCosignatureV1}) {
    ASSERT_OK_AND_ASSIGN(GeneratedKey key, GenerateKey("gen.example/k", type));
    EXPECT_EQ(key.signer_key.rfind("PRIVATE+KEY+gen.example/k+", 0), 0u);
    ASSERT_OK_AND_ASSIGN(std::string vkey, VerifierKeyOf(key.signer_key));
    EXPECT_EQ(vkey, key.verifier_key);
    ASSERT_OK_AND_ASSIGN(auto signer, NewSigner(key.signer_key));
    ASSERT_OK_AND_ASSIGN(auto verifier, NewVerifier(key.verifier_key));
    EXPECT_EQ(signer->KeyId(), verifier->KeyId());
    ASSERT_OK_AND_ASSIGN(std::string sig, signer->Sign("hello\n"));
    EXPECT_TRUE(verifier->Verify("hello\n", sig));
  }
  EXPECT_THAT(GenerateKey("bad name", SignatureType::kEd25519),
              StatusIs(absl::StatusCode::kInvalidArgument, "space"));
}

std::string WithKeyBytes(const Fields& f, const std::string& raw) {
  return absl::StrCat(f.name, "+", f.id, "+", absl::Base64Escape(raw));
}

TEST(KeysTest, RejectsMalformedVerifierKeys) {
  nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
  const std::string vkey = Str(checkpoints["log_key"]["vkey"]);
  const std::string witness_vkey =
      Str(ReadVectorJson("cosignatures.json")["witness_key"]["vkey"]);
  const Fields f = Split(vkey);
  const std::string raw = Base64ToBytes(f.b64);  // 0x01 || public key
  std::string upper_id = f.id;
  for (char& c : upper_id) c = static_cast<char>(toupper(c));
  Fields w = Split(witness_vkey);
  std::string witness_as_type1 = Base64ToBytes(w.b64);
  witness_as_type1[0] = 0x01;

  struct Case {
    const char* label;
    std::string vkey;
    const char* error;
  };
  const Case cases[] = {
      {"no plus", f.name, "not name+keyid+key"},
      {"one plus", absl::StrCat(f.name, "+", f.id), "not name+keyid+key"},
      {"empty name", absl::StrCat("+", f.id, "+", f.b64), "empty key name"},
      {"space in name", absl::StrCat("a b+", f.id, "+", f.b64), "space"},
      {"control in name", absl::StrCat("a\x01+", f.id, "+", f.b64),
       "control character"},
      {"upper-case key ID", absl::StrCat(f.name, "+", upper_id, "+", f.b64),
       "8 lowercase hex"},
      {"short key ID", absl::StrCat(f.name, "+", f.id.substr(1), "+", f.b64),
       "8 lowercase hex"},
      {"wrong key ID", absl::StrCat(f.name, "+00000000+", f.b64), "wrong key ID"},
      {"other name", absl::StrCat(f.name, "x+", f.id, "+", f.b64), "wrong key ID"},
      {"unpadded base64",
       absl::StrCat(f.name, "+", f.id, "+", f.b64.substr(0, f.b64.size() - 1)),
       "canonical padded base64"},
      {"bad base64 character",
       absl::StrCat(f.name, "+", f.id, "+!", f.b64.substr(1)),
       "canonical padded base64"},
      {"empty key", absl::StrCat(f.name, "+", f.id, "+"), "empty key"},
      {"unknown type", WithKeyBytes(f, absl::StrCat("\x02", raw.substr(1))),
       "unsupported key type 0x02"},
      {"short key", WithKeyBytes(f, raw.substr(0, 32)), "wrong key length 31"},
      {"long key", WithKeyBytes(f, raw + "x"), "wrong key length 33"},
      {"witness key id with type 0x01", WithKeyBytes(w, witness_as_type1),
       "wrong key ID"},
      {"signer key", Str(checkpoints["log_key"]["xmod_private_key"]),
       "not 8 lowercase hex"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseVerifierKey(c.vkey),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << c.label;
    EXPECT_THAT(NewVerifier(c.vkey),
                StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << c.label;
  }
}

TEST(KeysTest, RejectsMalformedSignerKeysWithoutLeakingThem) {
  nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
  const std::string skey = Str(checkpoints["log_key"]["xmod_private_key"]);
  const std::string rest = skey.substr(std::string("PRIVATE+KEY+").size());
  const Fields f = Split(rest);
  std::string seed_raw = Base64ToBytes(f.b64);
  seed_raw[5] ^= 1;  // Another seed: the key ID no longer matches.
  struct Case {
    const char* label;
    std::string skey;
    const char* error;
  };
  const Case cases[] = {
      {"verifier key", Str(checkpoints["log_key"]["vkey"]), "PRIVATE+KEY+"},
      {"lower-case prefix", absl::StrCat("private+key+", rest), "PRIVATE+KEY+"},
      {"wrong key ID",
       absl::StrCat("PRIVATE+KEY+", f.name, "+", f.id, "+",
                    absl::Base64Escape(seed_raw)),
       "wrong key ID"},
      {"short seed",
       absl::StrCat("PRIVATE+KEY+", f.name, "+", f.id, "+",
                    absl::Base64Escape(seed_raw.substr(0, 20))),
       "wrong key length 19"},
      {"bad name", absl::StrCat("PRIVATE+KEY+a b+", f.id, "+", f.b64), "space"},
  };
  for (const Case& c : cases) {
    absl::Status status = NewSigner(c.skey).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, c.error))
        << c.label;
    EXPECT_EQ(std::string(status.message()).find(f.b64.substr(4, 20)),
              std::string::npos)
        << c.label << ": " << status;
  }
}

}  // namespace
}  // namespace vitrine::note
