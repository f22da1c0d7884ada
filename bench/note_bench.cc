// Benchmarks of log/note: signing and verifying checkpoints and release
// statements through the note layer, against raw Ed25519 through EVP on the
// very bytes the note layer signs, all measured in one process so that the
// ratios (the targets of issue 3) hold whatever the machine's load.
//
//   bazel run -c opt //bench:note_bench
//
// The raw baselines load the key once (outside the timing loop) and, per
// call, do the least the one-shot EVP API needs: EVP_MD_CTX_new,
// EVP_DigestSignInit / EVP_DigestVerifyInit, EVP_DigestSign / Verify,
// EVP_MD_CTX_free. The note layer's extra work is what is measured: body
// formatting and checks, base64, note parsing, key lookup, result copies.
//
// Release statements (DESIGN.md format 6, about 240 bytes of text) go
// through SignStatement / VerifyStatement, which also format and parse the
// statement body.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "setup: %s\n", value.status().ToString().c_str());
    std::abort();
  }
  return std::move(value).value();
}

// One key pair, for the note layer and as raw EVP keys.
struct Keys {
  std::string seed;
  std::string public_key;
  std::unique_ptr<Signer> log_signer;     // named kOrigin
  std::unique_ptr<Signer> vendor_signer;  // named kVendor
  VerifierSet log_keys;
  VerifierSet vendor_keys;
  EvpPkeyPtr private_key;
  EvpPkeyPtr public_key_evp;
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
    k->private_key.reset(EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, Bytes(k->seed), k->seed.size()));
    k->public_key_evp.reset(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, Bytes(k->public_key), k->public_key.size()));
    if (!k->private_key || !k->public_key_evp) std::abort();
    return k;
  }();
  return *keys;
}

std::string RawSign(EVP_PKEY* key, absl::string_view message) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  uint8_t sig[kEd25519SignatureSize];
  size_t length = sizeof(sig);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &length, Bytes(message),
                     message.size()) != 1) {
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(sig), length);
}

bool RawVerify(EVP_PKEY* key, absl::string_view message,
               absl::string_view signature) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) ==
             1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                          Bytes(message), message.size()) == 1;
}

// The messages of one kind: what the note layer is given, the exact text
// it signs, that text's raw signature, and the signed note.
struct Corpus {
  std::vector<Checkpoint> checkpoints;  // Empty for statements.
  std::vector<Statement> statements;    // Empty for checkpoints.
  std::vector<std::string> texts;
  std::vector<std::string> raw_signatures;
  std::vector<std::string> notes;
};

void Finish(Corpus& c, const Signer& signer) {
  for (const std::string& text : c.texts) {
    c.raw_signatures.push_back(RawSign(TheKeys().private_key.get(), text));
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

// The raw Ed25519 baselines: the same bytes the note layer signs, through
// EVP with the key loaded once.
void RawEd25519Sign(benchmark::State& state, const Corpus& c) {
  size_t i = 0;
  for (auto _ : state) {
    std::string sig = RawSign(TheKeys().private_key.get(), c.texts[i++ % kMessages]);
    benchmark::DoNotOptimize(sig);
  }
  CountItems(state);
}

void RawEd25519Verify(benchmark::State& state, const Corpus& c) {
  size_t i = 0;
  for (auto _ : state) {
    const size_t n = i++ % kMessages;
    if (!RawVerify(TheKeys().public_key_evp.get(), c.texts[n], c.raw_signatures[n])) {
      state.SkipWithError("raw verify failed");
    }
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

void BM_RawSignCheckpoint(benchmark::State& state) { RawEd25519Sign(state, Checkpoints()); }
BENCHMARK(BM_RawSignCheckpoint);

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

void BM_RawVerifyCheckpoint(benchmark::State& state) { RawEd25519Verify(state, Checkpoints()); }
BENCHMARK(BM_RawVerifyCheckpoint);

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

void BM_RawSignStatement(benchmark::State& state) { RawEd25519Sign(state, Statements()); }
BENCHMARK(BM_RawSignStatement);

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

void BM_RawVerifyStatement(benchmark::State& state) { RawEd25519Verify(state, Statements()); }
BENCHMARK(BM_RawVerifyStatement);

}  // namespace
}  // namespace vitrine::note

int main(int argc, char** argv) {
  // Build keys and messages before any timing.
  vitrine::note::Checkpoints();
  vitrine::note::Statements();
  std::printf("%s; statement body %zu bytes, checkpoint body %zu bytes\n",
              OpenSSL_version(OPENSSL_VERSION),
              vitrine::note::Statements().texts[0].size(),
              vitrine::note::Checkpoints().texts[0].size());

  vitrine::bench::InitializeInterleaved(std::vector<char*>(argv, argv + argc));

  vitrine::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nTargets (issue 3), measured in this run:\n");
  bool ok = true;
  ok &= reporter.PrintRatio("BM_SignCheckpoint", "BM_RawSignCheckpoint", 0.9);
  ok &= reporter.PrintRatio("BM_OpenCheckpoint", "BM_RawVerifyCheckpoint", 0.9);
  ok &= reporter.PrintRatio("BM_SignStatement", "BM_RawSignStatement", 0.9);
  ok &= reporter.PrintRatio("BM_OpenStatement", "BM_RawVerifyStatement", 0.9);
  return ok ? 0 : 1;
}
