// The machine's Ed25519 verification bound, and the other libraries Debian
// offers for it (issue 13: "a target bounded by the machine or a library":
// measure the bound, then try another library).
//
//   scripts/setup_bench.sh     # libwolfssl-dev, only for this program
//   bazel run -c opt //bench:ed25519_libraries
//
// Verification of one 300-byte message, key prepared once outside the
// loop, in three libraries: libsodium 1.0.18 (what log/note uses), wolfSSL
// 5.5 (wc_ed25519_verify_msg, a key imported once) and OpenSSL 3.0's
// one-shot EVP (a fresh EVP_MD_CTX per call, as a server does). Each runs
// on 1 thread and on 2 threads at once (wall-clock rate, summed): the
// 2-thread libsodium rate is what the whole machine can verify, the
// ceiling of verified adds/s before anything else the log does.
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ed25519.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/internal/raw_ed25519.h"
#include "bench/ratio_reporter.h"
#include "benchmark/benchmark.h"

namespace vitrine::bench {
namespace {

constexpr size_t kMessageBytes = 300;

struct Fixture {
  std::string message;
  std::string signature;
  std::unique_ptr<RawEd25519> key;
  ed25519_key wolf_key;
};

const Fixture& TheFixture() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    f->message.assign(kMessageBytes, 'm');
    absl::StatusOr<std::unique_ptr<RawEd25519>> key =
        RawEd25519::FromSeed(std::string(32, '\x07'));
    if (!key.ok()) {
      std::fprintf(stderr, "setup: %s\n", key.status().ToString().c_str());
      std::abort();
    }
    f->key = *std::move(key);
    absl::StatusOr<Ed25519Signature> sig = f->key->SodiumSign(f->message);
    if (!sig.ok()) std::abort();
    f->signature = std::string(SignatureBytes(*sig));
    const std::string& pk = f->key->public_key();
    if (wc_ed25519_init(&f->wolf_key) != 0 ||
        wc_ed25519_import_public(reinterpret_cast<const byte*>(pk.data()),
                                 static_cast<word32>(pk.size()),
                                 &f->wolf_key) != 0) {
      std::fprintf(stderr, "setup: wolfSSL refused the key\n");
      std::abort();
    }
    return f;
  }();
  return *fixture;
}

void Check(benchmark::State& state, bool ok) {
  if (!ok) state.SkipWithError("a valid signature did not verify");
}

void BM_SodiumVerify(benchmark::State& state) {
  const Fixture& f = TheFixture();
  for (auto _ : state) Check(state, f.key->SodiumVerify(f.message, f.signature));
  state.SetItemsProcessed(state.iterations());
}

void BM_WolfsslVerify(benchmark::State& state) {
  const Fixture& f = TheFixture();
  // wc_ed25519_verify_msg takes a non-const key but only reads it.
  auto* key = const_cast<ed25519_key*>(&f.wolf_key);
  for (auto _ : state) {
    int verified = 0;
    const int rc = wc_ed25519_verify_msg(
        reinterpret_cast<const byte*>(f.signature.data()), 64,
        reinterpret_cast<const byte*>(f.message.data()),
        static_cast<word32>(f.message.size()), &verified, key);
    Check(state, rc == 0 && verified == 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EvpVerify(benchmark::State& state) {
  const Fixture& f = TheFixture();
  for (auto _ : state) Check(state, f.key->EvpVerify(f.message, f.signature));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SodiumVerify)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_WolfsslVerify)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_EvpVerify)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  using vitrine::bench::RatioReporter;
  vitrine::bench::InitializeInterleaved(std::vector<char*>(argv, argv + argc));
  vitrine::bench::TheFixture();
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nOther libraries against libsodium (items/s ratio, 1 thread):\n");
  reporter.PrintSideBySide("BM_WolfsslVerify/real_time/threads:1",
                           "BM_SodiumVerify/real_time/threads:1");
  reporter.PrintSideBySide("BM_EvpVerify/real_time/threads:1",
                           "BM_SodiumVerify/real_time/threads:1");
  std::printf("\nThe machine's bound: both cores verifying (2 threads / 1):\n");
  reporter.PrintSideBySide("BM_SodiumVerify/real_time/threads:2",
                           "BM_SodiumVerify/real_time/threads:1");
  benchmark::Shutdown();
  return 0;
}
