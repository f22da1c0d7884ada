// Test support for the monitor's parts: a VerifiedLog held in memory
// (merkle::MemoryHashStore) whose checkpoints are signed with a test log key
// from a fixed seed. Two FakeVerifiedLogs with the same origin and seed but
// different entries are a log showing a split view: each signs what the
// other contradicts. For tests only.
//
//   FakeVerifiedLog log("example.com/log", /*key_seed=*/7);
//   ASSERT_OK(log.Append(TestEntries("a", 0, 5)));    // signs size 5: Latest
//   ASSERT_OK_AND_ASSIGN(std::string note3, log.SignedNoteAt(3));
//   ASSERT_OK_AND_ASSIGN(std::string forged,
//                        log.SignCheckpoint(5, merkle::HashLeaf("x")));
//
// Thread-safety: the VerifiedLog methods are thread-safe, also while Append
// runs on another thread.
#ifndef VITRINE_MONITOR_GOSSIP_TESTING_FAKE_VERIFIED_LOG_H_
#define VITRINE_MONITOR_GOSSIP_TESTING_FAKE_VERIFIED_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/note/note.h"
#include "log/note/signer.h"
#include "monitor/verified_log.h"

namespace vitrine::monitor::testing {

// A log key pair from a fixed seed byte, named `origin`.
struct TestLogKey {
  std::unique_ptr<note::Signer> signer;
  std::string verifier_key;
};
TestLogKey MakeTestLogKey(absl::string_view origin, char seed_byte);

// Returns entries "<prefix>-<i>" for i in [begin, end).
std::vector<std::string> TestEntries(absl::string_view prefix, uint64_t begin,
                                     uint64_t end);

class FakeVerifiedLog : public VerifiedLog {
 public:
  FakeVerifiedLog(absl::string_view origin, char key_seed);

  // Appends `entries` and makes a signed checkpoint of the new size the
  // latest verified head.
  absl::Status Append(absl::Span<const std::string> entries);

  // Returns a checkpoint of this tree at `size` (<= Latest()), signed by
  // the log key.
  absl::StatusOr<std::string> SignedNoteAt(uint64_t size) const;
  // Returns any checkpoint (size, root) signed by the log key: a forgery
  // only in that the log never had such a tree.
  absl::StatusOr<std::string> SignCheckpoint(uint64_t size,
                                             const merkle::Hash& root) const;

  const note::Signer& signer() const { return *key_.signer; }

  // VerifiedLog.
  const std::string& origin() const override { return origin_; }
  const std::string& log_vkey() const override { return key_.verifier_key; }
  const note::VerifierSet& log_keys() const override { return log_keys_; }
  std::shared_ptr<const VerifiedHead> Latest() const override;
  absl::StatusOr<merkle::Hash> RootAt(uint64_t size) const override;
  absl::StatusOr<std::vector<merkle::Hash>> ConsistencyProof(
      uint64_t old_size, uint64_t new_size) const override;
  absl::StatusOr<std::vector<merkle::Hash>> RangeAt(
      uint64_t size) const override;

 private:
  absl::Status CheckSize(uint64_t size) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const std::string origin_;
  TestLogKey key_;
  note::VerifierSet log_keys_;
  mutable absl::Mutex mu_;
  // ReadHashes is not const: guarded for reads too.
  mutable merkle::MemoryHashStore store_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const VerifiedHead> head_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor::testing

#endif  // VITRINE_MONITOR_GOSSIP_TESTING_FAKE_VERIFIED_LOG_H_
