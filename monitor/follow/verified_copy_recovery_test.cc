// A verified copy after a commit that failed for I/O (issue 14), on a store
// whose write-ahead log fails on demand (storage/testing/fault_file_system.h):
// writes stop with the reason, reads go on, and once the disk is back the
// same copy takes writes again - at most one attempt per recovery_interval,
// the store read back and checked against the head it had published.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/storage/testing/fault_file_system.h"
#include "log/storage/testing/test_log.h"
#include "monitor/follow/verified_copy.h"

namespace vitrine::monitor {
namespace {

using merkle::Hash;

constexpr absl::string_view kOrigin = "example.com/copied-log";

class VerifiedCopyRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(key_, note::GenerateKey(kOrigin,
                                                 note::SignatureType::kEd25519));
    ASSERT_OK_AND_ASSIGN(signer_, note::NewSigner(key_.signer_key));
    ASSERT_OK(keys_.Add(note::NewVerifier(key_.verifier_key).value()));
    dir_ = storage::testing::FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    store_options_.tile_cache_tiles = 64;
    store_options_.block_cache_bytes = 1 << 20;
    store_options_.file_system = storage::testing::NewFaultFileSystem(faults_);
    copy_options_.recovery_interval = absl::ZeroDuration();
  }

  absl::StatusOr<std::unique_ptr<VerifiedCopy>> Open() {
    return VerifiedCopy::Open(dir_, key_.verifier_key, store_options_,
                              copy_options_);
  }

  // The leaves [first, first + n) and the log's signed checkpoint of the
  // tree they extend to (the reference tree grows only on Commit).
  struct Batch {
    uint64_t start = 0;
    std::vector<std::string> leaves;
    std::string signed_note;
    note::VerifiedCheckpoint checkpoint;
  };
  Batch Next(uint64_t n) {
    Batch batch;
    batch.start = reference_.end();
    merkle::CompactRange next = reference_;
    for (uint64_t i = 0; i < n; ++i) {
      batch.leaves.push_back(absl::StrCat("leaf ", batch.start + i));
      next.Append(merkle::HashLeaf(batch.leaves.back()));
    }
    batch.signed_note =
        note::SignCheckpoint(note::Checkpoint{std::string(kOrigin), next.end(),
                                              next.Root(), {}},
                             *signer_)
            .value();
    batch.checkpoint = note::OpenCheckpoint(batch.signed_note, kOrigin, keys_).value();
    return batch;
  }
  absl::Status Append(VerifiedCopy& copy, const Batch& batch) {
    absl::Status appended =
        copy.Append(batch.start, batch.leaves, batch.checkpoint, batch.signed_note);
    if (appended.ok()) {
      for (const std::string& leaf : batch.leaves) {
        reference_.Append(merkle::HashLeaf(leaf));
      }
    }
    return appended;
  }

  note::GeneratedKey key_;
  std::unique_ptr<note::Signer> signer_;
  note::VerifierSet keys_;
  std::string dir_;
  std::shared_ptr<storage::testing::IoFaults> faults_ =
      std::make_shared<storage::testing::IoFaults>();
  storage::StoreOptions store_options_;
  VerifiedCopyOptions copy_options_;
  merkle::CompactRange reference_;
};

TEST_F(VerifiedCopyRecoveryTest, AFailedCommitStopsWritesUntilTheStoreTakesThemAgain) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  ASSERT_OK(Append(*copy, Next(300)));
  const std::shared_ptr<const VerifiedHead> verified = copy->Latest();
  EXPECT_OK(copy->WriteFailure());

  // EIO on the write-ahead log's sync: the commit fails, says why, and the
  // copy stays at what it verified.
  faults_->wal_sync = true;
  const Batch batch = Next(40);
  const absl::Status failed = Append(*copy, batch);
  EXPECT_GT(faults_->injected.load(), 0u);
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_TRUE(absl::StrContains(
      failed.message(),
      "the verified copy takes no writes until its store does again; the "
      "commit of size 340 failed: "))
      << failed;
  EXPECT_TRUE(absl::StrContains(failed.message(), "Input/output error")) << failed;
  EXPECT_FALSE(IsRootMismatch(failed));
  EXPECT_EQ(copy->WriteFailure(), failed);
  EXPECT_EQ(copy->Latest(), verified);

  // Reads go on from the verified head.
  ASSERT_OK_AND_ASSIGN(Hash root, copy->RootAt(300));
  EXPECT_EQ(root, verified->checkpoint.root);
  ASSERT_OK_AND_ASSIGN(Hash old_root, copy->RootAt(100));
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof, copy->ConsistencyProof(100, 300));
  EXPECT_OK(merkle::VerifyConsistency(100, 300, old_root, root, proof));

  // While the disk fails, nothing gets in (each attempt may recover the
  // store and fail again, or not recover it).
  EXPECT_EQ(Append(*copy, batch).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(copy->Latest()->checkpoint.size, 300u);

  // The disk is back: the same copy takes writes again, from where it was.
  faults_->wal_sync = false;
  EXPECT_OK(copy->Recover());
  EXPECT_OK(copy->WriteFailure());
  EXPECT_EQ(copy->Latest()->checkpoint.size, 300u);
  ASSERT_OK(Append(*copy, batch));
  ASSERT_OK(Append(*copy, Next(5)));
  EXPECT_EQ(copy->Latest()->checkpoint.size, 345u);
  EXPECT_EQ(copy->RootAt(345).value(), reference_.Root());

  // What it holds verifies when opened again.
  copy.reset();
  store_options_.file_system = nullptr;
  ASSERT_OK_AND_ASSIGN(copy, Open());
  EXPECT_EQ(copy->Latest()->checkpoint.size, 345u);
  EXPECT_EQ(copy->Latest()->checkpoint.root, reference_.Root());
}

TEST_F(VerifiedCopyRecoveryTest, AsksTheStoreAtMostOncePerRecoveryInterval) {
  copy_options_.recovery_interval = absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  ASSERT_OK(Append(*copy, Next(10)));
  faults_->wal_append = true;
  const Batch batch = Next(3);
  const absl::Status failed = Append(*copy, batch);
  ASSERT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  faults_->wal_append = false;

  // The disk is back, but the last attempt (the failed commit) was less
  // than an hour ago: the copy answers as before without asking the store.
  EXPECT_EQ(copy->Recover(), failed);
  EXPECT_EQ(Append(*copy, batch), failed);
  EXPECT_EQ(copy->Latest()->checkpoint.size, 10u);
}

TEST_F(VerifiedCopyRecoveryTest, AStoreThatOnlyAReopenCanRecoverReopensInPlace) {
  // A new copy: no memtable holds data when its write-ahead log fails, and
  // RocksDB 7.8 can then move to a new log only by reopening the store,
  // which Store::Recover does in place.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  faults_->wal_append = true;
  const Batch batch = Next(20);
  ASSERT_EQ(Append(*copy, batch).code(), absl::StatusCode::kUnavailable);
  faults_->wal_append = false;

  ASSERT_OK(copy->Recover());
  EXPECT_OK(copy->WriteFailure());
  EXPECT_EQ(copy->Latest()->checkpoint.size, 0u);
  ASSERT_OK(Append(*copy, batch));
  EXPECT_EQ(copy->Latest()->checkpoint.size, 20u);

  copy.reset();
  ASSERT_OK_AND_ASSIGN(copy, Open());
  EXPECT_EQ(copy->Latest()->checkpoint.size, 20u);
}

}  // namespace
}  // namespace vitrine::monitor
