// Test fixtures for the witness and its service: a log (key and a Merkle
// tree in memory) that signs checkpoints and makes consistency proofs, a
// fork of it under the same key, an Alarm that records what it is given,
// and a VerifiedLog over a test log.
//
//   TestLog log("log.example/a", 20);
//   std::string note = log.Note(13);        // signed checkpoint of size 13
//   std::vector<std::string> proof = log.RawProof(5, 13);
//   TestLog fork = log.Fork("other-", 20);  // same key, other entries
//
// Thread-safety: TestLog and FakeAlarm are thread-safe.
#ifndef VITRINE_MONITOR_WITNESS_WITNESS_TESTING_H_
#define VITRINE_MONITOR_WITNESS_WITNESS_TESTING_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "monitor/alarm.h"
#include "monitor/verified_log.h"
#include "proto/vitrine/v1/evidence.pb.h"

namespace vitrine::monitor::testing {

// Returns a fresh folder under TEST_TMPDIR (not created) named after `name`.
std::string NewTempDir(const std::string& name);

// A log with a fresh type 0x01 key and `leaves` entries "<prefix><i>".
// Failures abort the test (ASSERT in a helper cannot return).
class TestLog {
 public:
  TestLog(std::string origin, uint64_t leaves,
          std::string prefix = "entry-");
  // A log with this one's key (same origin) and other entries.
  TestLog Fork(std::string prefix, uint64_t leaves) const;

  TestLog(TestLog&&) = default;

  const std::string& origin() const { return origin_; }
  const std::string& vkey() const { return vkey_; }
  const std::string& signer_key() const { return signer_key_; }
  const note::VerifierSet& keys() const { return keys_; }
  uint64_t size() const { return size_; }

  merkle::Hash Root(uint64_t size) const;
  // The checkpoint of the first `size` leaves, signed by the log key.
  std::string Note(uint64_t size) const;
  std::vector<merkle::Hash> Proof(uint64_t old_size, uint64_t new_size) const;
  // The same proof as raw 32-byte strings, as the wire carries it.
  std::vector<std::string> RawProof(uint64_t old_size,
                                    uint64_t new_size) const;

 private:
  TestLog(std::string origin, std::string signer_key, uint64_t leaves,
          std::string prefix);

  std::string origin_;
  std::string signer_key_;
  std::string vkey_;
  note::VerifierSet keys_;
  uint64_t size_;
  // MemoryHashStore::ReadHashes is not const.
  std::unique_ptr<absl::Mutex> mu_;
  std::unique_ptr<merkle::MemoryHashStore> store_;
};

// Records raised evidence; Halted once evidence for the origin was raised
// (or halt() was called).
class FakeAlarm : public Alarm {
 public:
  absl::StatusOr<std::string> Raise(vitrine::v1::Evidence evidence) override;
  bool Halted(absl::string_view origin) const override;

  void Halt(const std::string& origin);
  std::vector<vitrine::v1::Evidence> raised() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<vitrine::v1::Evidence> raised_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> halted_ ABSL_GUARDED_BY(mu_);
};

// The monitor's verified copy of `log`, complete up to log.size().
class FakeVerifiedLog : public VerifiedLog {
 public:
  explicit FakeVerifiedLog(const TestLog* log);

  const std::string& origin() const override { return log_->origin(); }
  const std::string& log_vkey() const override { return log_->vkey(); }
  const note::VerifierSet& log_keys() const override { return log_->keys(); }
  std::shared_ptr<const VerifiedHead> Latest() const override;
  absl::StatusOr<merkle::Hash> RootAt(uint64_t size) const override;
  absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(
      uint64_t old_size, uint64_t new_size) const override;
  absl::StatusOr<std::vector<merkle::Hash>> RangeAt(
      uint64_t size) const override;

 private:
  const TestLog* log_;
};

}  // namespace vitrine::monitor::testing

#endif  // VITRINE_MONITOR_WITNESS_WITNESS_TESTING_H_
