#include "monitor/witness/witness_testing.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log/merkle/proof.h"
#include "log/note/keys.h"

namespace vitrine::monitor::testing {
namespace {

// Aborts the test binary: fixtures have no status to return.
template <typename T>
T OrDie(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    ADD_FAILURE() << what << ": " << value.status();
    std::abort();
  }
  return *std::move(value);
}

}  // namespace

std::string NewTempDir(const std::string& name) {
  static int counter = 0;
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "-",
                      counter++);
}

TestLog::TestLog(std::string origin, uint64_t leaves, std::string prefix)
    : TestLog(origin,
              OrDie(note::GenerateKey(origin, note::SignatureType::kEd25519),
                    "GenerateKey")
                  .signer_key,
              leaves, std::move(prefix)) {}

TestLog::TestLog(std::string origin, std::string signer_key, uint64_t leaves,
                 std::string prefix)
    : origin_(std::move(origin)),
      signer_key_(std::move(signer_key)),
      vkey_(OrDie(note::VerifierKeyOf(signer_key_), "VerifierKeyOf")),
      size_(leaves),
      mu_(std::make_unique<absl::Mutex>()),
      store_(std::make_unique<merkle::MemoryHashStore>(leaves)) {
  if (!keys_.Add(OrDie(note::NewVerifier(vkey_), "NewVerifier")).ok()) {
    std::abort();
  }
  for (uint64_t i = 0; i < leaves; ++i) {
    store_->Append(merkle::HashLeaf(absl::StrCat(prefix, i)));
  }
}

TestLog TestLog::Fork(std::string prefix, uint64_t leaves) const {
  return TestLog(origin_, signer_key_, leaves, std::move(prefix));
}

merkle::Hash TestLog::Root(uint64_t size) const {
  absl::MutexLock lock(mu_.get());
  return OrDie(merkle::TreeRoot(size, *store_), "TreeRoot");
}

std::string TestLog::Note(uint64_t size) const {
  note::Checkpoint checkpoint{origin_, size, Root(size), {}};
  auto signer = OrDie(note::NewSigner(signer_key_), "NewSigner");
  return OrDie(note::SignCheckpoint(checkpoint, *signer), "SignCheckpoint");
}

std::vector<merkle::Hash> TestLog::Proof(uint64_t old_size,
                                         uint64_t new_size) const {
  absl::MutexLock lock(mu_.get());
  return OrDie(merkle::ConsistencyProof(old_size, new_size, *store_),
               "ConsistencyProof");
}

std::vector<std::string> TestLog::RawProof(uint64_t old_size,
                                           uint64_t new_size) const {
  std::vector<std::string> raw;
  for (const merkle::Hash& hash : Proof(old_size, new_size)) {
    raw.emplace_back(hash.AsStringView());
  }
  return raw;
}

absl::StatusOr<std::string> FakeAlarm::Raise(vitrine::v1::Evidence evidence) {
  absl::MutexLock lock(&mu_);
  halted_.push_back(evidence.origin());
  raised_.push_back(std::move(evidence));
  return absl::StrCat("evidence-", raised_.size(), ".evidence.json");
}

bool FakeAlarm::Halted(absl::string_view origin) const {
  absl::MutexLock lock(&mu_);
  return std::find(halted_.begin(), halted_.end(), origin) != halted_.end();
}

void FakeAlarm::Halt(const std::string& origin) {
  absl::MutexLock lock(&mu_);
  halted_.push_back(origin);
}

std::vector<vitrine::v1::Evidence> FakeAlarm::raised() const {
  absl::MutexLock lock(&mu_);
  return raised_;
}

FakeVerifiedLog::FakeVerifiedLog(const TestLog* log) : log_(log) {}

std::shared_ptr<const VerifiedHead> FakeVerifiedLog::Latest() const {
  auto head = std::make_shared<VerifiedHead>();
  head->checkpoint = {log_->origin(), log_->size(), log_->Root(log_->size()),
                      {}};
  head->signed_note = log_->Note(log_->size());
  return head;
}

absl::StatusOr<merkle::Hash> FakeVerifiedLog::RootAt(uint64_t size) const {
  if (size > log_->size()) return absl::OutOfRangeError("beyond the tree");
  return log_->Root(size);
}

absl::StatusOr<std::vector<merkle::Hash>> FakeVerifiedLog::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) const {
  if (old_size > new_size) return absl::InvalidArgumentError("old > new");
  if (new_size > log_->size()) return absl::OutOfRangeError("beyond the tree");
  return log_->Proof(old_size, new_size);
}

absl::StatusOr<std::vector<merkle::Hash>> FakeVerifiedLog::RangeAt(
    uint64_t) const {
  return absl::UnimplementedError("not needed by the witness");
}

}  // namespace vitrine::monitor::testing
