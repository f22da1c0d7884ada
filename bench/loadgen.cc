// vitrine-loadgen: durable Add throughput and latency, then inclusion-proof
// read throughput, of a vitrine-log over gRPC (issue 5).
//
//   # its own server, on loopback, in a temp folder removed at the end:
//   bazel run -c opt //bench:vitrine-loadgen -- --spawn --clients=32
//       --vendors=4 --statements=300000 --per_request=1 --proof_rpcs=200000
//       --json=/tmp/loadgen.json
//   # a running log: the vendor keys file is created (and its verifier keys
//   # printed for the operator to register) on first use:
//   vitrine-loadgen --target=127.0.0.1:7400 --vendor_keys=vendors.keys ...
//
// How it measures:
//   - Statements (DESIGN.md format 6) are signed by --vendors generated keys
//     BEFORE the timed phase: signing is the vendor's cost, not the log's.
//     The log verifies every vendor signature in its Add handler; the
//     spawned server's vendor rate limits are raised so none is refused.
//   - --clients closed loops through the gRPC callback API over --channels
//     connections: each keeps one Add in flight and sends the next when the
//     answer arrives. An Add's answer arrives after its group commit is
//     fsynced, so statements answered per second are durable adds/s;
//     latency is from starting the call to its answer.
//   - Then --proof_rpcs GetInclusionProof calls from the same clients, each
//     for a random leaf index at the latest size (the size is read once
//     before the phase and reported).
//   - Every answer is checked (see bench/internal/load_phases.h). The run
//     FAILS (exit 1) when more than 0.1% of statements or proofs fail, or
//     any answer is wrong; every error is listed by code.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "bench/internal/log_child.h"
#include "bench/internal/presigned.h"
#include "grpcpp/grpcpp.h"
#include "log/note/keys.h"

ABSL_FLAG(std::string, target, "", "host:port of a running vitrine-log (or use --spawn)");
ABSL_FLAG(bool, spawn, false, "start a vitrine-log child on 127.0.0.1 for the run");
ABSL_FLAG(std::string, log_binary, "",
          "vitrine-log for --spawn; default: the one in this binary's runfiles");
ABSL_FLAG(std::string, data, "",
          "--spawn's data folder, kept afterwards (reuse a filled log); default: a temp "
          "folder, removed");
ABSL_FLAG(std::vector<std::string>, serve_flags, {},
          "extra flags for --spawn's `vitrine-log serve`, comma-separated");
ABSL_FLAG(int, clients, 32, "concurrent calls (closed loops)");
ABSL_FLAG(int, channels, 4, "HTTP/2 connections the clients are spread over");
ABSL_FLAG(int, vendors, 4, "vendor keys to generate");
ABSL_FLAG(std::string, vendor_keys, "",
          "file of vendor signer keys, one per line; created with --vendors new keys "
          "(verifier keys printed) when missing");
ABSL_FLAG(uint64_t, statements, 100000, "statements to add in total");
ABSL_FLAG(int, per_request, 1, "statements per Add request");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(10),
          "per phase: stop sending after this long");
ABSL_FLAG(uint64_t, proof_rpcs, 0, "GetInclusionProof calls after the adds");
ABSL_FLAG(std::string, json, "", "also write the report as JSON to this file");
ABSL_FLAG(std::string, log_key, "",
          "--target's verifier key, to verify sampled bundles (--spawn knows it)");
ABSL_FLAG(std::string, log_origin, "", "--target's origin (default: the log key's name)");
ABSL_FLAG(uint64_t, verify_every, 1000, "verify every Nth Add answer's first bundle; 0: none");

namespace vitrine::bench {
namespace {

// Marks the report failed when more than 0.1% of a phase's items failed or
// any answer did not check out.
void Judge(LoadReport& report, const PhaseReport& phase) {
  const PhaseResult& r = phase.result;
  const double attempted = static_cast<double>(r.items_ok + r.items_failed + r.duplicates);
  if (attempted > 0 && static_cast<double>(r.items_failed + r.duplicates) > 0.001 * attempted) {
    report.passed = false;
    report.failures.push_back(absl::StrCat(phase.name, ": ", r.items_failed + r.duplicates,
                                           " of ", attempted, " failed (> 0.1%)"));
  }
  for (const auto& [what, count] : r.errors) {
    if (absl::StartsWith(what, "bad answer")) {
      report.passed = false;
      report.failures.push_back(absl::StrCat(phase.name, ": ", what, " x", count));
    }
  }
}

int Run(const char* argv0) {
  const bool spawn = absl::GetFlag(FLAGS_spawn);
  if (spawn == !absl::GetFlag(FLAGS_target).empty()) {
    std::fprintf(stderr, "vitrine-loadgen: give exactly one of --target and --spawn\n");
    return 2;
  }
  const int per_request = absl::GetFlag(FLAGS_per_request);
  const int clients = absl::GetFlag(FLAGS_clients);
  if (per_request < 1 || clients < 1) {
    std::fprintf(stderr, "vitrine-loadgen: --per_request and --clients must be >= 1\n");
    return 2;
  }
  absl::StatusOr<Vendors> vendors =
      LoadVendors(absl::GetFlag(FLAGS_vendor_keys), absl::GetFlag(FLAGS_vendors));
  if (!vendors.ok()) {
    std::fprintf(stderr, "vitrine-loadgen: vendor keys: %s\n", vendors.status().ToString().c_str());
    return 1;
  }
  if (!spawn && vendors->created) {
    std::printf("New vendor keys written to %s. Register these verifier keys in the log's "
                "vendor registry (one per line), send it SIGHUP, raise its vendor rate "
                "limits, and run again:\n%s\n",
                absl::GetFlag(FLAGS_vendor_keys).c_str(),
                absl::StrJoin(vendors->verifier_keys, "\n").c_str());
    return absl::GetFlag(FLAGS_vendor_keys).empty() ? 2 : 0;
  }

  LoadReport report;
  report.machine_start = DescribeMachine();
  report.spawned = spawn;
  const uint64_t statements = absl::GetFlag(FLAGS_statements);
  const uint64_t run = absl::Uniform<uint64_t>(absl::BitGen());
  std::fprintf(stderr, "vitrine-loadgen: signing %llu statements with %zu vendor keys...\n",
               static_cast<unsigned long long>(statements), vendors->signers.size());
  absl::StatusOr<std::vector<vitrine::v1::AddRequest>> requests =
      PresignRequests(*vendors, statements, per_request, run);
  if (!requests.ok()) {
    std::fprintf(stderr, "vitrine-loadgen: signing: %s\n", requests.status().ToString().c_str());
    return 1;
  }

  std::unique_ptr<LogChild> child;
  std::string log_key = absl::GetFlag(FLAGS_log_key);
  std::string log_origin = absl::GetFlag(FLAGS_log_origin);
  if (spawn) {
    LogChildOptions options;
    options.binary = absl::GetFlag(FLAGS_log_binary).empty() ? DefaultLogBinary(argv0)
                                                             : absl::GetFlag(FLAGS_log_binary);
    options.data = absl::GetFlag(FLAGS_data);
    options.vendor_keys = vendors->verifier_keys;
    options.serve_flags = absl::GetFlag(FLAGS_serve_flags);
    absl::StatusOr<std::unique_ptr<LogChild>> spawned = LogChild::Spawn(options);
    if (!spawned.ok()) {
      std::fprintf(stderr, "vitrine-loadgen: %s\n", spawned.status().ToString().c_str());
      return 1;
    }
    child = *std::move(spawned);
    log_key = child->verifier_key();
    log_origin = child->origin();
    report.target = child->grpc_address();
  } else {
    report.target = absl::GetFlag(FLAGS_target);
  }
  if (log_origin.empty() && !log_key.empty()) {
    absl::StatusOr<note::VerifierKey> parsed = note::ParseVerifierKey(log_key);
    if (parsed.ok()) log_origin = parsed->name;
  }

  LoadTarget target = ConnectLoadTarget(report.target, absl::GetFlag(FLAGS_channels));
  auto server_cpu = [&] { return child != nullptr ? child->CpuSeconds() : 0.0; };
  const absl::Duration limit = absl::GetFlag(FLAGS_duration);
  if (statements > 0) {
    std::fprintf(stderr, "vitrine-loadgen: adding %llu statements, %d per request, from %d "
                 "clients...\n", static_cast<unsigned long long>(statements), per_request, clients);
    AddPhaseOptions options;
    options.clients = clients;
    options.limit = limit;
    options.verify_every = absl::GetFlag(FLAGS_verify_every);
    options.log_key = log_key;
    options.log_origin = log_origin;
    const double cpu_before = server_cpu();
    PhaseReport phase;
    phase.name = "adds";
    phase.result = RunAddPhase(target, *requests, options);
    if (child != nullptr) phase.server_cpu_seconds = server_cpu() - cpu_before;
    phase.latency = Summarize(phase.result.latencies_ms);
    phase.tree_size = TreeSize(target).value_or(0);
    Judge(report, phase);
    report.phases.push_back(std::move(phase));
  }
  requests->clear();
  requests->shrink_to_fit();

  if (absl::GetFlag(FLAGS_proof_rpcs) > 0) {
    ProofPhaseOptions options;
    options.clients = clients;
    options.rpcs = absl::GetFlag(FLAGS_proof_rpcs);
    options.limit = limit;
    absl::StatusOr<uint64_t> size = TreeSize(target);
    options.tree_size = size.value_or(0);
    std::fprintf(stderr, "vitrine-loadgen: %llu inclusion proofs at tree size %llu...\n",
                 static_cast<unsigned long long>(options.rpcs),
                 static_cast<unsigned long long>(options.tree_size));
    const double cpu_before = server_cpu();
    PhaseReport phase;
    phase.name = "proofs";
    phase.result = RunProofPhase(target, options);
    if (child != nullptr) phase.server_cpu_seconds = server_cpu() - cpu_before;
    phase.latency = Summarize(phase.result.latencies_ms);
    phase.tree_size = options.tree_size;
    if (options.tree_size == 0) {
      report.passed = false;
      report.failures.push_back(absl::StrCat("proofs: the log is empty or unreachable: ",
                                             size.status().ToString()));
    }
    Judge(report, phase);
    report.phases.push_back(std::move(phase));
  }
  report.load_average_end = DescribeMachine().load_average;

  if (child != nullptr) {
    absl::Status stopped = child->Stop();
    if (!stopped.ok()) {
      report.passed = false;
      report.failures.push_back(std::string(stopped.message()));
    }
  }
  report.flags = {
      {"target", report.target},
      {"spawn", spawn ? "true" : "false"},
      {"serve_flags", absl::StrJoin(absl::GetFlag(FLAGS_serve_flags), ",")},
      {"clients", absl::StrCat(clients)},
      {"channels", absl::StrCat(absl::GetFlag(FLAGS_channels))},
      {"vendors", absl::StrCat(vendors->signers.size())},
      {"statements", absl::StrCat(statements)},
      {"per_request", absl::StrCat(per_request)},
      {"duration", absl::FormatDuration(limit)},
      {"proof_rpcs", absl::StrCat(absl::GetFlag(FLAGS_proof_rpcs))},
      {"verify_every", absl::StrCat(absl::GetFlag(FLAGS_verify_every))},
  };
  std::fputs(FormatTable(report).c_str(), stdout);
  std::fflush(stdout);
  const std::string json = absl::GetFlag(FLAGS_json);
  if (!json.empty()) {
    absl::Status written = WriteJson(report, json);
    if (!written.ok()) {
      std::fprintf(stderr, "vitrine-loadgen: %s\n", written.ToString().c_str());
      return 1;
    }
  }
  return report.passed ? 0 : 1;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  // As in vitrine-log: no lock-order graph (Debian's Abseil keeps one in
  // every build) on gRPC's mutexes in the generator's own calls.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "Measures a vitrine-log over gRPC: durable adds/s and latency with pre-signed "
      "statements, then inclusion-proof RPCs/s.\n  vitrine-loadgen --spawn [flags] | "
      "--target=127.0.0.1:PORT --vendor_keys=FILE [flags]");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  return vitrine::bench::Run(argv[0]);
}
