#include "log/sequencer/sequencer_testing.h"

#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status_matchers.h"
#include "log/merkle/proof.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "rocksdb/db.h"

namespace vitrine::sequencer::testing {

absl::StatusOr<AddResult> AddAndWait(Sequencer& sequencer, std::string leaf,
                                     std::optional<merkle::Hash> digest) {
  // Shared, so that a callback arriving after a timeout writes nowhere bad.
  struct Slot {
    absl::Notification done;
    absl::StatusOr<AddResult> result;
  };
  auto slot = std::make_shared<Slot>();
  sequencer.Add(AddRequest{std::move(leaf), digest},
                [slot](absl::StatusOr<AddResult> result) {
                  slot->result = std::move(result);
                  slot->done.Notify();
                });
  if (!slot->done.WaitForNotificationWithTimeout(absl::Seconds(10))) {
    return absl::DeadlineExceededError("Add did not complete within 10 s");
  }
  return slot->result;
}

namespace {

// Puts `bytes` under tile key (level, index) of column family `family`.
absl::Status OverwriteRaw(const std::string& path, absl::string_view family,
                          uint8_t level, uint64_t index,
                          absl::string_view bytes) {
  std::vector<std::string> names;
  rocksdb::Status s =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!s.ok()) return absl::InternalError(s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &raw);
  if (!s.ok()) return absl::InternalError(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);

  // store.h "Layout": tiles are keyed level (1 byte) || index (8, big-endian).
  std::string key(1, static_cast<char>(level));
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((index >> shift) & 0xff));
  }
  rocksdb::ColumnFamilyHandle* tiles = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == family) tiles = handles[i];
  }
  if (tiles == nullptr) {
    s = rocksdb::Status::NotFound("no such column family");
  } else {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db->Put(sync, tiles, rocksdb::Slice(key),
                rocksdb::Slice(bytes.data(), bytes.size()));
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
  if (!s.ok()) return absl::InternalError(s.ToString());
  return absl::OkStatus();
}

}  // namespace

absl::Status OverwriteStoredTile(const std::string& path, uint8_t level,
                                 uint64_t index, absl::string_view bytes) {
  return OverwriteRaw(path, "tiles", level, index, bytes);
}

absl::Status OverwriteStoredTileInterior(const std::string& path,
                                         uint8_t level, uint64_t index,
                                         absl::string_view bytes) {
  return OverwriteRaw(path, "tile_interiors", level, index, bytes);
}

void Gate::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

void Gate::Open() {
  absl::MutexLock lock(&mu_);
  closed_ = false;
}

void Gate::Pass() {
  absl::MutexLock lock(&mu_);
  ++waiting_;
  mu_.Await(absl::Condition(
      +[](bool* closed) { return !*closed; }, &closed_));
  --waiting_;
}

bool Gate::WaitForWaiter(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(+[](int* waiting) { return *waiting > 0; }, &waiting_),
      timeout);
}

void SequencerFixture::SetUp() {
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  const char* tmp = std::getenv("TEST_TMPDIR");
  path_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", test->test_suite_name(),
                       ".", test->name());
  std::filesystem::remove_all(path_);
  ASSERT_OK_AND_ASSIGN(key_, note::GenerateKey(kOrigin,
                                               note::SignatureType::kEd25519));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<note::Verifier> verifier,
                       note::NewVerifier(key_.verifier_key));
  ASSERT_OK(log_keys_.Add(std::move(verifier)));
  ReopenStore();
}

void SequencerFixture::ReopenStore() {
  store_.reset();
  storage::StoreOptions options;
  options.path = path_;
  ASSERT_OK_AND_ASSIGN(store_, storage::Store::Open(options));
}

absl::StatusOr<std::unique_ptr<Sequencer>> SequencerFixture::StartSequencer(
    SequencerOptions options, std::unique_ptr<note::Signer> signer) {
  if (signer == nullptr) {
    absl::StatusOr<std::unique_ptr<note::Signer>> own =
        note::NewSigner(key_.signer_key);
    if (!own.ok()) return own.status();
    signer = *std::move(own);
  }
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier =
      note::NewVerifier(key_.verifier_key);
  if (!verifier.ok()) return verifier.status();
  return Sequencer::Start(store_.get(), std::move(signer),
                          *std::move(verifier), options);
}

void SequencerFixture::ExpectIncluded(const PublishedState& state,
                                      uint64_t index, absl::string_view leaf) {
  ASSERT_OK_AND_ASSIGN(
      note::VerifiedCheckpoint opened,
      note::OpenCheckpoint(state.signed_note, kOrigin, log_keys_));
  ASSERT_EQ(opened.checkpoint, state.checkpoint);
  ASSERT_OK_AND_ASSIGN(
      std::vector<merkle::Hash> proof,
      merkle::InclusionProof(index, state.checkpoint.size,
                             store_->hash_reader()));
  EXPECT_OK(merkle::VerifyInclusion(index, state.checkpoint.size,
                                    merkle::HashLeaf(leaf), proof,
                                    opened.checkpoint.root))
      << "index " << index << " in size " << state.checkpoint.size;
}

}  // namespace vitrine::sequencer::testing
