#include "monitor/gossip/testing/fake_verified_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/proof.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"

namespace vitrine::monitor::testing {

TestLogKey MakeTestLogKey(absl::string_view origin, char seed_byte) {
  const std::string skey =
      note::FormatSignerKey(origin, note::SignatureType::kEd25519,
                            std::string(32, seed_byte))
          .value();
  TestLogKey key;
  key.signer = note::NewSigner(skey).value();
  key.verifier_key = note::VerifierKeyOf(skey).value();
  return key;
}

std::vector<std::string> TestEntries(absl::string_view prefix, uint64_t begin,
                                     uint64_t end) {
  std::vector<std::string> entries;
  for (uint64_t i = begin; i < end; ++i) {
    entries.push_back(absl::StrCat(prefix, "-", i));
  }
  return entries;
}

FakeVerifiedLog::FakeVerifiedLog(absl::string_view origin, char key_seed)
    : origin_(origin), key_(MakeTestLogKey(origin, key_seed)) {
  log_keys_.Add(note::NewVerifier(key_.verifier_key).value()).IgnoreError();
  auto head = std::make_shared<VerifiedHead>();
  head->checkpoint.origin = origin_;
  head->checkpoint.root = merkle::EmptyRoot();
  head_ = std::move(head);
}

absl::Status FakeVerifiedLog::Append(absl::Span<const std::string> entries) {
  absl::MutexLock lock(&mu_);
  for (const std::string& entry : entries) {
    store_.Append(merkle::HashLeaf(entry));
  }
  auto head = std::make_shared<VerifiedHead>();
  head->checkpoint =
      note::Checkpoint{origin_, store_.size(), store_.Root(), {}};
  VITRINE_ASSIGN_OR_RETURN(
      head->signed_note, note::SignCheckpoint(head->checkpoint, *key_.signer));
  head_ = std::move(head);
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeVerifiedLog::SignedNoteAt(uint64_t size) const {
  VITRINE_ASSIGN_OR_RETURN(merkle::Hash root, RootAt(size));
  return SignCheckpoint(size, root);
}

absl::StatusOr<std::string> FakeVerifiedLog::SignCheckpoint(
    uint64_t size, const merkle::Hash& root) const {
  return note::SignCheckpoint(note::Checkpoint{origin_, size, root, {}},
                              *key_.signer);
}

std::shared_ptr<const VerifiedHead> FakeVerifiedLog::Latest() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

absl::Status FakeVerifiedLog::CheckSize(uint64_t size) const {
  if (size > head_->checkpoint.size) {
    return absl::OutOfRangeError(absl::StrCat(
        "size ", size, " is beyond the verified ", head_->checkpoint.size));
  }
  return absl::OkStatus();
}

absl::StatusOr<merkle::Hash> FakeVerifiedLog::RootAt(uint64_t size) const {
  absl::MutexLock lock(&mu_);
  VITRINE_RETURN_IF_ERROR(CheckSize(size));
  return merkle::TreeRoot(size, store_);
}

absl::StatusOr<std::vector<merkle::Hash>> FakeVerifiedLog::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) const {
  absl::MutexLock lock(&mu_);
  if (old_size > new_size) {
    return absl::InvalidArgumentError("old size beyond new size");
  }
  VITRINE_RETURN_IF_ERROR(CheckSize(new_size));
  return merkle::ConsistencyProof(old_size, new_size, store_);
}

absl::StatusOr<std::vector<merkle::Hash>> FakeVerifiedLog::RangeAt(
    uint64_t size) const {
  absl::MutexLock lock(&mu_);
  VITRINE_RETURN_IF_ERROR(CheckSize(size));
  const std::vector<merkle::NodeId> nodes = merkle::RangeNodes(0, size);
  return store_.ReadHashes(nodes);
}

}  // namespace vitrine::monitor::testing
