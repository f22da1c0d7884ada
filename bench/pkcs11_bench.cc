// Checkpoint signatures per second through a PKCS#11 token (SoftHSM 2,
// log/note/pkcs11) against the file signer (libsodium, log/note/ed25519),
// from one and several threads sharing one signer, as the log's sequencer
// and a witness's request threads do (issue 18).
//
//   bazel run -c opt //bench:pkcs11_bench -- [--seconds=2] [--rounds=3]
//
// It makes a SoftHSM token in a temporary folder (removed at the end),
// generates an Ed25519 key pair in it, and signs checkpoint bodies (about
// 90 bytes, each distinct) through note::Signer::Sign. Rounds interleave
// the signers; the median round is printed. The token signer verifies
// each signature before returning it (libsodium), so its figure includes
// one verification; "verify" is that verification alone, for reference.
// Latency percentiles are from one thread.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "log/note/ed25519.h"
#include "log/note/pkcs11/internal/softhsm_token.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "pkcs11_bench: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  std::exit(1);
}

std::string Body(int thread, uint64_t i) {
  return absl::StrCat("example.com/vitrine/bench\n", 1000000 + i * 8 + thread,
                      "\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
}

// Returns operations per second of `op` from `threads` threads.
double Rate(const std::function<bool(int, uint64_t)>& op, int threads,
            double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  const Clock::time_point start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!op(t, n++)) failed = true;
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) Die("an operation failed", absl::InternalError("see above"));
  return static_cast<double>(total.load()) / elapsed;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (absl::StartsWith(line, "model name")) {
      return line.substr(line.find(':') + 2);
    }
  }
  return "unknown CPU";
}

int Main(int argc, char** argv) {
  double seconds = 2;
  int rounds = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "--seconds=") &&
        absl::SimpleAtod(arg.substr(10), &seconds) && seconds > 0) {
      continue;
    }
    if (absl::StartsWith(arg, "--rounds=") &&
        absl::SimpleAtoi(arg.substr(9), &rounds) && rounds > 0) {
      continue;
    }
    std::fprintf(stderr, "usage: pkcs11_bench [--seconds=S] [--rounds=N]\n");
    return 2;
  }
  char dir_template[] = "/tmp/pkcs11_bench.XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    Die("mkdtemp", absl::InternalError("cannot make a temporary folder"));
  }
  const std::string dir = dir_template;
  if (absl::Status s = pkcs11::internal::ConfigureSoftHsm(dir); !s.ok()) {
    Die("SoftHSM configuration", s);
  }
  if (absl::Status s = pkcs11::internal::InitToken("bench", "1234", "5678");
      !s.ok()) {
    Die("token", s);
  }
  const pkcs11::TokenKey key{pkcs11::internal::kSoftHsmModule, "bench",
                             "bench-key", "", "1234"};
  absl::StatusOr<std::string> public_key = pkcs11::GenerateKeyPair(key);
  if (!public_key.ok()) Die("GenerateKeyPair", public_key.status());
  absl::StatusOr<std::unique_ptr<Signer>> token_signer = pkcs11::OpenSigner(
      key, "example.com/vitrine/bench", SignatureType::kEd25519);
  if (!token_signer.ok()) Die("OpenSigner", token_signer.status());
  absl::StatusOr<std::string> seed = GenerateEd25519Seed();
  if (!seed.ok()) Die("seed", seed.status());
  absl::StatusOr<std::unique_ptr<Signer>> file_signer =
      NewEd25519Signer("example.com/vitrine/bench", *seed);
  if (!file_signer.ok()) Die("file signer", file_signer.status());
  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      NewEd25519Verifier("example.com/vitrine/bench", *public_key);
  if (!verifier.ok()) Die("verifier", verifier.status());
  const std::string fixed_signature = *(*token_signer)->Sign(Body(0, 0));

  Signer& token = **token_signer;
  Signer& file = **file_signer;
  const std::vector<std::pair<std::string, std::function<bool(int, uint64_t)>>>
      ops = {
          {"SoftHSM (PKCS#11)",
           [&](int t, uint64_t i) { return token.Sign(Body(t, i)).ok(); }},
          {"file (libsodium)",
           [&](int t, uint64_t i) { return file.Sign(Body(t, i)).ok(); }},
          {"verify (libsodium)",
           [&](int t, uint64_t i) {
             return (*verifier)->Verify(Body(0, 0), fixed_signature);
           }},
      };
  const std::vector<int> thread_counts = {1, 2, 4};
  std::printf("pkcs11_bench: %s, %ld CPUs, SoftHSM %s, %.1f s x %d rounds, "
              "median round\n",
              CpuModel().c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              pkcs11::internal::kSoftHsmModule, seconds, rounds);
  std::printf("%-20s %8s %14s %14s\n", "signer", "threads", "signatures/s",
              "us/signature");
  std::vector<std::vector<std::vector<double>>> rates(
      ops.size(), std::vector<std::vector<double>>(thread_counts.size()));
  for (int round = 0; round < rounds; ++round) {
    for (size_t t = 0; t < thread_counts.size(); ++t) {
      for (size_t o = 0; o < ops.size(); ++o) {
        rates[o][t].push_back(Rate(ops[o].second, thread_counts[t], seconds));
      }
    }
  }
  for (size_t o = 0; o < ops.size(); ++o) {
    for (size_t t = 0; t < thread_counts.size(); ++t) {
      const double rate = Median(rates[o][t]);
      std::printf("%-20s %8d %14.0f %14.1f\n", ops[o].first.c_str(),
                  thread_counts[t], rate, thread_counts[t] * 1e6 / rate);
    }
  }
  // Latency of one signature through the token, one thread.
  std::vector<double> micros;
  for (uint64_t i = 0; i < 2000; ++i) {
    const Clock::time_point start = Clock::now();
    if (!token.Sign(Body(0, i)).ok()) Die("Sign", absl::InternalError("failed"));
    micros.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("SoftHSM latency, 1 thread, 2000 signatures: p50 %.1f us, "
              "p99 %.1f us, max %.1f us\n",
              micros[micros.size() / 2], micros[micros.size() * 99 / 100],
              micros.back());
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

}  // namespace
}  // namespace vitrine::note

int main(int argc, char** argv) { return vitrine::note::Main(argc, argv); }
