// Audit throughput of vitrine-monitor (issue 7): a monitor catching up on a
// 1M-entry log on this machine, with and without vendor-signature checks,
// and the bound Ed25519 verification sets, measured in the same run.
//
//   1. A log of --entries signed release statements (about 330 bytes each,
//      one vendor) is built in <dir>/log through the sequencer (the
//      statements are signed first, on every core), unless <dir>/log
//      already holds that many; then it is served by a real LogServer on
//      loopback in this process.
//   2. Ed25519 bound: every core verifies statements with the monitor's own
//      check (grammar + vendor signature, note::VerifyStatement) as fast as
//      it can: statements/s that signature checks alone would allow.
//   3. Catch-up: a Follower with a fresh VerifiedCopy fetches every entry
//      over gRPC (10000 per call), checks every statement, recomputes the
//      root and commits the verified copy (one synced batch): entries/s
//      from start to the copy holding the log's checkpoint. Twice: with
//      vendor-signature checks and without (grammar only).
// The log serves from the same two cores, as a monitor next to its log
// would share them: what the catch-up costs includes what serving costs.
//
//   bazel run -c opt //bench:monitor_bench -- [--entries=1000000]
//       [--dir=/tmp/vitrine-monitor-bench]
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
#include "common/file.h"
#include "log/merkle/hash.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
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

// Statements/s that signature-and-grammar checks alone allow on every core.
double Ed25519Bound(const std::vector<std::string>& statements, const note::VerifierSet& keys) {
  std::atomic<uint64_t> verified{0};
  std::vector<std::thread> threads;
  const unsigned cores = Cores();
  const absl::Time start = absl::Now();
  for (unsigned t = 0; t < cores; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < statements.size(); i += cores) {
        Die(note::VerifyStatement(statements[i], keys).status(), "verifying");
        verified.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return verified.load() / absl::ToDoubleSeconds(absl::Now() - start);
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
  const std::vector<std::string> sample = SignStatements(**vendor, 0, 40000);

  std::printf("monitor catch-up on a %llu-entry log (%u cores; the log serves from the same "
              "cores)\n",
              static_cast<unsigned long long>(flags.entries), Cores());
  const double bound = Ed25519Bound(sample, vendor_keys);
  std::printf("  Ed25519 bound (statement checks alone, %u threads): %.0f statements/s\n",
              Cores(), bound);
  const CatchUp with = RunCatchUp(flags.dir + "/copy", (*log)->grpc_address(), log_vkey,
                                  vendors_file, true, flags.entries);
  std::printf("  catch-up with vendor signatures:  %.0f entries/s (%.1f s, %.0f us CPU/entry), "
              "%.2f of the Ed25519 bound\n",
              with.entries / with.seconds, with.seconds, 1e6 * with.cpu_seconds / with.entries,
              with.entries / with.seconds / bound);
  const CatchUp without = RunCatchUp(flags.dir + "/copy", (*log)->grpc_address(), log_vkey,
                                     vendors_file, false, flags.entries);
  std::printf("  catch-up without (grammar only):  %.0f entries/s (%.1f s, %.0f us CPU/entry)\n",
              without.entries / without.seconds, without.seconds,
              1e6 * without.cpu_seconds / without.entries);
  const double bound_after = Ed25519Bound(sample, vendor_keys);
  std::printf("  Ed25519 bound again after the runs: %.0f statements/s\n", bound_after);
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("  peak RSS of the process: %.0f MiB\n", usage.ru_maxrss / 1024.0);
  (*log)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) { return vitrine::bench::Main(argc, argv); }
