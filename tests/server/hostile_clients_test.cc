// Issue 11, "Hostile clients", from outside: a real vitrine-log process
// holding entries takes the three attacks of the issue while an honest
// client (its own connection, 20 Adds/s and proof reads every 100 ms) works
// alongside. The attacks are bench/internal/attack_loops.h's, the same ones
// bench/attack_bench measures:
//   - keyless replay (logged statements plus a line by an unknown key):
//     every one INVALID_ARGUMENT, the tree does not grow;
//   - multi-signature flood (99 copies of a valid line plus a bad one):
//     every one INVALID_ARGUMENT, before any Ed25519;
//   - forged signatures under a registered vendor's name and key ID: the
//     connection's burst (20) answered INVALID_ARGUMENT, then
//     RESOURCE_EXHAUSTED before verification.
// Every honest call succeeds. Its p99 under attack must stay below
// max(4 x idle p99, idle p99 + 500 ms): generous, since CI machines are
// noisy and a 3 s phase has only ~60 Adds, so one WAL fsync stalled behind
// the disk's online discard (60-200 ms on the development machine) is its
// p99 (one full-suite run with another test beside it saw 169 ms, so the
// test is now tagged exclusive and the margin is 500 ms; the pre-fix
// multi-signature flood's 2.98 s is still caught, and the budgets by their
// status codes). With idle + 100 ms, 2 of 6 runs failed on one such Add (131-133 ms,
// in the single-connection forged phase, fastbuild). The 2x target
// is measured by bench/attack_bench over longer phases. The attacks before
// issue 11's fix cost honest clients 183 ms (forged) and 2.98 s
// (multi-signature) at p99, and appended the keyless replays: the status
// codes and tree sizes asserted here catch those whatever the latency.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bench/internal/attack_loops.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/log_child.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"
#include "log/note/signer.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::tests {
namespace {

using bench::Attack;
using bench::AttackOptions;
using bench::HostilePhase;

constexpr uint64_t kPreload = 400;
constexpr absl::Duration kPhase = absl::Seconds(3);

std::string Binary() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/vitrine/log/server/vitrine-log";
}

std::string Describe(const std::map<std::string, uint64_t>& codes) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : codes) parts.push_back(absl::StrCat(code, " x", count));
  return absl::StrJoin(parts, ", ");
}

class HostileClientsTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::unique_ptr<note::Signer>> vendors;
    std::vector<std::string> vendor_keys;
    for (int k = 0; k < 2; ++k) {
      absl::StatusOr<note::GeneratedKey> key = note::GenerateKey(
          absl::StrCat("hostile.example/vendor-", k), note::SignatureType::kEd25519);
      ASSERT_TRUE(key.ok()) << key.status();
      absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(key->signer_key);
      ASSERT_TRUE(signer.ok()) << signer.status();
      vendors.push_back(*std::move(signer));
      vendor_keys.push_back(key->verifier_key);
    }
    absl::StatusOr<std::vector<vitrine::v1::AddRequest>> preload =
        bench::PresignAdds(vendors, kPreload, 10, "hostile-preload");
    ASSERT_TRUE(preload.ok()) << preload.status();

    bench::LogChildOptions options;
    options.binary = Binary();
    options.origin = "hostile.example/log";
    options.vendor_keys = vendor_keys;
    absl::StatusOr<std::unique_ptr<bench::LogChild>> child = bench::LogChild::Spawn(options);
    ASSERT_TRUE(child.ok()) << child.status();
    child_ = child->release();

    bench::LoadTarget fill = bench::ConnectLoadTarget(child_->grpc_address(), 2);
    bench::AddPhaseOptions fill_options;
    fill_options.clients = 4;
    fill_options.verify_every = 0;
    const bench::PhaseResult filled = bench::RunAddPhase(fill, *preload, fill_options);
    ASSERT_EQ(filled.items_ok, kPreload) << Describe(filled.errors);

    honest_stub_ = bench::ConnectOwn(child_->grpc_address()).release();
    absl::StatusOr<std::vector<std::string>> logged =
        bench::ReadEntries(*honest_stub_, 0, kPreload);
    ASSERT_TRUE(logged.ok()) << logged.status();
    factory_ = new bench::AttackFactory(*std::move(logged));
    honest_ = new bench::HonestStatements(std::move(vendors[0]));

    // The honest connection appends first (earning its credit), then the
    // idle baseline.
    AttackOptions warm_up;
    warm_up.duration = absl::Seconds(1);
    ASSERT_EQ(RunPhase(warm_up).honest.failures, 0u);
    AttackOptions idle;
    idle.duration = kPhase;
    HostilePhase phase = RunPhase(idle);
    ASSERT_EQ(phase.honest.failures, 0u) << Describe(phase.honest.errors);
    idle_p99_ms_ = bench::Summarize(phase.honest.latencies_ms).p99_ms;
    std::printf("idle: honest p99 %.2f ms over %llu calls\n", idle_p99_ms_,
                static_cast<unsigned long long>(phase.honest.calls));
  }

  static void TearDownTestSuite() {
    delete honest_;
    delete factory_;
    delete honest_stub_;
    if (child_ != nullptr) {
      EXPECT_TRUE(child_->Stop().ok());
    }
    delete child_;
  }

  // Runs the honest client and `attack` (on `connections` connections of
  // their own) together.
  static HostilePhase RunPhase(const AttackOptions& attack, int connections = 2) {
    std::vector<std::unique_ptr<vitrine::v1::Log::Stub>> owned;
    std::vector<vitrine::v1::Log::Stub*> stubs;
    for (int c = 0; c < connections; ++c) {
      owned.push_back(bench::ConnectOwn(child_->grpc_address()));
      stubs.push_back(owned.back().get());
    }
    return bench::RunHostilePhase(*honest_stub_, *honest_, bench::HonestOptions{}, stubs,
                                  factory_, attack);
  }

  // Checks what every attack must leave: honest calls all OK within the
  // latency bound, nothing appended by anyone else.
  static void ExpectHonestUnharmed(const HostilePhase& phase) {
    EXPECT_EQ(phase.honest.failures, 0u) << Describe(phase.honest.errors);
    EXPECT_GT(phase.honest.appended, 0u);
    EXPECT_EQ(phase.attack.appended, 0u);
    EXPECT_EQ(phase.others_appended, 0)
        << "size " << phase.size_before << " -> " << phase.size_after;
    std::vector<double> latencies = phase.honest.latencies_ms;
    const double p99 = bench::Summarize(latencies).p99_ms;
    const double bound = std::max(4 * idle_p99_ms_, idle_p99_ms_ + 500);
    std::vector<double> adds = phase.honest.add_latencies_ms;
    std::vector<double> reads = phase.honest.read_latencies_ms;
    const bench::LatencySummary add = bench::Summarize(adds);
    const bench::LatencySummary read = bench::Summarize(reads);
    std::printf("%s: honest p99 %.2f ms (idle %.2f, bound %.2f; Add p99 %.2f max %.2f, "
                "reads p99 %.2f max %.2f); attacker %llu Adds, %s\n",
                phase.name.c_str(), p99, idle_p99_ms_, bound, add.p99_ms, add.max_ms,
                read.p99_ms, read.max_ms,
                static_cast<unsigned long long>(phase.attack.requests),
                Describe(phase.attack.codes).c_str());
    EXPECT_LT(p99, bound);
  }

  static bench::LogChild* child_;
  static vitrine::v1::Log::Stub* honest_stub_;
  static bench::AttackFactory* factory_;
  static bench::HonestStatements* honest_;
  static double idle_p99_ms_;
};

bench::LogChild* HostileClientsTest::child_ = nullptr;
vitrine::v1::Log::Stub* HostileClientsTest::honest_stub_ = nullptr;
bench::AttackFactory* HostileClientsTest::factory_ = nullptr;
bench::HonestStatements* HostileClientsTest::honest_ = nullptr;
double HostileClientsTest::idle_p99_ms_ = 0;

TEST_F(HostileClientsTest, KeylessReplayAppendsNothing) {
  AttackOptions attack;
  attack.attack = Attack::kKeylessReplay;
  attack.threads = 2;
  attack.per_request = 5;
  attack.duration = kPhase;
  attack.max_requests = 20000;  // the phase's 3 s end it first
  const HostilePhase phase = RunPhase(attack);
  EXPECT_GE(phase.attack.statements, 200u) << "too few attempts to mean anything";
  EXPECT_EQ(phase.attack.codes,
            (std::map<std::string, uint64_t>{
                {"statement INVALID_ARGUMENT", phase.attack.statements}}));
  ExpectHonestUnharmed(phase);
}

TEST_F(HostileClientsTest, MultiSignatureFloodRefusedBeforeVerification) {
  AttackOptions attack;
  attack.attack = Attack::kMultiSignature;
  attack.threads = 2;
  attack.per_request = 5;
  attack.duration = kPhase;
  attack.max_requests = 20000;  // the phase's 3 s end it first
  const HostilePhase phase = RunPhase(attack);
  EXPECT_GE(phase.attack.statements, 100u);
  EXPECT_EQ(phase.attack.codes,
            (std::map<std::string, uint64_t>{
                {"statement INVALID_ARGUMENT", phase.attack.statements}}));
  ExpectHonestUnharmed(phase);
}

TEST_F(HostileClientsTest, ForgedFloodSpendsOnlyItsConnectionsBudget) {
  // One loop on one connection, so the order of answers is the server's.
  AttackOptions attack;
  attack.attack = Attack::kForgedSignature;
  attack.threads = 1;
  attack.per_request = 1;
  attack.duration = kPhase;
  attack.max_requests = 20000;
  const HostilePhase phase = RunPhase(attack, /*connections=*/1);
  ASSERT_GE(phase.attack.first_codes.size(), 21u);
  // The connection's burst of failed verifications, then refusals before
  // any verification (refilling at 1/s).
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(phase.attack.first_codes[i], "statement INVALID_ARGUMENT") << "answer " << i;
  }
  EXPECT_EQ(phase.attack.first_codes[20], "statement RESOURCE_EXHAUSTED");
  const uint64_t refused = phase.attack.codes.count("statement RESOURCE_EXHAUSTED")
                               ? phase.attack.codes.at("statement RESOURCE_EXHAUSTED")
                               : 0;
  const uint64_t verified = phase.attack.codes.count("statement INVALID_ARGUMENT")
                                ? phase.attack.codes.at("statement INVALID_ARGUMENT")
                                : 0;
  EXPECT_EQ(refused + verified, phase.attack.statements) << Describe(phase.attack.codes);
  // 20 at once plus 1/s over the phase (and a little for timing).
  EXPECT_LE(verified, 20 + absl::ToInt64Seconds(kPhase) + 2);
  ExpectHonestUnharmed(phase);
}

TEST_F(HostileClientsTest, ForgedFloodFromManyConnectionsLeavesHonestClientWorking) {
  // Eight connections from the honest client's own address (8 x 20 at
  // once is more than the address's 100) spend the address's budget too; the honest connection appended, so it is held to
  // its own connection budget and keeps working.
  AttackOptions attack;
  attack.attack = Attack::kForgedSignature;
  attack.threads = 8;
  attack.per_request = 10;
  attack.duration = kPhase;
  attack.max_requests = 20000;
  const HostilePhase phase = RunPhase(attack, /*connections=*/8);
  const uint64_t verified = phase.attack.codes.count("statement INVALID_ARGUMENT")
                                ? phase.attack.codes.at("statement INVALID_ARGUMENT")
                                : 0;
  // The address's burst (100) and rate (5/s) bound the failures whatever
  // the number of connections.
  EXPECT_LE(verified, 100 + 5 * absl::ToInt64Seconds(kPhase) + 5)
      << Describe(phase.attack.codes);
  EXPECT_GT(phase.attack.codes.count("statement RESOURCE_EXHAUSTED"), 0u);
  ExpectHonestUnharmed(phase);
}

}  // namespace
}  // namespace vitrine::tests
