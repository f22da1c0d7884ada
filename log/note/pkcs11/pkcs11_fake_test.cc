// pkcs11_key.h against a module that fails on demand (internal/
// fake_module.cc): what Sign does when the token goes away and comes back,
// a locked PIN, a faulty token, and the PKCS#11 encodings SoftHSM does not
// use (a raw CKA_EC_POINT, PrintableString CKA_EC_PARAMS).
#include <dlfcn.h>
#include <limits.h>
#include <p11-kit-1/p11-kit/pkcs11.h>
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/note/ed25519.h"
#include "log/note/keys.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note::pkcs11 {
namespace {

// CK_RV values, without pulling pkcs11.h into the test.
constexpr unsigned long kDeviceRemoved = 0x32;
constexpr unsigned long kFunctionFailed = 0x06;
constexpr unsigned long kSessionClosed = 0xb0;
constexpr unsigned long kMechanismInvalid = 0x70;

struct Counts {
  long opened = 0;
  long logins = 0;
  long signatures = 0;
  long open_now = 0;
};

// The fake module and its controls.
class Fake {
 public:
  Fake() {
    char path[PATH_MAX];
    if (realpath("log/note/pkcs11/libfake_pkcs11.so", path) == nullptr) {
      ADD_FAILURE() << "libfake_pkcs11.so not in the runfiles";
      return;
    }
    path_ = path;
    handle_ = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      ADD_FAILURE() << dlerror();
      return;
    }
    fail_signs = Find<void (*)(unsigned long, int)>("fake_pkcs11_fail_signs");
    fail_sign_inits =
        Find<void (*)(unsigned long, int)>("fake_pkcs11_fail_sign_inits");
    corrupt_signs = Find<void (*)(int)>("fake_pkcs11_corrupt_signs");
    set_present = Find<void (*)(int)>("fake_pkcs11_set_present");
    set_pin = Find<void (*)(const char*, int)>("fake_pkcs11_set_pin");
    set_keys = Find<void (*)(int, unsigned long, int)>("fake_pkcs11_set_keys");
    counts_ = Find<void (*)(long*, long*, long*, long*)>("fake_pkcs11_counts");
    auto get_list = Find<CK_C_GetFunctionList>("C_GetFunctionList");
    if (get_list != nullptr) get_list(&functions);
  }

  const std::string& path() const { return path_; }
  Counts counts() const {
    Counts c;
    counts_(&c.opened, &c.logins, &c.signatures, &c.open_now);
    return c;
  }
  // Back to a present token with PIN 1234 and no failures queued.
  void Reset() {
    fail_signs(0, 0);
    fail_sign_inits(0, 0);
    corrupt_signs(0);
    set_pin("1234", 0);
    set_keys(1, 0, 0);
    set_present(1);
  }

  void (*fail_signs)(unsigned long, int) = nullptr;
  void (*fail_sign_inits)(unsigned long, int) = nullptr;
  void (*corrupt_signs)(int) = nullptr;
  void (*set_present)(int) = nullptr;
  void (*set_pin)(const char*, int) = nullptr;
  void (*set_keys)(int, unsigned long, int) = nullptr;
  CK_FUNCTION_LIST* functions = nullptr;  // The module's own entry points.

 private:
  template <typename F>
  F Find(const char* name) {
    void* symbol = dlsym(handle_, name);
    if (symbol == nullptr) ADD_FAILURE() << "no " << name;
    return reinterpret_cast<F>(symbol);
  }

  std::string path_;
  void* handle_ = nullptr;
  void (*counts_)(long*, long*, long*, long*) = nullptr;
};

class Pkcs11FakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(fake_.path().empty());
    fake_.Reset();
    key_ = TokenKey{fake_.path(), "fake-token", "fake-key", "01", "1234"};
    ASSERT_OK_AND_ASSIGN(file_signer_,
                         NewEd25519Signer("example.com/log",
                                          std::string(32, '\x42')));
  }
  void TearDown() override { fake_.Reset(); }

  // Signs `text` and checks the bytes against the file signer's.
  void ExpectSigns(Signer& signer, const std::string& text) {
    ASSERT_OK_AND_ASSIGN(std::string signature, signer.Sign(text));
    ASSERT_OK_AND_ASSIGN(std::string want, file_signer_->Sign(text));
    EXPECT_EQ(signature, want);
  }

  std::string Failure(const std::string& what) {
    return absl::StrCat(
        "UNAVAILABLE: signing with key 'fake-key' (ID 01) in token "
        "'fake-token' failed: ",
        what, "; the next signature opens a new session");
  }

  static Fake fake_;
  TokenKey key_;
  std::unique_ptr<Signer> file_signer_;
};

Fake Pkcs11FakeTest::fake_;

TEST_F(Pkcs11FakeTest, ReadsRawEcPointAndPrintableStringParams) {
  ASSERT_OK_AND_ASSIGN(std::string want, Ed25519PublicKey(std::string(32, '\x42')));
  absl::StatusOr<std::string> got = PublicKey(key_);
  ASSERT_OK(got.status());
  EXPECT_EQ(*got, want);
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  EXPECT_EQ(signer->KeyId(), file_signer_->KeyId());
  ExpectSigns(*signer, "example.com/log\n5\nx\n");
}

// The token is pulled and put back: one Sign fails Unavailable, the next
// opens a session, logs in again and signs.
TEST_F(Pkcs11FakeTest, ReopensTheSessionAfterTheDeviceWasRemoved) {
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  ExpectSigns(*signer, "one\n");
  const Counts before = fake_.counts();
  fake_.fail_signs(kDeviceRemoved, 1);
  EXPECT_EQ(signer->Sign("two\n").status().ToString(),
            Failure("C_Sign: CKR_DEVICE_REMOVED (0x32)"));
  ExpectSigns(*signer, "three\n");
  const Counts after = fake_.counts();
  EXPECT_EQ(after.opened, before.opened + 1);
  EXPECT_EQ(after.logins, before.logins + 1);
  EXPECT_EQ(after.signatures, before.signatures + 1);
  EXPECT_EQ(after.open_now, 1);
}

// The token stays away for a while: Sign fails each time, saying why, and
// resumes once it is back.
TEST_F(Pkcs11FakeTest, ResumesWhenTheTokenComesBack) {
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  ExpectSigns(*signer, "one\n");
  fake_.set_present(0);
  EXPECT_EQ(signer->Sign("two\n").status().ToString(),
            Failure("C_SignInit: CKR_DEVICE_REMOVED (0x32)"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(signer->Sign("three\n").status().ToString(),
              absl::StrCat("UNAVAILABLE: signing with key 'fake-key' (ID 01) "
                           "in token 'fake-token' failed: cannot open a "
                           "session: no token labelled 'fake-token' in "
                           "PKCS#11 module ",
                           fake_.path(), " (no token present)"));
  }
  fake_.set_present(1);
  ExpectSigns(*signer, "four\n");
  ExpectSigns(*signer, "five\n");
}

TEST_F(Pkcs11FakeTest, ModuleErrorsAreUnavailableAndPassing) {
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  fake_.fail_sign_inits(kFunctionFailed, 1);
  EXPECT_EQ(signer->Sign("a\n").status().ToString(),
            Failure("C_SignInit: CKR_FUNCTION_FAILED (0x6)"));
  ExpectSigns(*signer, "b\n");
  fake_.fail_signs(kSessionClosed, 2);
  EXPECT_EQ(signer->Sign("c\n").status().ToString(),
            Failure("C_Sign: CKR_SESSION_CLOSED (0xb0)"));
  EXPECT_EQ(signer->Sign("d\n").status().ToString(),
            Failure("C_Sign: CKR_SESSION_CLOSED (0xb0)"));
  ExpectSigns(*signer, "e\n");
  EXPECT_EQ(fake_.counts().open_now, 1);  // Failed sessions were closed.
}

// A signature that does not verify is never returned.
TEST_F(Pkcs11FakeTest, RefusesASignatureThatDoesNotVerify) {
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  fake_.corrupt_signs(1);
  EXPECT_EQ(signer->Sign("a\n").status().ToString(),
            "INTERNAL: the signature made with key 'fake-key' (ID 01) in "
            "token 'fake-token' does not verify under its public key (64 "
            "bytes): the token is faulty");
  ExpectSigns(*signer, "b\n");
}

// After the token came back with another PIN, the signer stops trying:
// every retry would spend one of the token's PIN tries.
TEST_F(Pkcs11FakeTest, StopsAfterTheTokenRefusesThePin) {
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  fake_.set_present(0);
  fake_.set_pin("9999", 0);
  fake_.set_present(1);
  EXPECT_EQ(signer->Sign("a\n").status().ToString(),
            Failure("C_SignInit: CKR_SESSION_HANDLE_INVALID (0xb3)"));
  const std::string stopped =
      "UNAVAILABLE: signing with key 'fake-key' (ID 01) in token "
      "'fake-token' stopped: reopening the session failed: wrong PIN for "
      "token 'fake-token' (C_Login: CKR_PIN_INCORRECT (0xa0)) (not retried: "
      "restart when fixed)";
  EXPECT_EQ(signer->Sign("b\n").status().ToString(), stopped);
  const long logins = fake_.counts().logins;
  fake_.set_pin("1234", 0);
  EXPECT_EQ(signer->Sign("c\n").status().ToString(), stopped);
  EXPECT_EQ(fake_.counts().logins, logins);
  // A new signer (a restart) works.
  ASSERT_OK_AND_ASSIGN(auto restarted,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  ExpectSigns(*restarted, "d\n");
}

// Something else in the process finalised the module: Sign fails once,
// then initialises it again and signs.
TEST_F(Pkcs11FakeTest, InitialisesAgainAfterAFinalize) {
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/log", SignatureType::kEd25519));
  ASSERT_EQ(fake_.functions->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(signer->Sign("a\n").status().ToString(),
            Failure("C_SignInit: CKR_CRYPTOKI_NOT_INITIALIZED (0x190)"));
  ExpectSigns(*signer, "b\n");
}

TEST_F(Pkcs11FakeTest, LockedPin) {
  fake_.set_pin("1234", 1);
  EXPECT_EQ(OpenSigner(key_, "example.com/log", SignatureType::kEd25519)
                .status()
                .ToString(),
            "PERMISSION_DENIED: the user PIN of token 'fake-token' is locked "
            "(C_Login: CKR_PIN_LOCKED (0xa4)): unlock it with the security "
            "officer's PIN");
}

TEST_F(Pkcs11FakeTest, GeneratesOnlyProtectedKeys) {
  ASSERT_OK_AND_ASSIGN(std::string want, Ed25519PublicKey(std::string(32, '\x42')));
  EXPECT_EQ(GenerateKeyPair(key_).status().ToString(),
            "ALREADY_EXISTS: token 'fake-token' already holds a key labelled "
            "'fake-key'");
  // A token that ignores CKA_SENSITIVE / CKA_EXTRACTABLE: the pair it made
  // is deleted again.
  fake_.set_keys(0, 0, 1);
  EXPECT_EQ(GenerateKeyPair(key_).status().ToString(),
            "FAILED_PRECONDITION: the token made key 'fake-key' (ID 01) in "
            "token 'fake-token' not sensitive: the key pair was deleted");
  EXPECT_EQ(PublicKey(key_).status().ToString(),
            "NOT_FOUND: key 'fake-key' (ID 01) in token 'fake-token' not "
            "found: the token holds no such private key");
  fake_.set_keys(0, kMechanismInvalid, 0);
  EXPECT_EQ(GenerateKeyPair(key_).status().ToString(),
            "FAILED_PRECONDITION: token 'fake-token' cannot generate Ed25519 "
            "key pairs (C_GenerateKeyPair: CKR_MECHANISM_INVALID (0x70))");
  fake_.set_keys(0, kDeviceRemoved, 0);
  EXPECT_EQ(GenerateKeyPair(key_).status().ToString(),
            "UNAVAILABLE: generating key 'fake-key' (ID 01) in token "
            "'fake-token' failed (C_GenerateKeyPair: CKR_DEVICE_REMOVED "
            "(0x32))");
  fake_.set_keys(0, 0, 0);
  absl::StatusOr<std::string> generated = GenerateKeyPair(key_);
  ASSERT_OK(generated.status());
  EXPECT_EQ(*generated, want);
}

// Threads keep signing while the token blips: each call either signs with
// the right bytes or fails Unavailable, and all sign once it is steady.
TEST_F(Pkcs11FakeTest, ThreadsSignThroughFailures) {
  auto clock = [] { return uint64_t{1700000000}; };
  ASSERT_OK_AND_ASSIGN(auto signer,
                       OpenSigner(key_, "example.com/w",
                                  SignatureType::kCosignatureV1, clock));
  ASSERT_OK_AND_ASSIGN(std::string skey,
                       FormatSignerKey("example.com/w",
                                       SignatureType::kCosignatureV1,
                                       std::string(32, '\x42')));
  ASSERT_OK_AND_ASSIGN(auto file_cosigner, NewSigner(skey, clock));
  constexpr int kThreads = 6;
  constexpr int kEach = 200;
  std::atomic<int> good{0}, unavailable{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (t == 0 && i % 50 == 10) fake_.fail_signs(kDeviceRemoved, 3);
        const std::string text = absl::StrCat("o\n", t, "\n", i, "\n");
        absl::StatusOr<std::string> got = signer->Sign(text);
        if (got.ok()) {
          (*got == *file_cosigner->Sign(text) ? good : other)++;
        } else {
          (got.status().code() == absl::StatusCode::kUnavailable ? unavailable
                                                                 : other)++;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(good.load() + unavailable.load(), kThreads * kEach);
  // At least one per injected failure; at most, for each of its three
  // failing C_Sign calls, one call in every thread (a removed device
  // closes the sessions of all).
  EXPECT_GE(unavailable.load(), 4);
  EXPECT_LE(unavailable.load(), 4 * 3 * kThreads);
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK_AND_ASSIGN(std::string signature, signer->Sign("x\n"));
    EXPECT_EQ(signature, *file_cosigner->Sign("x\n"));
  }
  EXPECT_LE(fake_.counts().open_now, 4);  // SignerOptions.max_idle_sessions.
}

}  // namespace
}  // namespace vitrine::note::pkcs11
