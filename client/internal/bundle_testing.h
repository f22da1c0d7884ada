// Test support: a small in-memory log with its keys, vendors, a supervisor
// and witnesses from fixed seeds, producing bundles and policies, so that
// verifier, state and benchmark tests need no server.
//
//   auto world = TestWorld::Create().value();
//   std::string leaf = world->SignedStatement(Digest("tool"));
//   uint64_t index = world->Append(leaf);
//   v1::Bundle bundle = world->MakeBundle(index, {0, 1}).value();  // 2 witnesses
//   note::Policy policy = world->MakePolicy(/*witness_quorum=*/2).value();
//
// Not thread-safe.
#ifndef VITRINE_CLIENT_INTERNAL_BUNDLE_TESTING_H_
#define VITRINE_CLIENT_INTERNAL_BUNDLE_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/note/policy.h"
#include "log/note/signer.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::client::testing {

inline constexpr absl::string_view kLogOrigin = "example.com/test-log";
inline constexpr absl::string_view kVendor = "example.com/acme";
inline constexpr absl::string_view kSupervisor = "builds.example.net";

struct TestKey {
  std::unique_ptr<note::Signer> signer;
  std::string vkey;
};

// Returns a key named `name` of `type` from a fixed seed byte.
absl::StatusOr<TestKey> MakeKey(absl::string_view name,
                                note::SignatureType type, char seed);

// Returns a stand-in artifact digest: SHA-256(0x00 || name).
merkle::Hash Digest(absl::string_view name);

class TestWorld {
 public:
  // Keys: the log (kLogOrigin), vendor kVendor, supervisor kSupervisor,
  // `witnesses` witnesses "witness<i>.example.org", and decoys: another
  // log key with the same origin, another vendor "example.org/other".
  static absl::StatusOr<std::unique_ptr<TestWorld>> Create(
      size_t witnesses = 3);

  // Returns a statement naming `sha256`, signed by the vendor and, when
  // `supervised`, cosigned by the supervisor.
  std::string SignedStatement(const merkle::Hash& sha256,
                              bool supervised = false,
                              absl::string_view version = "1.0") const;

  // Appends a leaf to the log; returns its index.
  uint64_t Append(absl::string_view leaf);

  // Returns the checkpoint of the whole tree signed by the log key (or the
  // decoy key with the same origin), cosigned by the listed witnesses.
  absl::StatusOr<std::string> SignedCheckpoint(
      const std::vector<size_t>& witnesses, bool decoy_log = false) const;

  // Returns the bundle of leaf `index` against SignedCheckpoint(witnesses).
  absl::StatusOr<vitrine::v1::Bundle> MakeBundle(
      uint64_t index, const std::vector<size_t>& witnesses) const;

  // Returns the policy trusting the log, every witness (quorum as given),
  // the vendor and the supervisor (quorum as given).
  absl::StatusOr<note::Policy> MakePolicy(size_t witness_quorum,
                                          size_t supervisor_quorum = 0) const;

  TestKey log;
  TestKey decoy_log;
  TestKey vendor;
  TestKey other_vendor;
  TestKey supervisor;
  std::vector<TestKey> witnesses;
  std::vector<std::string> leaves;

 private:
  TestWorld() = default;
  std::unique_ptr<merkle::MemoryHashStore> tree_ =
      std::make_unique<merkle::MemoryHashStore>();
};

}  // namespace vitrine::client::testing

#endif  // VITRINE_CLIENT_INTERNAL_BUNDLE_TESTING_H_
