#include "monitor/follow/verified_copy.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/statement.h"
#include "log/storage/testing/test_log.h"

namespace vitrine::monitor {
namespace {

using merkle::Hash;

constexpr absl::string_view kOrigin = "example.com/copied-log";

class VerifiedCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(key_, note::GenerateKey(kOrigin,
                                                 note::SignatureType::kEd25519));
    ASSERT_OK_AND_ASSIGN(signer_, note::NewSigner(key_.signer_key));
    ASSERT_OK_AND_ASSIGN(
        vendor_, note::NewSigner(note::FormatSignerKey(
                                     "example.com/acme",
                                     note::SignatureType::kEd25519,
                                     std::string(32, '\x01'))
                                     .value()));
    dir_ = storage::testing::FreshTestDir(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    options_.tile_cache_tiles = 64;
    options_.block_cache_bytes = 1 << 20;
  }

  absl::StatusOr<std::unique_ptr<VerifiedCopy>> Open() {
    return VerifiedCopy::Open(dir_, key_.verifier_key, options_);
  }

  // Returns `n` statements by the test vendor, numbered from `first`.
  std::vector<std::string> Leaves(uint64_t first, uint64_t n) {
    std::vector<std::string> leaves;
    for (uint64_t i = first; i < first + n; ++i) {
      note::Statement statement{"example.com/acme", absl::StrCat("tool-", i),
                                "1.0", merkle::HashLeaf(absl::StrCat(i)), {}};
      leaves.push_back(note::SignStatement(statement, *vendor_).value());
    }
    return leaves;
  }

  // Appends `leaves` to the reference tree and returns its signed note.
  std::string Sign(absl::Span<const std::string> leaves) {
    for (const std::string& leaf : leaves) {
      reference_.Append(merkle::HashLeaf(leaf));
      all_.push_back(leaf);
    }
    return note::SignCheckpoint(
               note::Checkpoint{std::string(kOrigin), reference_.end(),
                                reference_.Root(), {}},
               *signer_)
        .value();
  }

  note::VerifiedCheckpoint OpenNote(const std::string& signed_note) {
    note::VerifierSet keys;
    EXPECT_OK(keys.Add(note::NewVerifier(key_.verifier_key).value()));
    return note::OpenCheckpoint(signed_note, kOrigin, keys).value();
  }

  note::GeneratedKey key_;
  std::unique_ptr<note::Signer> signer_;
  std::unique_ptr<note::Signer> vendor_;
  std::string dir_;
  storage::StoreOptions options_;
  merkle::CompactRange reference_;
  std::vector<std::string> all_;
};

TEST_F(VerifiedCopyTest, NewCopyIsTheEmptyTree) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  EXPECT_EQ(copy->origin(), kOrigin);
  EXPECT_EQ(copy->Latest()->checkpoint.size, 0u);
  EXPECT_EQ(copy->Latest()->checkpoint.root, merkle::EmptyRoot());
  EXPECT_EQ(copy->Latest()->signed_note, "");
  EXPECT_EQ(copy->RootAt(0).value(), merkle::EmptyRoot());
  EXPECT_EQ(copy->RootAt(1).status().code(), absl::StatusCode::kOutOfRange);
  ASSERT_OK_AND_ASSIGN(std::vector<Hash> range, copy->RangeAt(0));
  EXPECT_TRUE(range.empty());
}

TEST_F(VerifiedCopyTest, AppendsStoresAndProves) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  // Sizes crossing a full tile (256) and back into a partial one.
  uint64_t size = 0;
  std::vector<Hash> roots = {merkle::EmptyRoot()};
  for (uint64_t n : {3u, 300u, 1u, 250u}) {
    const std::vector<std::string> leaves = Leaves(size, n);
    const std::string signed_note = Sign(leaves);
    ASSERT_OK(copy->Append(size, leaves, OpenNote(signed_note), signed_note));
    size += n;
    EXPECT_EQ(copy->Latest()->checkpoint.size, size);
    EXPECT_EQ(copy->Latest()->signed_note, signed_note);
    roots.resize(size + 1);
    roots[size] = reference_.Root();
  }
  EXPECT_EQ(copy->store().EntryCount(), size);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> stored,
                       copy->store().GetEntries(0, size));
  EXPECT_EQ(stored, all_);
  ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> found,
                       copy->store().FindByDigest(merkle::HashLeaf("7")));
  EXPECT_EQ(found, std::vector<uint64_t>{7});

  for (uint64_t old_size : {0u, 3u, 303u, 304u}) {
    ASSERT_OK_AND_ASSIGN(Hash old_root, copy->RootAt(old_size));
    EXPECT_EQ(old_root, roots[old_size]);
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> proof,
                         copy->ConsistencyProof(old_size, size));
    EXPECT_OK(merkle::VerifyConsistency(old_size, size, old_root,
                                        reference_.Root(), proof));
    ASSERT_OK_AND_ASSIGN(std::vector<Hash> range, copy->RangeAt(old_size));
    ASSERT_OK_AND_ASSIGN(merkle::CompactRange folded,
                         merkle::CompactRange::FromHashes(0, old_size, range));
    EXPECT_EQ(folded.Root(), old_root);
  }
  EXPECT_EQ(copy->ConsistencyProof(5, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(copy->ConsistencyProof(0, size + 1).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(copy->RangeAt(size + 1).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(VerifiedCopyTest, RootMismatchLeavesTheCopyUnchanged) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  std::vector<std::string> first = Leaves(0, 10);
  const std::string first_note = Sign(first);
  ASSERT_OK(copy->Append(0, first, OpenNote(first_note), first_note));

  std::vector<std::string> served = Leaves(10, 5);
  const std::string second_note = Sign(served);
  served[2] = Leaves(99, 1)[0];  // the log serves another entry
  absl::Status status =
      copy->Append(10, served, OpenNote(second_note), second_note);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(IsRootMismatch(status));
  EXPECT_NE(status.message().find("root mismatch"), absl::string_view::npos);
  EXPECT_FALSE(IsRootMismatch(absl::DataLossError("root mismatch")));
  EXPECT_EQ(copy->Latest()->checkpoint.size, 10u);
  EXPECT_EQ(copy->Latest()->signed_note, first_note);
  EXPECT_EQ(copy->store().EntryCount(), 10u);

  // The right entries still go in afterwards: nothing half-applied.
  const std::vector<std::string> right = Leaves(10, 5);
  ASSERT_OK(copy->Append(10, right, OpenNote(second_note), second_note));
  EXPECT_EQ(copy->Latest()->checkpoint.size, 15u);
}

TEST_F(VerifiedCopyTest, RefusesAppendsThatDoNotLineUp) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  const std::vector<std::string> leaves = Leaves(0, 4);
  const std::string signed_note = Sign(leaves);
  EXPECT_EQ(copy->Append(1, leaves, OpenNote(signed_note), signed_note).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(copy->Append(0, absl::MakeSpan(leaves).subspan(0, 3),
                         OpenNote(signed_note), signed_note)
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(copy->Latest()->checkpoint.size, 0u);
}

TEST_F(VerifiedCopyTest, EmptyTreeNoteIsStoredOnce) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  const std::string empty_note = Sign({});
  ASSERT_OK(copy->Append(0, {}, OpenNote(empty_note), empty_note));
  EXPECT_EQ(copy->Latest()->signed_note, empty_note);
  ASSERT_OK(copy->Append(0, {}, OpenNote(empty_note), empty_note));
  EXPECT_EQ(copy->Latest()->signed_note, empty_note);
}

TEST_F(VerifiedCopyTest, LargeAppendHashesOnEveryCore) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  std::vector<std::string> leaves = Leaves(0, 3);
  for (int i = 0; i < 20000; ++i) leaves.push_back(absl::StrCat("leaf ", i));
  leaves.push_back(Leaves(9, 1)[0]);
  const std::string signed_note = Sign(leaves);
  ASSERT_OK(copy->Append(0, leaves, OpenNote(signed_note), signed_note));
  EXPECT_EQ(copy->RootAt(20004).value(), reference_.Root());
  merkle::CompactRange prefix;
  for (int i = 0; i < 4000; ++i) prefix.Append(merkle::HashLeaf(leaves[i]));
  EXPECT_EQ(copy->RootAt(4000).value(), prefix.Root());
  ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> found,
                       copy->store().FindByDigest(merkle::HashLeaf("9")));
  EXPECT_EQ(found, std::vector<uint64_t>{20003});
  ASSERT_OK_AND_ASSIGN(std::string entry, copy->store().GetEntry(12345));
  EXPECT_EQ(entry, "leaf 12342");
}

TEST_F(VerifiedCopyTest, ReopenResumesAtTheVerifiedSize) {
  std::string signed_note;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
    const std::vector<std::string> leaves = Leaves(0, 700);
    signed_note = Sign(leaves);
    ASSERT_OK(copy->Append(0, leaves, OpenNote(signed_note), signed_note));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
  EXPECT_EQ(copy->Latest()->checkpoint.size, 700u);
  EXPECT_EQ(copy->Latest()->checkpoint.root, reference_.Root());
  EXPECT_EQ(copy->Latest()->signed_note, signed_note);
  const std::vector<std::string> more = Leaves(700, 60);
  const std::string next = Sign(more);
  ASSERT_OK(copy->Append(700, more, OpenNote(next), next));
  EXPECT_EQ(copy->RootAt(760).value(), reference_.Root());
}

TEST_F(VerifiedCopyTest, RefusesAStoreOfAnotherLogKey) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<VerifiedCopy> copy, Open());
    const std::vector<std::string> leaves = Leaves(0, 2);
    const std::string signed_note = Sign(leaves);
    ASSERT_OK(copy->Append(0, leaves, OpenNote(signed_note), signed_note));
  }
  ASSERT_OK_AND_ASSIGN(note::GeneratedKey other,
                       note::GenerateKey(kOrigin, note::SignatureType::kEd25519));
  EXPECT_EQ(VerifiedCopy::Open(dir_, other.verifier_key, options_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(VerifiedCopy::Open(dir_, "not a key", options_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vitrine::monitor
