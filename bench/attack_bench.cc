// attack_bench: an honest client's latency while hostile clients attack a
// vitrine-log's Add (issue 11, "Hostile clients"), and durable adds/s with
// the admission checks in Add.
//
//   bazel run -c opt //bench:attack_bench -- --duration=10s --json=/tmp/a.json
//
// How it measures:
//   - A vitrine-log child on 127.0.0.1 (bench/internal/log_child.h; vendor
//     rate limits raised, the verification budgets at their defaults) is
//     filled with --preload pre-signed statements by 4 vendors (10 per Add,
//     16 clients). The attacker reads the first --attack_sources entries
//     back through GetEntries: everything it sends is built from those
//     public entries plus random bytes (bench/internal/attack_loops.h).
//   - The honest client is vendor 0 on its own connection: 20 Adds/s of one
//     new statement (signed before its timer starts) and a GetCheckpoint +
//     GetInclusionProof pair every 100 ms; every call's latency counts.
//   - Phases of --duration each, in this order: idle (honest client only),
//     keyless replay, multi-signature flood, forged-signature flood (each
//     with the honest client alongside), idle again (to show drift on a
//     noisy machine). The attacker: --attack_threads blocking loops over
//     --attack_channels connections, --attack_per_request statements per
//     Add, as fast as the server answers (--attacker_nice=10 lowers the
//     attacker threads' priority, standing in for an attacker on another
//     machine: on 2 cores its own CPU otherwise competes with the honest
//     client's).
//   - Attacker and honest client share 127.0.0.1, so they share the
//     address's verification budget. The honest connection earns credit by
//     appending (a 2 s warm-up before the first phase) and is then held to
//     its own connection budget only: that is the credit rule at work.
//   - Then adds/s: --adds_clients closed loops adding pre-signed statements,
//     --adds_per_request per Add, for --duration (bench/internal/
//     load_phases.h, as vitrine-loadgen).
//   - Per phase: honest p50/p99/max and failures, the ratio of its p99 to the
//     first idle phase's, attacker Adds/s and statement codes, the tree's
//     growth not caused by the honest client (must be 0 under attack), and
//     the CPU cores of the server and of this process (attacker and honest
//     client share the machine with the server). Exit 1 when an honest call failed or an attack
//     appended anything.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/attack_loops.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "bench/internal/log_child.h"
#include "grpcpp/grpcpp.h"
#include "log/note/keys.h"
#include "log/note/signer.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, log_binary, "",
          "vitrine-log to spawn; default: the one in this binary's runfiles");
ABSL_FLAG(std::vector<std::string>, serve_flags, {},
          "extra flags for `vitrine-log serve`, comma-separated");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "length of each phase");
ABSL_FLAG(uint64_t, preload, 20000, "statements added before the phases");
ABSL_FLAG(uint64_t, attack_sources, 2000, "logged entries the attacker reads back");
ABSL_FLAG(int, attack_threads, 4, "attacker loops (blocking Adds)");
ABSL_FLAG(int, attack_channels, 4, "attacker connections");
ABSL_FLAG(int, attack_per_request, 10, "statements per attacking Add");
ABSL_FLAG(int, attacker_nice, 0,
          "nice value for the attacker's threads (e.g. 10: as if it ran on another machine)");
ABSL_FLAG(double, honest_adds_per_second, 20, "the honest client's Adds per second");
ABSL_FLAG(int, adds_clients, 16, "closed loops in the adds/s phase; 0 skips it");
ABSL_FLAG(int, adds_per_request, 10, "statements per Add in the adds/s phase");
ABSL_FLAG(uint64_t, adds_statements, 200000,
          "statements pre-signed for the adds/s phase (it ends at --duration or when "
          "they are all added)");
ABSL_FLAG(std::string, json, "", "also write the report as JSON to this file");

namespace vitrine::bench {
namespace {

std::string DefaultLogBinary() {
  const char* runfiles = std::getenv("RUNFILES_DIR");
  std::vector<std::string> candidates;
  if (runfiles != nullptr) {
    candidates.push_back(absl::StrCat(runfiles, "/vitrine/log/server/vitrine-log"));
  }
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  candidates.push_back(self + ".runfiles/vitrine/log/server/vitrine-log");
  for (const std::string& candidate : candidates) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return candidates.back();
}

struct PhaseFigures {
  HostilePhase phase;
  LatencySummary all, adds, reads;
  double server_cores = 0;
  double bench_cores = 0;  // this process: attacker and honest client
};

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string Codes(const std::map<std::string, uint64_t>& codes) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : codes) parts.push_back(absl::StrCat(code, " ", count));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

nlohmann::json LatencyJson(const LatencySummary& s) {
  return {{"p50_ms", s.p50_ms}, {"p99_ms", s.p99_ms}, {"max_ms", s.max_ms},
          {"mean_ms", s.mean_ms}};
}

int Run() {
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const MachineInfo machine = DescribeMachine();
  std::vector<std::unique_ptr<note::Signer>> vendors;
  std::vector<std::string> vendor_keys;
  for (int k = 0; k < 4; ++k) {
    absl::StatusOr<note::GeneratedKey> key = note::GenerateKey(
        absl::StrCat("attack.example/vendor-", k), note::SignatureType::kEd25519);
    if (!key.ok()) return 1;
    absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(key->signer_key);
    if (!signer.ok()) return 1;
    vendors.push_back(*std::move(signer));
    vendor_keys.push_back(key->verifier_key);
  }
  const std::string label =
      absl::StrFormat("attack-bench-%016x", absl::Uniform<uint64_t>(absl::BitGen()));
  std::fprintf(stderr, "attack_bench: signing %llu + %llu statements...\n",
               static_cast<unsigned long long>(absl::GetFlag(FLAGS_preload)),
               static_cast<unsigned long long>(absl::GetFlag(FLAGS_adds_statements)));
  absl::StatusOr<std::vector<vitrine::v1::AddRequest>> preload =
      PresignAdds(vendors, absl::GetFlag(FLAGS_preload), 10, label + "-preload");
  absl::StatusOr<std::vector<vitrine::v1::AddRequest>> adds =
      PresignAdds(vendors, absl::GetFlag(FLAGS_adds_clients) > 0
                               ? absl::GetFlag(FLAGS_adds_statements) : 0,
                  absl::GetFlag(FLAGS_adds_per_request), label + "-adds");
  if (!preload.ok() || !adds.ok()) {
    std::fprintf(stderr, "attack_bench: signing failed\n");
    return 1;
  }

  LogChildOptions child_options;
  child_options.binary = absl::GetFlag(FLAGS_log_binary).empty()
                             ? DefaultLogBinary() : absl::GetFlag(FLAGS_log_binary);
  child_options.origin = "attack.example/log";
  child_options.vendor_keys = vendor_keys;
  child_options.serve_flags = absl::GetFlag(FLAGS_serve_flags);
  absl::StatusOr<std::unique_ptr<LogChild>> child = LogChild::Spawn(child_options);
  if (!child.ok()) {
    std::fprintf(stderr, "attack_bench: %s\n", child.status().ToString().c_str());
    return 1;
  }
  const std::string address = (*child)->grpc_address();

  std::fprintf(stderr, "attack_bench: preloading %llu statements...\n",
               static_cast<unsigned long long>(absl::GetFlag(FLAGS_preload)));
  LoadTarget fill = ConnectLoadTarget(address, 4);
  AddPhaseOptions fill_options;
  fill_options.clients = 16;
  fill_options.verify_every = 0;
  const PhaseResult filled = RunAddPhase(fill, *preload, fill_options);
  preload->clear();

  std::unique_ptr<vitrine::v1::Log::Stub> honest_stub = ConnectOwn(address);
  absl::StatusOr<std::vector<std::string>> sources = ReadEntries(
      *honest_stub, 0, std::min(filled.items_ok, absl::GetFlag(FLAGS_attack_sources)));
  if (!sources.ok() || sources->empty()) {
    std::fprintf(stderr, "attack_bench: no entries to attack with (%llu preloaded)\n",
                 static_cast<unsigned long long>(filled.items_ok));
    return 1;
  }
  const AttackFactory factory(*std::move(sources));
  std::vector<std::unique_ptr<vitrine::v1::Log::Stub>> attack_owned;
  std::vector<vitrine::v1::Log::Stub*> attack_stubs;
  for (int c = 0; c < std::max(1, absl::GetFlag(FLAGS_attack_channels)); ++c) {
    attack_owned.push_back(ConnectOwn(address));
    attack_stubs.push_back(attack_owned.back().get());
  }

  // Vendor 0 is the honest client; every statement of the others is signed.
  HonestStatements honest(std::move(vendors[0]));
  HonestOptions honest_options;
  honest_options.adds_per_second = absl::GetFlag(FLAGS_honest_adds_per_second);
  std::fprintf(stderr, "attack_bench: %llu entries; warm-up (the honest connection "
               "earns its credit)...\n", static_cast<unsigned long long>(filled.items_ok));
  AttackOptions warm_up;
  warm_up.duration = absl::Seconds(2);
  const HostilePhase warm =
      RunHostilePhase(*honest_stub, honest, honest_options, {}, nullptr, warm_up);

  std::vector<PhaseFigures> figures;
  bool passed = warm.honest.failures == 0;
  std::vector<std::string> failures;
  for (Attack attack : {Attack::kNone, Attack::kKeylessReplay, Attack::kMultiSignature,
                        Attack::kForgedSignature, Attack::kNone}) {
    std::fprintf(stderr, "attack_bench: phase %s...\n", AttackName(attack).c_str());
    AttackOptions options;
    options.attack = attack;
    options.threads = absl::GetFlag(FLAGS_attack_threads);
    options.per_request = absl::GetFlag(FLAGS_attack_per_request);
    options.duration = duration;
    options.nice = absl::GetFlag(FLAGS_attacker_nice);
    const double cpu_before = (*child)->CpuSeconds();
    const double own_before = ProcessCpuSeconds();
    PhaseFigures f;
    f.phase = RunHostilePhase(*honest_stub, honest, honest_options, attack_stubs, &factory,
                              options);
    f.server_cores = ((*child)->CpuSeconds() - cpu_before) / absl::ToDoubleSeconds(duration);
    f.bench_cores = (ProcessCpuSeconds() - own_before) / absl::ToDoubleSeconds(duration);
    f.all = Summarize(f.phase.honest.latencies_ms);
    f.adds = Summarize(f.phase.honest.add_latencies_ms);
    f.reads = Summarize(f.phase.honest.read_latencies_ms);
    if (f.phase.honest.failures > 0) {
      passed = false;
      failures.push_back(absl::StrCat(f.phase.name, ": honest failures: ",
                                      Codes(f.phase.honest.errors)));
    }
    if (attack != Attack::kNone && f.phase.others_appended != 0) {
      passed = false;
      failures.push_back(absl::StrCat(f.phase.name, ": the tree grew by ",
                                      f.phase.others_appended, " entries not the honest "
                                      "client's"));
    }
    figures.push_back(std::move(f));
  }

  PhaseResult added;
  double adds_cores = 0;
  if (absl::GetFlag(FLAGS_adds_clients) > 0) {
    std::fprintf(stderr, "attack_bench: adds/s, %d clients x %d per Add...\n",
                 absl::GetFlag(FLAGS_adds_clients), absl::GetFlag(FLAGS_adds_per_request));
    LoadTarget target = ConnectLoadTarget(address, 4);
    AddPhaseOptions options;
    options.clients = absl::GetFlag(FLAGS_adds_clients);
    options.limit = duration;
    options.verify_every = 0;
    const double cpu_before = (*child)->CpuSeconds();
    added = RunAddPhase(target, *adds, options);
    adds_cores = ((*child)->CpuSeconds() - cpu_before) / added.seconds;
    if (added.items_failed + added.duplicates > 0) {
      passed = false;
      failures.push_back(absl::StrCat("adds: ", added.items_failed + added.duplicates,
                                      " failed: ", Codes(added.errors)));
    }
  }
  const LatencySummary added_latency = Summarize(added.latencies_ms);
  const absl::Status stopped = (*child)->Stop();
  if (!stopped.ok()) {
    passed = false;
    failures.push_back(std::string(stopped.message()));
  }

  // The report.
  const double idle_p99 = figures.front().all.p99_ms;
  std::string out = absl::StrFormat(
      "attack_bench: %u cores, %s, load %s (start) / %s (end)\n"
      "log: %llu entries preloaded (%.0f adds/s), attacker: %d threads (nice %d) over %d "
      "connections, %d statements per Add; honest client: vendor 0, own connection, %.0f Adds/s of 1 "
      "statement + GetCheckpoint & GetInclusionProof every 100 ms; %s per phase.\n"
      "Attacker and honest client share 127.0.0.1 (one address budget); the honest "
      "connection appended in a 2 s warm-up (%llu entries), so the credit rule holds it "
      "to its own connection budget.\n\n",
      machine.cores, machine.cpu_model, machine.load_average, DescribeMachine().load_average,
      static_cast<unsigned long long>(filled.items_ok),
      filled.seconds > 0 ? filled.items_ok / filled.seconds : 0.0,
      absl::GetFlag(FLAGS_attack_threads), absl::GetFlag(FLAGS_attacker_nice),
      absl::GetFlag(FLAGS_attack_channels),
      absl::GetFlag(FLAGS_attack_per_request), honest_options.adds_per_second,
      absl::FormatDuration(duration), static_cast<unsigned long long>(warm.honest.appended));
  absl::StrAppendFormat(&out, "%-17s %6s %5s %8s %8s %8s %8s %8s %6s %9s %9s %6s %6s %6s  %s\n",
                        "phase", "calls", "fail", "p50 ms", "p99 ms", "max ms", "add p99",
                        "read p99", "p99/id", "atk Add/s", "atk st/s", "others", "server", "bench",
                        "attacker statement codes");
  for (const PhaseFigures& f : figures) {
    const AttackResult& a = f.phase.attack;
    const double seconds = a.seconds > 0 ? a.seconds : 1;
    absl::StrAppendFormat(
        &out, "%-17s %6d %5d %8.2f %8.2f %8.2f %8.2f %8.2f %6.2f %9.0f %9.0f %6d %6.2f %6.2f  %s\n",
        f.phase.name, f.phase.honest.calls, f.phase.honest.failures, f.all.p50_ms,
        f.all.p99_ms, f.all.max_ms, f.adds.p99_ms, f.reads.p99_ms,
        idle_p99 > 0 ? f.all.p99_ms / idle_p99 : 0.0, a.requests / seconds,
        a.statements / seconds, f.phase.others_appended, f.server_cores, f.bench_cores,
        Codes(a.codes));
  }
  if (absl::GetFlag(FLAGS_adds_clients) > 0) {
    absl::StrAppendFormat(
        &out, "\nadds/s with the admission checks: %.0f statements/s (%d clients x %d per "
        "Add, %.1f s), p50 %.2f ms, p99 %.2f ms, server %.2f cores, %llu failed\n",
        added.seconds > 0 ? added.items_ok / added.seconds : 0.0,
        absl::GetFlag(FLAGS_adds_clients), absl::GetFlag(FLAGS_adds_per_request),
        added.seconds, added_latency.p50_ms, added_latency.p99_ms, adds_cores,
        static_cast<unsigned long long>(added.items_failed + added.duplicates));
  }
  absl::StrAppend(&out, passed ? "PASS\n" : "FAIL\n");
  for (const std::string& failure : failures) absl::StrAppend(&out, "  ", failure, "\n");
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);

  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty()) {
    nlohmann::json json;
    json["machine"] = {{"cores", machine.cores}, {"cpu_model", machine.cpu_model},
                       {"load_average_start", machine.load_average}};
    json["duration_s"] = absl::ToDoubleSeconds(duration);
    json["attacker"] = {{"threads", absl::GetFlag(FLAGS_attack_threads)},
                        {"connections", absl::GetFlag(FLAGS_attack_channels)},
                        {"per_request", absl::GetFlag(FLAGS_attack_per_request)},
                        {"nice", absl::GetFlag(FLAGS_attacker_nice)}};
    json["preloaded"] = filled.items_ok;
    json["passed"] = passed;
    json["failures"] = failures;
    for (const PhaseFigures& f : figures) {
      const AttackResult& a = f.phase.attack;
      json["phases"].push_back({
          {"name", f.phase.name},
          {"honest", {{"calls", f.phase.honest.calls},
                      {"failures", f.phase.honest.failures},
                      {"errors", f.phase.honest.errors},
                      {"appended", f.phase.honest.appended},
                      {"all", LatencyJson(f.all)},
                      {"adds", LatencyJson(f.adds)},
                      {"reads", LatencyJson(f.reads)},
                      {"p99_over_idle", idle_p99 > 0 ? f.all.p99_ms / idle_p99 : 0.0}}},
          {"attacker", {{"requests", a.requests},
                        {"statements", a.statements},
                        {"seconds", a.seconds},
                        {"codes", a.codes},
                        {"appended", a.appended}}},
          {"size_before", f.phase.size_before},
          {"size_after", f.phase.size_after},
          {"others_appended", f.phase.others_appended},
          {"server_cores", f.server_cores},
          {"bench_cores", f.bench_cores},
      });
    }
    json["adds"] = {{"clients", absl::GetFlag(FLAGS_adds_clients)},
                    {"per_request", absl::GetFlag(FLAGS_adds_per_request)},
                    {"statements_ok", added.items_ok},
                    {"seconds", added.seconds},
                    {"adds_per_second", added.seconds > 0 ? added.items_ok / added.seconds : 0},
                    {"latency", LatencyJson(added_latency)},
                    {"server_cores", adds_cores}};
    std::ofstream file(json_path, std::ios::trunc);
    file << json.dump(2) << "\n";
    if (!file.flush()) {
      std::fprintf(stderr, "attack_bench: cannot write %s\n", json_path.c_str());
      return 1;
    }
  }
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  // As in vitrine-log: no lock-order graph on gRPC's mutexes.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "An honest client's latency while hostile clients attack a spawned vitrine-log's "
      "Add (issue 11), then adds/s.\n  attack_bench [--duration=10s] [--json=FILE]");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  return vitrine::bench::Run();
}
