// Audit throughput of vitrine-monitor (issues 7 and 13): a monitor catching
// up on a 1M-entry log on this machine, with and without vendor-signature
// checks, and the bound Ed25519 verification sets, measured in the same run.
//
//   1. A log of --entries signed release statements (about 330 bytes each,
//      one vendor) is built in <dir>/log through the sequencer (the
//      statements are signed first, on every core), unless <dir>/log
//      already holds that many; then it is served by a real LogServer on
//      loopback in this process.
//   2. Ed25519 bound: every core verifies the vendor signatures of 40,000
//      such statements with raw libsodium (crypto_sign_verify_detached on
//      each statement's exact text and signature, parsed and the key
//      prepared before timing; bench/internal/raw_ed25519.h) as fast as it
//      can: statements/s that signature checks alone would allow with the
//      library log/note verifies with (issue 13). Printed beside it, not
//      targets: the same with raw OpenSSL 3.0 EVP (a fresh context per call,
//      as before issue 13), and the monitor's own check (grammar + vendor
//      signature, note::VerifyStatement).
//   3. Catch-up: a Follower with a fresh VerifiedCopy fetches every entry
//      over gRPC (10000 per call), checks every statement, recomputes the
//      root and commits the verified copy (one synced batch): entries/s
//      from start to the copy holding the log's checkpoint. Twice: with
//      vendor-signature checks and without (grammar only).
//   4. The libsodium bound again, to show how the machine moved meanwhile.
// The log serves from the same two cores, as a monitor next to its log
// would share them: what the catch-up costs includes what serving costs.
// Targets (issue 13), printed with the figures: catch-up with signatures
// >= 25,000 entries/s and >= 0.8 of the libsodium bound of step 2.
//
//   bazel run -c opt //bench:monitor_bench -- [--entries=1000000]
//       [--dir=/tmp/vitrine-monitor-bench]
#include <sodium.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/internal/raw_ed25519.h"
#include "common/file.h"
#include "log/merkle/hash.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "log/sequencer/sequencer.h"
#include "log/server/config.h"
#include "log/server/log_server.h"
#include "log/storage/store.h"
#include "monitor/alarm.h"
#include "monitor/follow/follower.h"
#include "monitor/follow/verified_copy.h"

namespace vitrine::bench {
namespace {

// Issue 13's targets for the catch-up with vendor signatures.
constexpr double kTargetEntriesPerSecond = 25000;
constexpr double kTargetOfBound = 0.8;

struct Flags {
  uint64_t entries = 1000000;
  std::string dir = "/tmp/vitrine-monitor-bench";
};

unsigned Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

void Die(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "monitor_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

// No evidence is expected from an honest log; any is fatal to the run.
class FailingAlarm : public monitor::Alarm {
 public:
  absl::StatusOr<std::string> Raise(vitrine::v1::Evidence evidence) override {
    std::fprintf(stderr, "monitor_bench: unexpected evidence: %s\n",
                 evidence.explanation().c_str());
    std::exit(1);
  }
  bool Halted(absl::string_view) const override { return false; }
};

// Statement i of the benchmark's vendor, signed (deterministic: Ed25519
// signatures are).
std::vector<std::string> SignStatements(const note::Signer& vendor, uint64_t begin,
                                        uint64_t end) {
  std::vector<std::string> out(end - begin);
  std::vector<std::thread> threads;
  const unsigned cores = Cores();
  for (unsigned t = 0; t < cores; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = begin + t; i < end; i += cores) {
        note::Statement statement;
        statement.vendor = vendor.Name();
        statement.artifact = absl::StrCat("app-", i, "_linux_amd64.tar.gz");
        statement.version = absl::StrCat("1.", i / 1000, ".", i % 1000);
        statement.sha256 = merkle::HashLeaf(absl::StrCat("artifact ", i));
        statement.source = absl::StrCat("https://git.example.com/app@v1.", i);
        absl::StatusOr<std::string> signed_statement = note::SignStatement(statement, vendor);
        Die(signed_statement.status(), "signing");
        out[i - begin] = *std::move(signed_statement);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return out;
}

// Builds (or completes) the log in config.data with `entries` statements.
void BuildLog(const server::LogConfig& config, const note::Signer& vendor, uint64_t entries) {
  absl::StatusOr<std::unique_ptr<storage::Store>> store =
      storage::Store::Open({.path = config.StorePath()});
  Die(store.status(), "opening the log store");
  const uint64_t have = (*store)->EntryCount();
  if (have >= entries) return;
  absl::StatusOr<std::string> log_key = note::ReadSignerKeyFile(config.KeyPath());
  Die(log_key.status(), "reading the log key");
  absl::StatusOr<std::string> log_vkey = note::VerifierKeyOf(*log_key);
  Die(log_vkey.status(), "log vkey");
  absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(*log_key);
  absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(*log_vkey);
  Die(verifier.status(), "log verifier");
  absl::StatusOr<std::unique_ptr<sequencer::Sequencer>> sequencer =
      sequencer::Sequencer::Start(store->get(), *std::move(signer), *std::move(verifier), {});
  Die(sequencer.status(), "starting the sequencer");
  const absl::Time start = absl::Now();
  std::atomic<uint64_t> done{0};
  uint64_t submitted = 0;
  for (uint64_t chunk = have; chunk < entries; chunk += 100000) {
    const uint64_t end = std::min(entries, chunk + 100000);
    for (std::string& leaf : SignStatements(vendor, chunk, end)) {
      // Back-pressure: stay under the sequencer's queue limit.
      while (submitted - done.load() > 50000) absl::SleepFor(absl::Milliseconds(1));
      sequencer::AddRequest request;
      request.leaf = std::move(leaf);
      (*sequencer)->Add(std::move(request), [&](absl::StatusOr<sequencer::AddResult> r) {
        Die(r.status(), "appending");
        done.fetch_add(1);
      });
      ++submitted;
    }
    std::fprintf(stderr, "  log: %llu entries\n", static_cast<unsigned long long>(end));
  }
  (*sequencer)->Stop();
  std::fprintf(stderr, "  built the log: %llu entries in %.1f s (signing included)\n",
               static_cast<unsigned long long>(entries - have),
               absl::ToDoubleSeconds(absl::Now() - start));
}

// Returns how many of `count` checks per second `check(i)` does, run flat
// out on every core (check i on thread i % cores).
template <typename Check>
double PerSecondOnEveryCore(size_t count, const Check& check) {
  std::vector<std::thread> threads;
  const unsigned cores = Cores();
  const absl::Time start = absl::Now();
  for (unsigned t = 0; t < cores; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < count; i += cores) {
        if (!check(i)) Die(absl::InternalError("a check failed"), "bound");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return count / absl::ToDoubleSeconds(absl::Now() - start);
}

// The bounds' inputs, prepared before any timing: the signed statements,
// and each one's exact text and vendor signature for the raw checks.
struct BoundInputs {
  std::vector<std::string> statements;
  std::unique_ptr<RawEd25519> vendor_key;
  std::vector<std::string> texts;
  std::vector<std::string> signatures;
};

BoundInputs PrepareBounds(const note::Signer& vendor, const std::string& vendor_vkey) {
  BoundInputs in;
  in.statements = SignStatements(vendor, 0, 40000);
  absl::StatusOr<note::VerifierKey> key = note::ParseVerifierKey(vendor_vkey);
  Die(key.status(), "parsing the vendor vkey");
  absl::StatusOr<std::unique_ptr<RawEd25519>> raw = RawEd25519::FromPublicKey(key->public_key);
  Die(raw.status(), "raw vendor key");
  in.vendor_key = *std::move(raw);
  for (const std::string& statement : in.statements) {
    absl::StatusOr<note::Note> parsed = note::ParseNote(statement);
    Die(parsed.status(), "parsing a statement");
    if (parsed->signatures.size() != 1) Die(absl::InternalError("one signature"), "parsing");
    in.texts.push_back(parsed->text);
    in.signatures.push_back(parsed->signatures[0].bytes);
  }
  return in;
}

// Statements/s that raw libsodium verifications alone allow on every core.
double SodiumBound(const BoundInputs& in) {
  return PerSecondOnEveryCore(in.texts.size(), [&](size_t i) {
    return in.vendor_key->SodiumVerify(in.texts[i], in.signatures[i]);
  });
}

// The same through OpenSSL EVP, printed beside it.
double EvpBound(const BoundInputs& in) {
  return PerSecondOnEveryCore(in.texts.size(), [&](size_t i) {
    return in.vendor_key->EvpVerify(in.texts[i], in.signatures[i]);
  });
}

// Statements/s the monitor's own statement check (grammar + vendor
// signature) allows on every core.
double StatementCheckBound(const BoundInputs& in, const note::VerifierSet& keys) {
  return PerSecondOnEveryCore(in.statements.size(), [&](size_t i) {
    return note::VerifyStatement(in.statements[i], keys).ok();
  });
}

struct CatchUp {
  double seconds = 0;
  double cpu_seconds = 0;  // the whole process: monitor and log
  uint64_t entries = 0;
};

double ProcessCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

CatchUp RunCatchUp(const std::string& copy_dir, const std::string& log_address,
                   const std::string& log_vkey, const std::string& vendors_file,
                   bool check_signatures, uint64_t entries) {
  if (std::system(absl::StrCat("rm -rf '", copy_dir, "'").c_str()) != 0) {
    Die(absl::InternalError(copy_dir), "removing the last copy");
  }
  absl::StatusOr<std::unique_ptr<monitor::VerifiedCopy>> copy =
      monitor::VerifiedCopy::Open(copy_dir, log_vkey);
  Die(copy.status(), "opening the verified copy");
  FailingAlarm alarm;
  monitor::FollowerOptions options;
  options.target = log_address;
  options.log_vkey = log_vkey;
  options.vendor_keys_file = vendors_file;
  options.check_vendor_signatures = check_signatures;
  options.entries_per_fetch = 10000;
  options.max_pending_entries = entries + 1;
  options.poll_interval = absl::Milliseconds(50);
  options.deadline = absl::Minutes(10);
  absl::StatusOr<std::unique_ptr<monitor::Follower>> follower =
      monitor::Follower::Create(options, copy->get(), &alarm);
  Die(follower.status(), "creating the follower");
  const double cpu_start = ProcessCpuSeconds();
  const absl::Time start = absl::Now();
  (*follower)->Start();
  while ((*follower)->stats().verified_size < entries) {
    absl::SleepFor(absl::Milliseconds(20));
    const monitor::FollowerStats stats = (*follower)->stats();
    if (stats.halted) Die(absl::InternalError(stats.last_error), "following");
  }
  CatchUp result;
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  result.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  result.entries = (*follower)->stats().verified_size;
  (*follower)->Stop();
  const monitor::FollowerStats stats = (*follower)->stats();
  if (stats.bad_grammar + stats.unknown_vendor + stats.bad_vendor_signature != 0) {
    Die(absl::InternalError("statements failed their checks"), "auditing");
  }
  return result;
}

int Main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--entries=")) {
      if (!absl::SimpleAtoi(arg, &flags.entries) || flags.entries == 0) return 2;
    } else if (absl::ConsumePrefix(&arg, "--dir=")) {
      flags.dir = std::string(arg);
    } else {
      std::fprintf(stderr, "usage: monitor_bench [--entries=N] [--dir=DIR]\n");
      return 2;
    }
  }
  Die(MakeDirs(flags.dir, 0700), "making the folder");

  // The vendor's key is kept with the log, so a rerun reuses both.
  const std::string vendor_key_path = flags.dir + "/vendor.key";
  if (!PathExists(vendor_key_path)) {
    absl::StatusOr<note::GeneratedKey> key =
        note::GenerateKey("bench.example/vendor", note::SignatureType::kEd25519);
    Die(key.status(), "vendor key");
    Die(note::WriteSignerKeyFile(vendor_key_path, key->signer_key), "writing the vendor key");
  }
  absl::StatusOr<std::string> vendor_key = note::ReadSignerKeyFile(vendor_key_path);
  Die(vendor_key.status(), "reading the vendor key");
  absl::StatusOr<std::string> vendor_vkey = note::VerifierKeyOf(*vendor_key);
  absl::StatusOr<std::unique_ptr<note::Signer>> vendor = note::NewSigner(*vendor_key);
  Die(vendor.status(), "vendor signer");
  const std::string vendors_file = flags.dir + "/vendors";
  Die(WriteFileAtomically(vendors_file, *vendor_vkey + "\n", 0644), "vendors file");

  server::LogConfig config;
  config.data = flags.dir + "/log";
  config.origin = "bench.example/log";
  config.grpc_listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  Die(server::InitLogData(config).status(), "initialising the log");
  Die(WriteFileAtomically(config.VendorsPath(), *vendor_vkey + "\n", 0644), "log vendors");
  BuildLog(config, **vendor, flags.entries);

  absl::StatusOr<std::unique_ptr<server::LogServer>> log = server::LogServer::Start(config);
  Die(log.status(), "starting the log");
  const std::string log_vkey = (*log)->identity().verifier_key;

  note::VerifierSet vendor_keys;
  absl::StatusOr<std::unique_ptr<note::Verifier>> vendor_verifier =
      note::NewVerifier(*vendor_vkey);
  Die(vendor_verifier.status(), "vendor verifier");
  Die(vendor_keys.Add(*std::move(vendor_verifier)), "vendor keys");
  const BoundInputs bound_inputs = PrepareBounds(**vendor, *vendor_vkey);

  std::printf("monitor catch-up on a %llu-entry log (%u cores; the log serves from the same "
              "cores); libsodium %s\n",
              static_cast<unsigned long long>(flags.entries), Cores(), sodium_version_string());
  const double bound = SodiumBound(bound_inputs);
  const double evp_bound = EvpBound(bound_inputs);
  const double check_bound = StatementCheckBound(bound_inputs, vendor_keys);
  std::printf("  Ed25519 bound (raw libsodium verifications alone, %u threads): %.0f "
              "statements/s\n",
              Cores(), bound);
  std::printf("    beside it: raw OpenSSL EVP %.0f/s (libsodium / EVP = %.2f, no target); "
              "the monitor's statement check (note::VerifyStatement) %.0f/s (%.2f of the "
              "bound)\n",
              evp_bound, bound / evp_bound, check_bound, check_bound / bound);
  const CatchUp with = RunCatchUp(flags.dir + "/copy", (*log)->grpc_address(), log_vkey,
                                  vendors_file, true, flags.entries);
  const double with_rate = with.entries / with.seconds;
  std::printf("  catch-up with vendor signatures:  %.0f entries/s (%.1f s, %.0f us CPU/entry), "
              "%.2f of the Ed25519 bound\n",
              with_rate, with.seconds, 1e6 * with.cpu_seconds / with.entries, with_rate / bound);
  const CatchUp without = RunCatchUp(flags.dir + "/copy", (*log)->grpc_address(), log_vkey,
                                     vendors_file, false, flags.entries);
  std::printf("  catch-up without (grammar only):  %.0f entries/s (%.1f s, %.0f us CPU/entry)\n",
              without.entries / without.seconds, without.seconds,
              1e6 * without.cpu_seconds / without.entries);
  const double bound_after = SodiumBound(bound_inputs);
  std::printf("  Ed25519 bound (libsodium) again after the runs: %.0f statements/s\n",
              bound_after);
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("  peak RSS of the process: %.0f MiB\n", usage.ru_maxrss / 1024.0);

  const bool rate_ok = with_rate >= kTargetEntriesPerSecond;
  const bool ratio_ok = with_rate / bound >= kTargetOfBound;
  std::printf("\nTargets (issue 13), measured in this run:\n");
  std::printf("  catch-up with signatures %.0f entries/s; target >= %.0f: %s\n", with_rate,
              kTargetEntriesPerSecond, rate_ok ? "met" : "NOT MET");
  std::printf("  catch-up with signatures / libsodium bound = %.3f (%.0f / %.0f); "
              "target >= %.2f: %s\n",
              with_rate / bound, with_rate, bound, kTargetOfBound, ratio_ok ? "met" : "NOT MET");
  (*log)->Shutdown();
  return rate_ok && ratio_ok ? 0 : 1;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) { return vitrine::bench::Main(argc, argv); }
