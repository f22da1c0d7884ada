// Hostile clients against a vitrine-log (issue 11), and an honest client
// measured alongside them: shared by bench/attack_bench.cc and
// tests/server/hostile_clients_test.cc.
//
//   AttackFactory factory(logged_entries);   // public data, from GetEntries
//   HonestStatements honest(std::move(vendor_signer));
//   AttackOptions attack{Attack::kKeylessReplay};
//   attack.duration = absl::Seconds(10);
//   HostilePhase phase = RunHostilePhase(*honest_stub, honest, honest_options,
//                                        attack_stubs, &factory, attack);
//   // phase.others_appended must be 0; Summarize(phase.honest.latencies_ms)
//
// The attacks, each built from what anyone can read in the log plus random
// bytes (no attacker holds a registered key):
//   kKeylessReplay:  a logged statement with one more signature line by an
//                    unknown key ("— anything.invalid/x <68 random bytes>").
//   kMultiSignature: a logged statement's text with 99 copies of its valid
//                    vendor line plus one random line under the vendor's
//                    name and key ID (100 lines, the note limit).
//   kForgedSignature: a new statement text (a logged one with a fresh
//                    version) signed by random bytes under a registered
//                    vendor's real name and key ID.
// The attacker runs `threads` closed loops of blocking Adds, as fast as the
// server answers, each thread on its own stub (connection) when given
// several, until the duration or the request bound ends the phase.
//
// The honest client is one vendor on its own connection, at a fixed rate:
// Adds of one new statement (signed just before its call starts; the
// signing is not timed) and, on another thread, GetCheckpoint followed by
// GetInclusionProof at that size. Each call's latency is recorded; a call
// that fails counts as a failure and is listed by code.
//
// Thread-safety: AttackFactory and HonestStatements are thread-safe; each
// Run* call blocks until its phase ends.
#ifndef VITRINE_BENCH_INTERNAL_ATTACK_LOOPS_H_
#define VITRINE_BENCH_INTERNAL_ATTACK_LOOPS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/note/signer.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::bench {

enum class Attack { kNone, kKeylessReplay, kMultiSignature, kForgedSignature };

// Returns "idle", "keyless-replay", "multi-signature" or "forged-signature".
std::string AttackName(Attack attack);

// Makes hostile statements from logged ones. Thread-safe (const).
class AttackFactory {
 public:
  // `logged`: signed statements as the log serves them (at least one).
  explicit AttackFactory(std::vector<std::string> logged);

  // Returns the n-th statement of `attack` (n picks the logged statement
  // and, for forgeries, the new version); random bytes from `random`.
  absl::StatusOr<std::string> Make(Attack attack, uint64_t n,
                                   absl::BitGen& random) const;

 private:
  std::vector<std::string> logged_;
};

// Reads entries [start, end) through GetEntries (in chunks the server
// allows) and returns their leaves.
absl::StatusOr<std::vector<std::string>> ReadEntries(vitrine::v1::Log::Stub& stub,
                                                     uint64_t start, uint64_t end);

// Returns the latest checkpoint's size.
absl::StatusOr<uint64_t> LatestTreeSize(vitrine::v1::Log::Stub& stub);

// New statements by one vendor, unique across runs (a random run label).
// Thread-safe.
class HonestStatements {
 public:
  explicit HonestStatements(std::unique_ptr<note::Signer> vendor);
  // Returns the next new statement, signed.
  absl::StatusOr<std::string> Next();

 private:
  const std::unique_ptr<note::Signer> vendor_;
  const uint64_t run_;
  std::atomic<uint64_t> next_{0};
};

// Signs `count` statements of `vendors` (round-robin) on every core and
// packs them `per_request` to an Add; `label` keeps them apart from any
// other run's.
absl::StatusOr<std::vector<vitrine::v1::AddRequest>> PresignAdds(
    const std::vector<std::unique_ptr<note::Signer>>& vendors, uint64_t count,
    int per_request, const std::string& label);

// Opens a stub on a connection of its own (a local subchannel pool).
std::unique_ptr<vitrine::v1::Log::Stub> ConnectOwn(const std::string& address);

struct HonestOptions {
  // 20 single-statement Adds a second: a vendor's release pipeline, busy.
  double adds_per_second = 20;
  // A GetCheckpoint + GetInclusionProof pair this often: a client fetching
  // a proof for an update it installs.
  absl::Duration read_interval = absl::Milliseconds(100);
  absl::Duration duration = absl::Seconds(10);
  absl::Duration rpc_deadline = absl::Seconds(10);
};

struct HonestResult {
  uint64_t calls = 0;
  uint64_t failures = 0;  // calls not OK, and Add results with an error
  std::map<std::string, uint64_t> errors;  // "<method> <CODE>" -> count
  uint64_t appended = 0;    // new entries from its Adds
  std::vector<double> latencies_ms;       // every call
  std::vector<double> add_latencies_ms;   // Adds only
  std::vector<double> read_latencies_ms;  // GetCheckpoint, GetInclusionProof
};

// Runs the honest client for options.duration on `stub`.
HonestResult RunHonestClient(vitrine::v1::Log::Stub& stub, HonestStatements& statements,
                             const HonestOptions& options);

struct AttackOptions {
  Attack attack = Attack::kNone;
  int threads = 4;
  int per_request = 10;  // statements per Add
  absl::Duration duration = absl::Seconds(10);
  uint64_t max_requests = 0;  // Adds in total; 0: no bound but the duration
  // Nice value of the attacker's threads: > 0 stands in for an attacker on
  // another machine, whose own CPU does not compete with the honest client
  // on a small test machine; the server's work for it is not reniced.
  int nice = 0;
  absl::Duration rpc_deadline = absl::Seconds(10);
};

struct AttackResult {
  uint64_t requests = 0;    // Adds answered
  uint64_t statements = 0;  // statements in them
  // "call <CODE>" for Adds that failed whole, "statement <CODE>" for each
  // statement's result ("statement OK" for new entries, "statement
  // DUPLICATE" for ones answered as already logged).
  std::map<std::string, uint64_t> codes;
  uint64_t appended = 0;  // statements that became new entries
  // The codes of the first statements answered, in order (up to 64; exact
  // order only with one thread).
  std::vector<std::string> first_codes;
  double seconds = 0;
};

// Runs the attack; thread t uses stubs[t % stubs.size()].
AttackResult RunAttack(const std::vector<vitrine::v1::Log::Stub*>& stubs,
                       const AttackFactory& factory, const AttackOptions& options);

struct HostilePhase {
  std::string name;
  HonestResult honest;
  AttackResult attack;
  uint64_t size_before = 0, size_after = 0;
  // Tree growth not caused by the honest client (must be 0 under attack).
  int64_t others_appended = 0;
};

// Runs the honest client and (unless attack.attack is kNone) the attack at
// once for attack.duration, the tree size read before and after.
HostilePhase RunHostilePhase(vitrine::v1::Log::Stub& honest_stub,
                             HonestStatements& honest, HonestOptions honest_options,
                             const std::vector<vitrine::v1::Log::Stub*>& attack_stubs,
                             const AttackFactory* factory, const AttackOptions& attack);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_ATTACK_LOOPS_H_
