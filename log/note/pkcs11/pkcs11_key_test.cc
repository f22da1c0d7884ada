// pkcs11_key.h against a real PKCS#11 module: SoftHSM 2, with tokens in the
// test's temporary folder (SOFTHSM2_CONF).
#include "log/note/pkcs11/pkcs11_key.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_matchers.h"
#include "common/test_data.h"
#include "gtest/gtest.h"
#include "log/note/ed25519.h"
#include "log/note/keys.h"
#include "log/note/pkcs11/internal/module.h"
#include "log/note/pkcs11/internal/softhsm_token.h"

// SoftHSM's OpenSSL leaks a few ASN.1 strings (111 bytes, from inside
// libsofthsm2's key handling); not this code's to fix.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libsofthsm2.so\nleak:libcrypto.so.3\n";
}

namespace vitrine::note::pkcs11 {
namespace {

using internal::kSoftHsmModule;
using ::vitrine::testing::Base64ToBytes;
using ::vitrine::testing::HexToBytes;
using ::vitrine::testing::ReadVectorJson;

constexpr char kPin[] = "1234";
constexpr char kSoPin[] = "5678";
// Tokens, one per concern, made before SoftHSM first loads (it reads its
// configuration then).
constexpr const char* kTokens[] = {"gen", "import", "types", "lock"};

std::string Str(const nlohmann::json& value) { return value.get<std::string>(); }

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

class SoftHsmEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
#if defined(VITRINE_TEST_ON_BORINGSSL)
    // SoftHSM links OpenSSL 3; loaded into a process on BoringSSL its
    // OpenSSL calls bind to BoringSSL's symbols and it crashes. Nothing
    // that signs with a token is built on BoringSSL (vitrine-log and
    // vitrine-monitor link gRPC, hence OpenSSL); pkcs11_fake_test runs.
    GTEST_SKIP() << "SoftHSM cannot be loaded into a BoringSSL process";
#endif
    const std::string dir = absl::StrCat(TempDir(), "/softhsm");
    ASSERT_OK(internal::ConfigureSoftHsm(dir));
    for (const char* token : kTokens) {
      ASSERT_OK(internal::InitToken(token, kPin, kSoPin));
    }
  }
};

const ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new SoftHsmEnvironment);

TokenKey Key(const std::string& token, const std::string& label,
             const std::string& id = "") {
  return TokenKey{kSoftHsmModule, token, label, id, kPin};
}

std::string StatusText(const absl::Status& status) { return status.ToString(); }

// Returns the value, or the error as text (which no expected value equals).
template <typename T>
std::string Got(const absl::StatusOr<T>& result) {
  if (!result.ok()) return absl::StrCat("error: ", result.status().ToString());
  if constexpr (std::is_same_v<T, bool>) return *result ? "true" : "false";
  else return *result;
}

TEST(Pkcs11KeyTest, GeneratesSignsAndVerifies) {
  const TokenKey key = Key("gen", "log-key", "0a1B");
  ASSERT_OK_AND_ASSIGN(std::string public_key, GenerateKeyPair(key));
  ASSERT_EQ(public_key.size(), 32u);
  ASSERT_OK(ValidateEd25519PublicKey(public_key));
  // Found again by label, by ID, by both.
  EXPECT_EQ(Got(PublicKey(key)), public_key);
  EXPECT_EQ(Got(PublicKey(Key("gen", "log-key"))), public_key);
  EXPECT_EQ(Got(PublicKey(Key("gen", "", "0a1b"))), public_key);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> signer,
                       OpenSigner(key, "example.com/log", SignatureType::kEd25519));
  EXPECT_EQ(signer->Name(), "example.com/log");
  EXPECT_EQ(signer->Type(), SignatureType::kEd25519);
  ASSERT_OK_AND_ASSIGN(std::string vkey,
                       FormatVerifierKey("example.com/log",
                                         SignatureType::kEd25519, public_key));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Verifier> verifier, NewVerifier(vkey));
  EXPECT_EQ(signer->KeyId(), verifier->KeyId());
  const std::string text = "example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
  ASSERT_OK_AND_ASSIGN(std::string signature, signer->Sign(text));
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(verifier->Verify(text, signature));
  EXPECT_FALSE(verifier->Verify(text + "x", signature));

  // A witness key made the same way cosigns.
  const TokenKey witness = Key("gen", "witness-key");
  ASSERT_OK_AND_ASSIGN(std::string witness_public, GenerateKeyPair(witness));
  EXPECT_NE(witness_public, public_key);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Signer> cosigner,
      OpenSigner(witness, "example.com/witness", SignatureType::kCosignatureV1,
                 [] { return uint64_t{1700000123}; }));
  ASSERT_OK_AND_ASSIGN(std::string witness_vkey,
                       FormatVerifierKey("example.com/witness",
                                         SignatureType::kCosignatureV1,
                                         witness_public));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Verifier> witness_verifier,
                       NewVerifier(witness_vkey));
  ASSERT_OK_AND_ASSIGN(std::string cosignature, cosigner->Sign(text));
  EXPECT_EQ(cosignature.substr(0, 8), std::string("\0\0\0\0\x65\x53\xf1\x7b", 8));
  EXPECT_TRUE(witness_verifier->Verify(text, cosignature));
}

TEST(Pkcs11KeyTest, GeneratedPrivateKeyIsSensitiveAndNotExtractable) {
  const TokenKey key = Key("gen", "protected-key", "77");
  ASSERT_OK(GenerateKeyPair(key).status());
  ASSERT_OK_AND_ASSIGN(internal::Module * module,
                       internal::Module::Load(kSoftHsmModule));
  ASSERT_OK_AND_ASSIGN(CK_SLOT_ID slot, internal::FindToken(*module, "gen"));
  ASSERT_OK_AND_ASSIGN(internal::Session session,
                       internal::OpenUserSession(*module, slot, "gen", kPin, false));
  ASSERT_OK_AND_ASSIGN(
      std::vector<CK_OBJECT_HANDLE> privates,
      internal::FindObjects(session, CKO_PRIVATE_KEY, "protected-key", "\x77"));
  ASSERT_EQ(privates.size(), 1u);
  for (auto [attribute, want] :
       std::vector<std::pair<CK_ATTRIBUTE_TYPE, bool>>{{CKA_SENSITIVE, true},
                                                       {CKA_EXTRACTABLE, false},
                                                       {CKA_TOKEN, true},
                                                       {CKA_PRIVATE, true},
                                                       {CKA_SIGN, true},
                                                       {CKA_DERIVE, false}}) {
    EXPECT_EQ(Got(internal::GetBool(session, privates[0], attribute, "attribute")), want ? "true" : "false")
        << attribute;
  }
  // The seed cannot be read.
  EXPECT_EQ(StatusText(internal::GetBytes(session, privates[0], CKA_VALUE,
                                          "CKA_VALUE")
                           .status()),
            "UNAVAILABLE: C_GetAttributeValue (CKA_VALUE): "
            "CKR_ATTRIBUTE_SENSITIVE (0x11)");
  ASSERT_OK_AND_ASSIGN(
      std::string params,
      internal::GetBytes(session, privates[0], CKA_EC_PARAMS, "CKA_EC_PARAMS"));
  // Generated with the OID; SoftHSM stores the PrintableString form.
  EXPECT_EQ(params, internal::Ed25519NameParams());
}

TEST(Pkcs11KeyTest, RefusesToGenerateOverAnExistingLabelOrId) {
  ASSERT_OK(GenerateKeyPair(Key("gen", "taken", "c0de")).status());
  EXPECT_EQ(StatusText(GenerateKeyPair(Key("gen", "taken", "c0df")).status()),
            "ALREADY_EXISTS: token 'gen' already holds a key labelled 'taken'");
  EXPECT_EQ(StatusText(GenerateKeyPair(Key("gen", "other", "C0DE")).status()),
            "ALREADY_EXISTS: token 'gen' already holds a key with ID C0DE");
  EXPECT_EQ(StatusText(GenerateKeyPair(Key("gen", "taken")).status()),
            "ALREADY_EXISTS: token 'gen' already holds a key labelled 'taken'");
}

// The token's signatures are the file signer's and the public vectors',
// byte for byte, for a seed imported into the token.
TEST(Pkcs11KeyTest, ImportedSeedSignsLikeTheFileSignerAndTheVectors) {
  const nlohmann::json checkpoints = ReadVectorJson("checkpoints.json");
  const nlohmann::json& log_key = checkpoints["log_key"];
  const TokenKey log = Key("import", "vectors-log", "01");
  ASSERT_OK(internal::ImportEd25519Seed(log, HexToBytes(Str(log_key["seed_hex"])),
                                        internal::Ed25519OidParams()));
  EXPECT_EQ(Got(PublicKey(log)), HexToBytes(Str(log_key["public_key_hex"])));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Signer> token_signer,
      OpenSigner(log, Str(log_key["name"]), SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> file_signer,
                       NewSigner(Str(log_key["xmod_private_key"])));
  EXPECT_EQ(absl::StrFormat("%08x", token_signer->KeyId()),
            Str(log_key["key_id_hex"]));
  ASSERT_GT(checkpoints["valid"].size(), 0u);
  for (const auto& valid : checkpoints["valid"]) {
    const std::string body = Str(valid["body"]);
    ASSERT_OK_AND_ASSIGN(std::string from_token, token_signer->Sign(body));
    ASSERT_OK_AND_ASSIGN(std::string from_file, file_signer->Sign(body));
    EXPECT_EQ(from_token, from_file) << valid["label"];
    EXPECT_EQ(from_token, Base64ToBytes(Str(valid["signature_b64"])).substr(4))
        << valid["label"];
  }

  const nlohmann::json cosignatures = ReadVectorJson("cosignatures.json");
  const nlohmann::json& witness_key = cosignatures["witness_key"];
  const uint64_t timestamp = cosignatures["timestamp"].get<uint64_t>();
  const std::string seed = HexToBytes(Str(witness_key["seed_hex"]));
  const TokenKey witness = Key("import", "vectors-witness", "02");
  ASSERT_OK(internal::ImportEd25519Seed(witness, seed,
                                        internal::Ed25519OidParams()));
  auto clock = [timestamp] { return timestamp; };
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Signer> token_cosigner,
      OpenSigner(witness, Str(witness_key["name"]),
                 SignatureType::kCosignatureV1, clock));
  ASSERT_OK_AND_ASSIGN(std::string skey,
                       FormatSignerKey(Str(witness_key["name"]),
                                       SignatureType::kCosignatureV1, seed));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> file_cosigner,
                       NewSigner(skey, clock));
  EXPECT_EQ(absl::StrFormat("%08x", token_cosigner->KeyId()),
            Str(witness_key["key_id_hex"]));
  ASSERT_GT(cosignatures["valid"].size(), 0u);
  for (const auto& valid : cosignatures["valid"]) {
    const std::string body = Str(valid["checkpoint_body"]);
    ASSERT_OK_AND_ASSIGN(std::string from_token, token_cosigner->Sign(body));
    ASSERT_OK_AND_ASSIGN(std::string from_file, file_cosigner->Sign(body));
    EXPECT_EQ(from_token, from_file) << valid["label"];
    EXPECT_EQ(from_token, HexToBytes(Str(valid["timestamped_signature_hex"])))
        << valid["label"];
  }
}

// Many threads share one signer; every signature is the file signer's.
TEST(Pkcs11KeyTest, SignsFromManyThreads) {
  const std::string seed(32, '\x5a');
  const TokenKey key = Key("import", "threads");
  ASSERT_OK(internal::ImportEd25519Seed(key, seed, internal::Ed25519OidParams()));
  auto clock = [] { return uint64_t{1700000000}; };
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Signer> signer,
      OpenSigner(key, "example.com/w", SignatureType::kCosignatureV1, clock));
  ASSERT_OK_AND_ASSIGN(std::string skey,
                       FormatSignerKey("example.com/w",
                                       SignatureType::kCosignatureV1, seed));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> file_signer,
                       NewSigner(skey, clock));
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::atomic<int> matching{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string text = absl::StrCat("origin\n", t * kEach + i, "\nx\n");
        absl::StatusOr<std::string> got = signer->Sign(text);
        absl::StatusOr<std::string> want = file_signer->Sign(text);
        if (got.ok() && want.ok() && *got == *want) ++matching;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(matching.load(), kThreads * kEach);
}

// SoftHSM 2.6 takes Ed25519's CKA_EC_PARAMS in both forms (and stores a
// generated key's as the PrintableString, above); so does the signer.
TEST(Pkcs11KeyTest, AcceptsBothEcParamsForms) {
  const std::string seed(32, '\x33');
  ASSERT_OK_AND_ASSIGN(std::string want, Ed25519PublicKey(seed));
  const TokenKey by_name = Key("import", "by-name");
  ASSERT_OK(internal::ImportEd25519Seed(by_name, seed,
                                        internal::Ed25519NameParams()));
  EXPECT_EQ(Got(PublicKey(by_name)), want);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<Signer> signer,
      OpenSigner(by_name, "example.com/log", SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Signer> file_signer,
                       NewEd25519Signer("example.com/log", seed));
  EXPECT_EQ(Got(signer->Sign("text\n")), Got(file_signer->Sign("text\n")));
}

TEST(Pkcs11KeyTest, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(StatusText(PublicKey(TokenKey{"/nonexistent/libp11.so", "gen",
                                          "log-key", "", kPin})
                           .status()),
            "NOT_FOUND: no PKCS#11 module at /nonexistent/libp11.so "
            "(no such file)");
  const std::string text_file = absl::StrCat(TempDir(), "/not-a-library.so");
  std::ofstream(text_file) << "not a library\n";
  absl::Status not_elf =
      PublicKey(TokenKey{text_file, "gen", "log-key", "", kPin}).status();
  EXPECT_EQ(not_elf.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(
      not_elf.message(),
      absl::StrCat("cannot load PKCS#11 module ", text_file, ": ")))
      << not_elf;
  const std::string not_module = "log/note/pkcs11/libnot_pkcs11.so";
  EXPECT_EQ(StatusText(PublicKey(TokenKey{not_module, "gen", "log-key", "", kPin})
                           .status()),
            absl::StrCat("INVALID_ARGUMENT: ", not_module,
                         " is not a PKCS#11 module: it has no "
                         "C_GetFunctionList"));

  absl::Status no_token = PublicKey(Key("nope", "log-key")).status();
  EXPECT_EQ(no_token.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(
      no_token.message(),
      "no token labelled 'nope' in PKCS#11 module "
      "/usr/lib/softhsm/libsofthsm2.so (tokens present: "))
      << no_token;
  for (const char* token : kTokens) {
    EXPECT_TRUE(absl::StrContains(no_token.message(), absl::StrCat("'", token, "'")))
        << no_token;
  }

  TokenKey wrong_pin = Key("import", "vectors-log");
  wrong_pin.pin = "9999";
  EXPECT_EQ(StatusText(OpenSigner(wrong_pin, "example.com/log",
                                  SignatureType::kEd25519)
                           .status()),
            "UNAUTHENTICATED: wrong PIN for token 'import' "
            "(C_Login: CKR_PIN_INCORRECT (0xa0))");

  EXPECT_EQ(StatusText(PublicKey(Key("import", "missing")).status()),
            "NOT_FOUND: key 'missing' in token 'import' not found: the token "
            "holds no such private key");
  EXPECT_EQ(StatusText(PublicKey(Key("import", "", "ffff")).status()),
            "NOT_FOUND: key with ID ffff in token 'import' not found: the "
            "token holds no such private key");

  ASSERT_OK(internal::GenerateP256KeyPair(Key("types", "p256")));
  ASSERT_OK(internal::GenerateRsaKeyPair(Key("types", "rsa", "aa")));
  EXPECT_EQ(StatusText(OpenSigner(Key("types", "p256"), "example.com/log",
                                  SignatureType::kEd25519)
                           .status()),
            "FAILED_PRECONDITION: key 'p256' in token 'types' is a CKK_EC "
            "key, not Ed25519 (CKK_EC_EDWARDS)");
  EXPECT_EQ(StatusText(PublicKey(Key("types", "rsa", "AA")).status()),
            "FAILED_PRECONDITION: key 'rsa' (ID aa) in token 'types' is a "
            "CKK_RSA key, not Ed25519 (CKK_EC_EDWARDS)");

  ASSERT_OK(internal::GenerateEd448KeyPair(Key("types", "ed448")));
  EXPECT_EQ(StatusText(PublicKey(Key("types", "ed448")).status()),
            "FAILED_PRECONDITION: key 'ed448' in token 'types' is an Ed448 "
            "key, not Ed25519");

  // Two key pairs under one label: ambiguous until the ID is given.
  ASSERT_OK(GenerateKeyPair(Key("types", "twice", "01")).status());
  ASSERT_OK(internal::ImportEd25519Seed(Key("types", "twice", "02"),
                                        std::string(32, '\x01'),
                                        internal::Ed25519OidParams()));
  EXPECT_EQ(StatusText(PublicKey(Key("types", "twice")).status()),
            "FAILED_PRECONDITION: key 'twice' in token 'types': 2 private keys "
            "match; name the key by its label and its ID");
  ASSERT_OK_AND_ASSIGN(std::string second,
                       PublicKey(Key("types", "twice", "02")));
  EXPECT_EQ(Got(Ed25519PublicKey(std::string(32, '\x01'))), second);
}

// SoftHSM 2.6 counts no PIN tries (a locked PIN, CKR_PIN_LOCKED, is
// pkcs11_fake_test's); wrong PINs leave the right one working.
TEST(Pkcs11KeyTest, WrongPinsDoNotStopTheRightOne) {
  ASSERT_OK_AND_ASSIGN(std::string public_key, GenerateKeyPair(Key("lock", "k")));
  TokenKey wrong = Key("lock", "k");
  wrong.pin = "0000";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(StatusText(PublicKey(wrong).status()),
              "UNAUTHENTICATED: wrong PIN for token 'lock' "
              "(C_Login: CKR_PIN_INCORRECT (0xa0))");
  }
  EXPECT_EQ(Got(PublicKey(Key("lock", "k"))), public_key);
}

TEST(Pkcs11KeyTest, ValidatesTheTokenKey) {
  struct Case {
    TokenKey key;
    std::string want;
  } cases[] = {
      {{"", "t", "k", "", kPin}, "no PKCS#11 module path given"},
      {{kSoftHsmModule, "", "k", "", kPin}, "no PKCS#11 token label given"},
      {{kSoftHsmModule, std::string(33, 't'), "k", "", kPin},
       absl::StrCat("token label '", std::string(33, 't'),
                    "' is longer than 32 bytes")},
      {{kSoftHsmModule, "t\n", "k", "", kPin},
       "token label contains a control character"},
      {{kSoftHsmModule, "t", "k\x1b[31m", "", kPin},
       "key label contains a control character"},
      {{kSoftHsmModule, "t", std::string(257, 'k'), "", kPin},
       "key label is longer than 256 bytes"},
      {{kSoftHsmModule, "t", "", "", kPin},
       "no key label or key ID given: name the key by one or both"},
      {{kSoftHsmModule, "t", "", "abc", kPin},
       "key ID 'abc' is not an even number of hex digits (at most 128)"},
      {{kSoftHsmModule, "t", "", "zz", kPin},
       "key ID 'zz' is not an even number of hex digits (at most 128)"},
      {{kSoftHsmModule, "t", "k", "", ""}, "no PIN given for token 't'"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(StatusText(PublicKey(c.key).status()),
              absl::StrCat("INVALID_ARGUMENT: ", c.want));
    EXPECT_EQ(StatusText(GenerateKeyPair(c.key).status()),
              absl::StrCat("INVALID_ARGUMENT: ", c.want));
    EXPECT_EQ(StatusText(OpenSigner(c.key, "n", SignatureType::kEd25519).status()),
              absl::StrCat("INVALID_ARGUMENT: ", c.want));
  }
  EXPECT_EQ(StatusText(OpenSigner(Key("import", "vectors-log"), "bad name",
                                  SignatureType::kEd25519)
                           .status()),
            "INVALID_ARGUMENT: key name contains a space at byte 3");
}

}  // namespace
}  // namespace vitrine::note::pkcs11
