// Benchmark of the offline bundle verifier (issue 6): VerifyBundle of one
// bundle under a policy of 3 witnesses with quorum 2, against the raw
// Ed25519 verifications it cannot avoid, on the very same bytes, measured
// in one process so that the ratio holds whatever the machine's load.
//
//   bazel run -c opt //bench:verify_bench
//
// The bundle's checkpoint carries 2 cosignatures (the quorum), so a
// verification does 4 Ed25519 verifications: the vendor's signature of the
// statement, the log's of the checkpoint, and the two witnesses'. The raw
// baseline does exactly those 4 through EVP (keys loaded once, as in
// note_bench). What the ratio measures is the rest: statement and
// checkpoint parsing, key lookups, the leaf hash and the inclusion proof
// (about 10 hashes at 1000 leaves), and result copies.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/ratio_reporter.h"
#include "benchmark/benchmark.h"
#include "client/internal/bundle_testing.h"
#include "client/verifier.h"
#include "log/note/ed25519.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::client {
namespace {

constexpr size_t kLeaves = 1000;
constexpr size_t kBundles = 64;  // Distinct bundles, verified in turn.

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "setup: %s\n", value.status().ToString().c_str());
    std::abort();
  }
  return std::move(value).value();
}

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

EvpPkeyPtr PublicKey(absl::string_view vkey) {
  const note::VerifierKey key = OrDie(note::ParseVerifierKey(vkey));
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, Bytes(key.public_key), key.public_key.size()));
  if (!pkey) std::abort();
  return pkey;
}

bool RawVerify(EVP_PKEY* key, absl::string_view message,
               absl::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx != nullptr &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) ==
             1 &&
         EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                          Bytes(message), message.size()) == 1;
}

// One raw Ed25519 verification: key, message, signature.
struct RawCheck {
  EVP_PKEY* key;
  std::string message;
  std::string signature;
};

struct Corpus {
  std::unique_ptr<testing::TestWorld> world;
  std::unique_ptr<note::Policy> policy;
  std::vector<merkle::Hash> digests;
  std::vector<vitrine::v1::Bundle> bundles;
  std::vector<std::vector<RawCheck>> raw;  // 4 per bundle
  EvpPkeyPtr vendor_key, log_key;
  std::vector<EvpPkeyPtr> witness_keys;
};

const Corpus& TheCorpus() {
  static const Corpus* corpus = [] {
    auto* c = new Corpus;
    c->world = OrDie(testing::TestWorld::Create(3));
    for (size_t i = 0; i < kLeaves; ++i) {
      c->digests.push_back(testing::Digest(absl::StrCat("artifact-", i)));
      c->world->Append(c->world->SignedStatement(
          c->digests.back(), false, absl::StrCat("1.", i)));
    }
    c->policy = std::make_unique<note::Policy>(OrDie(c->world->MakePolicy(2)));
    c->vendor_key = PublicKey(c->world->vendor.vkey);
    c->log_key = PublicKey(c->world->log.vkey);
    for (const auto& w : c->world->witnesses) {
      c->witness_keys.push_back(PublicKey(w.vkey));
    }
    for (size_t b = 0; b < kBundles; ++b) {
      const uint64_t index = (b * 7919) % kLeaves;
      vitrine::v1::Bundle bundle = OrDie(c->world->MakeBundle(index, {0, 2}));
      // The same 4 verifications, on the bundle's own bytes.
      const note::Note statement = OrDie(note::ParseNote(bundle.statement()));
      const note::Note checkpoint = OrDie(note::ParseNote(bundle.checkpoint()));
      std::vector<RawCheck> checks;
      checks.push_back({c->vendor_key.get(), statement.text,
                        statement.signatures[0].bytes});
      checks.push_back({c->log_key.get(), checkpoint.text,
                        checkpoint.signatures[0].bytes});
      const size_t witness_index[] = {0, 2};
      for (size_t k = 0; k < 2; ++k) {
        const std::string& cosig = checkpoint.signatures[1 + k].bytes;
        uint64_t timestamp = 0;
        for (size_t j = 0; j < 8; ++j) {
          timestamp = (timestamp << 8) | static_cast<uint8_t>(cosig[j]);
        }
        checks.push_back({c->witness_keys[witness_index[k]].get(),
                          note::CosignatureV1Message(timestamp, checkpoint.text),
                          cosig.substr(8)});
      }
      for (const RawCheck& check : checks) {
        if (!RawVerify(check.key, check.message, check.signature)) {
          std::fprintf(stderr, "setup: raw verification failed\n");
          std::abort();
        }
      }
      if (!VerifyBundle(c->digests[index], bundle, *c->policy).ok()) {
        std::abort();
      }
      c->digests.push_back(c->digests[index]);  // digests[kLeaves + b]
      c->bundles.push_back(std::move(bundle));
      c->raw.push_back(std::move(checks));
    }
    return c;
  }();
  return *corpus;
}

void BM_VerifyBundle(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  size_t i = 0;
  for (auto _ : state) {
    const size_t n = i++ % kBundles;
    auto verified =
        VerifyBundle(c.digests[kLeaves + n], c.bundles[n], *c.policy);
    if (!verified.ok()) {
      state.SkipWithError(verified.status().ToString().c_str());
    }
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyBundle);

void BM_RawEd25519x4(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  size_t i = 0;
  for (auto _ : state) {
    for (const RawCheck& check : c.raw[i++ % kBundles]) {
      if (!RawVerify(check.key, check.message, check.signature)) {
        state.SkipWithError("raw verify failed");
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawEd25519x4);

}  // namespace
}  // namespace vitrine::client

int main(int argc, char** argv) {
  const auto& corpus = vitrine::client::TheCorpus();
  std::printf(
      "%s; tree of %zu leaves, %zu bundles, policy: 3 witnesses, quorum 2; "
      "inclusion proof %d hashes; 4 Ed25519 verifications per bundle\n",
      OpenSSL_version(OPENSSL_VERSION), vitrine::client::kLeaves,
      vitrine::client::kBundles, corpus.bundles[0].inclusion_proof_size());
  vitrine::bench::InitializeInterleaved(std::vector<char*>(argv, argv + argc));

  vitrine::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nTargets (issue 6), measured in this run:\n");
  bool ok = true;
  ok &= reporter.PrintTimeCeiling("BM_VerifyBundle", 1e6);
  ok &= reporter.PrintRatio("BM_VerifyBundle", "BM_RawEd25519x4", 0.8);
  return ok ? 0 : 1;
}
