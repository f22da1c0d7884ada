// Benchmarks of log/note: signing and verifying checkpoints and release
// statements through the note layer, against raw Ed25519 on the very bytes
// the note layer signs, all measured in one process so that the ratios
// (the targets of issue 13) hold whatever the machine's load.
//
//   bazel run -c opt //bench:note_bench
//
// The reference is raw libsodium, the library log/note signs and verifies
// with since issue 13: the key prepared once (outside the timing loop),
// then one crypto_sign_detached or crypto_sign_verify_detached per call
// (bench/internal/raw_ed25519.h). The note layer's extra work is what the
// ratios measure: body formatting and checks, base64, note parsing, key
// lookup, result copies. Raw OpenSSL 3.0 EVP on the same bytes (key loaded
// once; per call EVP_MD_CTX_new, EVP_DigestSignInit / EVP_DigestVerifyInit,
// EVP_DigestSign / Verify, EVP_MD_CTX_free: what log/note did before issue
// 13) is measured beside it and printed as libsodium / EVP, with no target.
//
// Release statements (DESIGN.md format 6, about 240 bytes of text) go
// through SignStatement / VerifyStatement, which also format and parse the
// statement body.
#include <openssl/crypto.h>
#include <sodium.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "bench/internal/raw_ed25519.h"
#include "bench/ratio_reporter.h"
#include "benchmark/benchmark.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/ed25519.h"
#include "log/note/note.h"
#include "log/note/signer.h"
#include "log/note/statement.h"

namespace vitrine::note {
namespace {

constexpr char kOrigin[] = "example.com/vitrine/bench";
constexpr char kVendor[] = "example.com/vendor";
// Distinct messages, so that nothing measured sees one input repeated.
constexpr size_t kMessages = 256;

using bench::Ed25519Signature;
using bench::RawEd25519;

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "setup: %s\n", value.status().ToString().c_str());
    std::abort();
  }
  return std::move(value).value();
}

// One key pair, for the note layer and as raw libsodium and EVP keys.
struct Keys {
  std::string seed;
  std::string public_key;
  std::unique_ptr<Signer> log_signer;     // named kOrigin
  std::unique_ptr<Signer> vendor_signer;  // named kVendor
  VerifierSet log_keys;
  VerifierSet vendor_keys;
  std::unique_ptr<RawEd25519> raw;
};

const Keys& TheKeys() {
  static const Keys* keys = [] {
    auto* k = new Keys;
    k->seed = std::string(32, '\x5a');
    k->public_key = OrDie(Ed25519PublicKey(k->seed));
    k->log_signer = OrDie(NewEd25519Signer(kOrigin, k->seed));
    k->vendor_signer = OrDie(NewEd25519Signer(kVendor, k->seed));
    if (!k->log_keys.Add(OrDie(NewEd25519Verifier(kOrigin, k->public_key)))
             .ok() ||
        !k->vendor_keys.Add(OrDie(NewEd25519Verifier(kVendor, k->public_key)))
             .ok()) {
      std::abort();
    }
    k->raw = OrDie(RawEd25519::FromSeed(k->seed));
    if (k->raw->public_key() != k->public_key) std::abort();
    return k;
  }();
  return *keys;
}

// The messages of one kind: what the note layer is given, the exact text
// it signs, that text's raw signature, and the signed note.
// (Ed25519 is deterministic: libsodium and EVP give the same signature.)
struct Corpus {
  std::vector<Checkpoint> checkpoints;  // Empty for statements.
  std::vector<Statement> statements;    // Empty for checkpoints.
  std::vector<std::string> texts;
  std::vector<std::string> raw_signatures;
  std::vector<std::string> notes;
};

void Finish(Corpus& c, const Signer& signer) {
  for (const std::string& text : c.texts) {
    const Ed25519Signature sodium = OrDie(TheKeys().raw->SodiumSign(text));
    if (OrDie(TheKeys().raw->EvpSign(text)) != sodium) std::abort();
    c.raw_signatures.emplace_back(bench::SignatureBytes(sodium));
    c.notes.push_back(OrDie(SignNote(text, signer)));
  }
}

const Corpus& Checkpoints() {
  static const Corpus* corpus = [] {
    auto* c = new Corpus;
    for (size_t i = 0; i < kMessages; ++i) {
      Checkpoint checkpoint;
      checkpoint.origin = kOrigin;
      checkpoint.size = 1000003 * (i + 1);
      checkpoint.root = merkle::HashLeaf(absl::StrCat("root-", i));
      c->texts.push_back(OrDie(FormatCheckpoint(checkpoint)));
      c->checkpoints.push_back(std::move(checkpoint));
    }
    Finish(*c, *TheKeys().log_signer);
    return c;
  }();
  return *corpus;
}

const Corpus& Statements() {
  static const Corpus* corpus = [] {
    auto* c = new Corpus;
    for (size_t i = 0; i < kMessages; ++i) {
      Statement statement;
      statement.vendor = kVendor;
      statement.artifact = "vitrine-example-tool-linux-amd64.tar.gz";
      statement.version = absl::StrCat("1.", i / 16, ".", i % 16);
      statement.sha256 = merkle::HashLeaf(absl::StrCat("artifact-", i));
      statement.source = "https://git.example.com/vendor/vitrine-example-tool";
      c->texts.push_back(OrDie(FormatStatement(statement)));
      c->statements.push_back(std::move(statement));
    }
    Finish(*c, *TheKeys().vendor_signer);
    return c;
  }();
  return *corpus;
}

void CountItems(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
}

// The raw Ed25519 references: the same bytes the note layer signs, the key
// prepared once, through libsodium (the targets) or EVP (printed beside).
void RawSign(benchmark::State& state, const Corpus& c, bool sodium) {
  const RawEd25519& key = *TheKeys().raw;
  size_t i = 0;
  for (auto _ : state) {
    const absl::string_view text = c.texts[i++ % kMessages];
    auto sig = sodium ? key.SodiumSign(text) : key.EvpSign(text);
    if (!sig.ok()) state.SkipWithError(sig.status().ToString().c_str());
    benchmark::DoNotOptimize(sig);
  }
  CountItems(state);
}

void RawVerify(benchmark::State& state, const Corpus& c, bool sodium) {
  const RawEd25519& key = *TheKeys().raw;
  size_t i = 0;
  for (auto _ : state) {
    const size_t n = i++ % kMessages;
    const bool ok = sodium ? key.SodiumVerify(c.texts[n], c.raw_signatures[n])
                           : key.EvpVerify(c.texts[n], c.raw_signatures[n]);
    if (!ok) state.SkipWithError("raw verify failed");
  }
  CountItems(state);
}

// (a) Checkpoints.
void BM_SignCheckpoint(benchmark::State& state) {
  const Corpus& c = Checkpoints();
  size_t i = 0;
  for (auto _ : state) {
    auto note = SignCheckpoint(c.checkpoints[i++ % kMessages],
                               *TheKeys().log_signer);
    if (!note.ok()) state.SkipWithError(note.status().ToString().c_str());
    benchmark::DoNotOptimize(note);
  }
  CountItems(state);
}
BENCHMARK(BM_SignCheckpoint);

void BM_SodiumSignCheckpoint(benchmark::State& state) {
  RawSign(state, Checkpoints(), /*sodium=*/true);
}
BENCHMARK(BM_SodiumSignCheckpoint);

void BM_EvpSignCheckpoint(benchmark::State& state) {
  RawSign(state, Checkpoints(), /*sodium=*/false);
}
BENCHMARK(BM_EvpSignCheckpoint);

void BM_OpenCheckpoint(benchmark::State& state) {
  const Corpus& c = Checkpoints();
  size_t i = 0;
  for (auto _ : state) {
    auto verified = OpenCheckpoint(c.notes[i++ % kMessages], kOrigin,
                                   TheKeys().log_keys);
    if (!verified.ok()) {
      state.SkipWithError(verified.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(verified);
  }
  CountItems(state);
}
BENCHMARK(BM_OpenCheckpoint);

void BM_SodiumVerifyCheckpoint(benchmark::State& state) {
  RawVerify(state, Checkpoints(), /*sodium=*/true);
}
BENCHMARK(BM_SodiumVerifyCheckpoint);

void BM_EvpVerifyCheckpoint(benchmark::State& state) {
  RawVerify(state, Checkpoints(), /*sodium=*/false);
}
BENCHMARK(BM_EvpVerifyCheckpoint);

// (b) Release statements.
void BM_SignStatement(benchmark::State& state) {
  const Corpus& c = Statements();
  size_t i = 0;
  for (auto _ : state) {
    auto note = SignStatement(c.statements[i++ % kMessages],
                              *TheKeys().vendor_signer);
    if (!note.ok()) state.SkipWithError(note.status().ToString().c_str());
    benchmark::DoNotOptimize(note);
  }
  CountItems(state);
}
BENCHMARK(BM_SignStatement);

void BM_SodiumSignStatement(benchmark::State& state) {
  RawSign(state, Statements(), /*sodium=*/true);
}
BENCHMARK(BM_SodiumSignStatement);

void BM_EvpSignStatement(benchmark::State& state) {
  RawSign(state, Statements(), /*sodium=*/false);
}
BENCHMARK(BM_EvpSignStatement);

void BM_OpenStatement(benchmark::State& state) {
  const Corpus& c = Statements();
  size_t i = 0;
  for (auto _ : state) {
    auto verified =
        VerifyStatement(c.notes[i++ % kMessages], TheKeys().vendor_keys);
    if (!verified.ok()) {
      state.SkipWithError(verified.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(verified);
  }
  CountItems(state);
}
BENCHMARK(BM_OpenStatement);

void BM_SodiumVerifyStatement(benchmark::State& state) {
  RawVerify(state, Statements(), /*sodium=*/true);
}
BENCHMARK(BM_SodiumVerifyStatement);

void BM_EvpVerifyStatement(benchmark::State& state) {
  RawVerify(state, Statements(), /*sodium=*/false);
}
BENCHMARK(BM_EvpVerifyStatement);

}  // namespace
}  // namespace vitrine::note

int main(int argc, char** argv) {
  // Build keys and messages before any timing.
  vitrine::note::Checkpoints();
  vitrine::note::Statements();
  std::printf("libsodium %s, %s; statement body %zu bytes, checkpoint body "
              "%zu bytes\n",
              sodium_version_string(), OpenSSL_version(OPENSSL_VERSION),
              vitrine::note::Statements().texts[0].size(),
              vitrine::note::Checkpoints().texts[0].size());

  vitrine::bench::InitializeInterleaved(std::vector<char*>(argv, argv + argc));

  vitrine::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nTargets (issue 13: the note layer against raw libsodium), "
              "measured in this run:\n");
  bool ok = true;
  ok &= reporter.PrintRatio("BM_SignCheckpoint", "BM_SodiumSignCheckpoint", 0.9);
  ok &= reporter.PrintRatio("BM_OpenCheckpoint", "BM_SodiumVerifyCheckpoint", 0.9);
  ok &= reporter.PrintRatio("BM_SignStatement", "BM_SodiumSignStatement", 0.9);
  ok &= reporter.PrintRatio("BM_OpenStatement", "BM_SodiumVerifyStatement", 0.9);
  std::printf("\nBeside them, raw libsodium against raw OpenSSL EVP:\n");
  reporter.PrintSideBySide("BM_SodiumSignCheckpoint", "BM_EvpSignCheckpoint");
  reporter.PrintSideBySide("BM_SodiumVerifyCheckpoint", "BM_EvpVerifyCheckpoint");
  reporter.PrintSideBySide("BM_SodiumSignStatement", "BM_EvpSignStatement");
  reporter.PrintSideBySide("BM_SodiumVerifyStatement", "BM_EvpVerifyStatement");
  return ok ? 0 : 1;
}
