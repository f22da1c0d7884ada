// The verification rule of log/note/ed25519.h, case by case: the 12 edge
// cases of "Taming the Many EdDSAs" (testdata/taming_eddsa/cases.json) and
// Vitrine's own (internal/ed25519_edge_cases.h), each decided by Vitrine
// (key check, then libsodium), by libsodium's raw verify, and, for the own
// cases, by OpenSSL's or BoringSSL's EVP: the permissive verifier whose
// acceptance shows that a case really satisfies the cofactorless equation.
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/note/ed25519.h"
#include "log/note/internal/ed25519_edge_cases.h"
#include "log/note/keys.h"
#include "nlohmann/json.hpp"

namespace vitrine::note {
namespace {

using internal::EdgeCase;
using internal::EdgeCaseName;
using internal::EdgeSignature;
using internal::MakeEdgeSignature;
using internal::SodiumVerifies;
using testing::HexToBytes;
using testing::StatusIs;

nlohmann::json ReadTamingCases() {
  const std::string path = absl::StrCat(
      std::getenv("TEST_SRCDIR"),
      "/vitrine/log/note/testdata/taming_eddsa/cases.json");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("cases")) {
    ADD_FAILURE() << "cannot read " << path;
    return nlohmann::json::array();
  }
  return parsed["cases"];
}

// Vitrine's verdict: "key refused", "signature refused" or "accepted".
std::string VitrineVerdict(const std::string& public_key,
                           const std::string& message,
                           const std::string& signature) {
  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      NewEd25519Verifier("example.com/edge", public_key);
  if (!verifier.ok()) return "key refused";
  return (*verifier)->Verify(message, signature) ? "accepted"
                                                 : "signature refused";
}

// One-shot EVP verification, as the OpenSSL 3.0 (or BoringSSL) that
// Vitrine no longer uses for Ed25519 would decide.
bool EvpVerifies(const std::string& public_key, const std::string& message,
                 const std::string& signature) {
  auto* pk = reinterpret_cast<const unsigned char*>(public_key.data());
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk, 32),
      EVP_PKEY_free);
  if (key == nullptr) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
      EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
      1) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size()) == 1;
}

TEST(Ed25519RuleTest, TamingTheManyEdDSAsCases) {
  const nlohmann::json cases = ReadTamingCases();
  ASSERT_FALSE(cases.empty());
  size_t accepted = 0;
  for (const nlohmann::json& c : cases) {
    SCOPED_TRACE(absl::StrCat("case ", c["index"].get<int>(), ": ",
                              c["condition"].get<std::string>()));
    const std::string message = HexToBytes(c["message"].get<std::string>());
    const std::string key = HexToBytes(c["public_key"].get<std::string>());
    const std::string sig = HexToBytes(c["signature"].get<std::string>());
    EXPECT_EQ(SodiumVerifies(key, message, sig), c["libsodium"].get<bool>());
    const std::string verdict = VitrineVerdict(key, message, sig);
    EXPECT_EQ(verdict, c["vitrine"].get<std::string>());
    if (verdict == "accepted") ++accepted;
  }
  // Every one of them is refused: the only case libsodium alone accepts
  // (mixed-order key and R) falls to the key check.
  EXPECT_EQ(accepted, 0u);
}

struct Expected {
  EdgeCase edge_case;
  const char* vitrine;
  bool libsodium;
  bool evp;  // OpenSSL 3.0 and BoringSSL alike
};

// What each library decides. The EVP column is the point of the cases: a
// permissive verifier accepts small-order R and weak keys, so the same
// note would be logged by one implementation and refused by another.
constexpr Expected kExpected[] = {
    {EdgeCase::kHonest, "accepted", true, true},
    {EdgeCase::kScalarPlusL, "signature refused", false, false},
    {EdgeCase::kScalarPlus8L, "signature refused", false, false},
    {EdgeCase::kSmallOrderR, "signature refused", false, true},
    {EdgeCase::kNonCanonicalR, "signature refused", false, false},
    {EdgeCase::kOtherMessage, "signature refused", false, false},
    {EdgeCase::kFlippedBit, "signature refused", false, false},
    {EdgeCase::kIdentityKey, "key refused", false, true},
    {EdgeCase::kSmallOrderKey, "key refused", false, true},
    {EdgeCase::kMixedOrderKey, "key refused", true, true},
    {EdgeCase::kNonCanonicalKey, "key refused", false, true},
    {EdgeCase::kOffCurveKey, "key refused", false, false},
};

TEST(Ed25519RuleTest, OwnEdgeCasesOnManyMessages) {
  ASSERT_EQ(std::size(kExpected), internal::AllEdgeCases().size());
  const std::string seed(32, '\x42');
  for (const Expected& want : kExpected) {
    for (const std::string message :
         {std::string(), std::string("a checkpoint body\n"),
          std::string(300, 'm')}) {
      SCOPED_TRACE(absl::StrCat(EdgeCaseName(want.edge_case), " on ",
                                message.size(), " bytes"));
      const EdgeSignature edge =
          MakeEdgeSignature(want.edge_case, seed, message);
      ASSERT_EQ(edge.public_key.size(), 32u);
      ASSERT_EQ(edge.signature.size(), 64u);
      EXPECT_EQ(VitrineVerdict(edge.public_key, message, edge.signature),
                want.vitrine);
      EXPECT_EQ(SodiumVerifies(edge.public_key, message, edge.signature),
                want.libsodium);
      EXPECT_EQ(EvpVerifies(edge.public_key, message, edge.signature),
                want.evp);
    }
  }
}

TEST(Ed25519RuleTest, WeakKeysAreRefusedWhereKeysAreRead) {
  const std::string seed(32, '\x42');
  for (EdgeCase edge_case : internal::AllEdgeCases()) {
    if (internal::UsesSeedKey(edge_case)) continue;
    SCOPED_TRACE(EdgeCaseName(edge_case));
    const std::string key = MakeEdgeSignature(edge_case, seed, "m").public_key;
    EXPECT_THAT(ValidateEd25519PublicKey(key),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "not a valid Ed25519 public key"));
    EXPECT_FALSE(NewCosignatureV1Verifier("w.example", key).ok());
    for (SignatureType type :
         {SignatureType::kEd25519, SignatureType::kCosignatureV1}) {
      ASSERT_OK_AND_ASSIGN(std::string vkey,
                           FormatVerifierKey("example.com/weak", type, key));
      EXPECT_THAT(ParseVerifierKey(vkey),
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           "verifier key: not a valid Ed25519 public key"));
      EXPECT_FALSE(NewVerifier(vkey).ok());
    }
  }
  // Keys made from seeds are always accepted.
  for (char byte : {'\0', '\x42', '\xff'}) {
    ASSERT_OK_AND_ASSIGN(std::string key,
                         Ed25519PublicKey(std::string(32, byte)));
    EXPECT_OK(ValidateEd25519PublicKey(key));
  }
}

}  // namespace
}  // namespace vitrine::note
