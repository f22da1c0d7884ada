// Test support for the sequencer: a fixture with a real store in TEST_TMPDIR
// and a fresh log key, a synchronous Add, a proof check against a published
// checkpoint, a signer that blocks on a gate (to hold a batch mid-flight),
// and a hook that rewrites a stored tile in RocksDB behind the store's back
// (the store's own Commit refuses to change a stored hash). For tests only.
//
//   class MyTest : public SequencerFixture {};
//   TEST_F(MyTest, Appends) {
//     ASSERT_OK_AND_ASSIGN(auto sequencer, StartSequencer());
//     ASSERT_OK_AND_ASSIGN(AddResult r, AddAndWait(*sequencer, "leaf"));
//     ExpectIncluded(*r.state, r.index, "leaf");
//   }
//
// Not thread-safe except where a class says so.
#ifndef VITRINE_LOG_SEQUENCER_SEQUENCER_TESTING_H_
#define VITRINE_LOG_SEQUENCER_SEQUENCER_TESTING_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/signer.h"
#include "log/sequencer/sequencer.h"
#include "log/storage/store.h"

namespace vitrine::sequencer::testing {

inline constexpr absl::string_view kOrigin = "example.com/log";

// Adds `leaf` and waits (at most 10 s: DeadlineExceeded) for its callback.
absl::StatusOr<AddResult> AddAndWait(
    Sequencer& sequencer, std::string leaf,
    std::optional<merkle::Hash> digest = std::nullopt);

// Rewrites the stored bytes of tile (level, index) in the closed store at
// `path` directly in RocksDB: a hash changed on disk with valid checksums,
// which only the sequencer's own checks can catch.
absl::Status OverwriteStoredTile(const std::string& path, uint8_t level,
                                 uint64_t index, absl::string_view bytes);
// The same for the stored interior of full tile (level, index).
absl::Status OverwriteStoredTileInterior(const std::string& path,
                                         uint8_t level, uint64_t index,
                                         absl::string_view bytes);

// A gate that signers wait at while it is closed. Thread-safe.
class Gate {
 public:
  void Close();
  void Open();
  // Blocks while the gate is closed.
  void Pass();
  // Returns whether someone is blocked at the gate within `timeout`.
  bool WaitForWaiter(absl::Duration timeout);

 private:
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

// A signer that passes `gate` before each signature. Thread-safe.
class GatedSigner : public note::Signer {
 public:
  GatedSigner(std::unique_ptr<note::Signer> inner, std::shared_ptr<Gate> gate)
      : inner_(std::move(inner)), gate_(std::move(gate)) {}
  std::string Name() const override { return inner_->Name(); }
  uint32_t KeyId() const override { return inner_->KeyId(); }
  note::SignatureType Type() const override { return inner_->Type(); }
  absl::StatusOr<std::string> Sign(absl::string_view text) const override {
    gate_->Pass();
    return inner_->Sign(text);
  }

 private:
  std::unique_ptr<note::Signer> inner_;
  std::shared_ptr<Gate> gate_;
};

// A store in its own folder under TEST_TMPDIR and a fresh key for kOrigin.
class SequencerFixture : public ::testing::Test {
 protected:
  void SetUp() override;

  // Closes and reopens the store, as a restarted process would.
  void ReopenStore();
  // Closes the store (for OverwriteStoredTile).
  void CloseStore() { store_.reset(); }

  // Starts a sequencer on store_ with key_, or with `signer` when given.
  absl::StatusOr<std::unique_ptr<Sequencer>> StartSequencer(
      SequencerOptions options = {},
      std::unique_ptr<note::Signer> signer = nullptr);

  // Checks that `state` is signed by key_, and that the store proves `leaf`
  // at `index` in its tree (RFC 9162 2.1.3) through its hash reader.
  void ExpectIncluded(const PublishedState& state, uint64_t index,
                      absl::string_view leaf);

  std::string path_;
  note::GeneratedKey key_;
  note::VerifierSet log_keys_;
  std::unique_ptr<storage::Store> store_;
};

}  // namespace vitrine::sequencer::testing

#endif  // VITRINE_LOG_SEQUENCER_SEQUENCER_TESTING_H_
