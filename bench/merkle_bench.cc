// Benchmarks of log/merkle, printed with the ratios the targets are stated
// in (issue 2), all measured in one process:
//   - compact-range append of 300-byte entries (leaf hash + append) against
//     the raw SHA-256 work it cannot avoid: one 301-byte leaf hash and one
//     65-byte node hash per leaf (amortised, a tree has n-1 interior nodes);
//   - inclusion and consistency proof generation and verification at
//     2^10, 2^16 and 2^24 leaves over an in-memory hash store.
//
//   bazel run -c opt //bench:merkle_bench
//   bazel run -c opt //bench:merkle_bench -- --max_log_size=16   # quicker
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "bench/ratio_reporter.h"
#include "benchmark/benchmark.h"
#include "log/merkle/compact_range.h"
#include "log/merkle/hash.h"
#include "log/merkle/memory_hash_store.h"
#include "log/merkle/proof.h"
#include "log/merkle/verify.h"

namespace vitrine::merkle {
namespace {

constexpr size_t kEntrySize = 300;
constexpr size_t kDistinctEntries = 4096;

// Distinct 300-byte entries, so no cache or branch predictor sees repeats of
// one input.
const std::vector<std::string>& Entries() {
  static const auto* entries = [] {
    auto* out = new std::vector<std::string>();
    absl::BitGen gen;
    for (size_t i = 0; i < kDistinctEntries; ++i) {
      std::string e(kEntrySize, '\0');
      for (char& c : e) c = static_cast<char>(absl::Uniform<uint8_t>(gen));
      out->push_back(std::move(e));
    }
    return out;
  }();
  return *entries;
}

// The SHA-256 bound: the same bytes hashed with the bare primitive, each
// leaf input (0x00 || entry) laid out contiguously beforehand so that the
// bound includes no copying.
void BM_RawSha256(benchmark::State& state) {
  std::vector<std::string> leaf_inputs;
  for (const std::string& e : Entries()) leaf_inputs.push_back('\0' + e);
  uint8_t node_input[65] = {0x01};
  uint8_t digest[32];
  size_t i = 0;
  for (auto _ : state) {
    const std::string& leaf_input = leaf_inputs[i++ % kDistinctEntries];
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, leaf_input.data(), leaf_input.size());
    SHA256_Final(node_input + 1, &ctx);
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, node_input, sizeof(node_input));
    SHA256_Final(digest, &ctx);
    benchmark::DoNotOptimize(digest);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * kEntrySize);
}
BENCHMARK(BM_RawSha256);

void BM_CompactRangeAppend(benchmark::State& state) {
  const auto& entries = Entries();
  CompactRange range;
  size_t i = 0;
  for (auto _ : state) {
    range.Append(HashLeaf(entries[i++ % kDistinctEntries]));
  }
  benchmark::DoNotOptimize(range.Root());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * kEntrySize);
}
BENCHMARK(BM_CompactRangeAppend);

void BM_CompactRangeAppendBatch(benchmark::State& state) {
  const auto& entries = Entries();
  std::vector<Hash> batch(state.range(0));
  CompactRange range;
  size_t i = 0;
  for (auto _ : state) {
    for (Hash& h : batch) h = HashLeaf(entries[i++ % kDistinctEntries]);
    range.AppendBatch(batch);
  }
  benchmark::DoNotOptimize(range.Root());
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * state.range(0) * kEntrySize);
}
BENCHMARK(BM_CompactRangeAppendBatch)->Arg(256);

// One store per size, built once: 2^24 leaves hold 2^25 hashes (1 GiB).
MemoryHashStore& StoreOfSize(uint64_t size) {
  static auto* stores = new std::map<uint64_t, std::unique_ptr<MemoryHashStore>>;
  auto& store = (*stores)[size];
  if (store == nullptr) {
    store = std::make_unique<MemoryHashStore>();
    for (uint64_t i = 0; i < size; ++i) {
      store->Append(HashLeaf(absl::StrCat("entry-", i)));
    }
  }
  return *store;
}

void BM_InclusionProve(benchmark::State& state) {
  const uint64_t size = uint64_t{1} << state.range(0);
  MemoryHashStore& store = StoreOfSize(size);
  absl::BitGen gen;
  for (auto _ : state) {
    auto proof = InclusionProof(absl::Uniform<uint64_t>(gen, 0, size), size, store);
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_InclusionVerify(benchmark::State& state) {
  const uint64_t size = uint64_t{1} << state.range(0);
  MemoryHashStore& store = StoreOfSize(size);
  auto root = TreeRoot(size, store);
  if (!root.ok()) state.SkipWithError(root.status().ToString().c_str());
  struct Case {
    uint64_t index;
    Hash leaf;
    std::vector<Hash> proof;
  };
  std::vector<Case> cases;
  absl::BitGen gen;
  for (int i = 0; i < 256; ++i) {
    uint64_t index = absl::Uniform<uint64_t>(gen, 0, size);
    auto leaf = store.ReadHashes({NodeId{0, index}});
    auto proof = InclusionProof(index, size, store);
    if (!leaf.ok() || !proof.ok()) state.SkipWithError("setup failed");
    cases.push_back({index, (*leaf)[0], *std::move(proof)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Case& c = cases[i++ % cases.size()];
    absl::Status status = VerifyInclusion(c.index, size, c.leaf, c.proof, *root);
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ConsistencyProve(benchmark::State& state) {
  const uint64_t size = uint64_t{1} << state.range(0);
  MemoryHashStore& store = StoreOfSize(size);
  absl::BitGen gen;
  for (auto _ : state) {
    auto proof = ConsistencyProof(absl::Uniform<uint64_t>(gen, 1, size), size, store);
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ConsistencyVerify(benchmark::State& state) {
  const uint64_t size = uint64_t{1} << state.range(0);
  MemoryHashStore& store = StoreOfSize(size);
  auto new_root = TreeRoot(size, store);
  if (!new_root.ok()) state.SkipWithError(new_root.status().ToString().c_str());
  struct Case {
    uint64_t old_size;
    Hash old_root;
    std::vector<Hash> proof;
  };
  std::vector<Case> cases;
  absl::BitGen gen;
  for (int i = 0; i < 256; ++i) {
    uint64_t old_size = absl::Uniform<uint64_t>(gen, 1, size);
    auto old_root = TreeRoot(old_size, store);
    auto proof = ConsistencyProof(old_size, size, store);
    if (!old_root.ok() || !proof.ok()) state.SkipWithError("setup failed");
    cases.push_back({old_size, *old_root, *std::move(proof)});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Case& c = cases[i++ % cases.size()];
    absl::Status status =
        VerifyConsistency(c.old_size, size, c.old_root, *new_root, c.proof);
    if (!status.ok()) state.SkipWithError(status.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}

void RegisterProofBenchmarks(int max_log_size) {
  for (int log_size : {10, 16, 24}) {
    if (log_size > max_log_size) continue;
    benchmark::RegisterBenchmark("BM_InclusionProve", BM_InclusionProve)->Arg(log_size);
    benchmark::RegisterBenchmark("BM_InclusionVerify", BM_InclusionVerify)->Arg(log_size);
    benchmark::RegisterBenchmark("BM_ConsistencyProve", BM_ConsistencyProve)->Arg(log_size);
    benchmark::RegisterBenchmark("BM_ConsistencyVerify", BM_ConsistencyVerify)->Arg(log_size);
  }
}

}  // namespace
}  // namespace vitrine::merkle

int main(int argc, char** argv) {
  // --max_log_size=N skips the proof benchmarks above 2^N leaves (2^24 takes
  // a few seconds to build and 1 GiB of memory).
  int max_log_size = 24;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--max_log_size=")) {
      if (!absl::SimpleAtoi(arg, &max_log_size)) {
        std::fprintf(stderr, "bad --max_log_size\n");
        return 2;
      }
      continue;
    }
    args.push_back(argv[i]);
  }
  vitrine::bench::InitializeInterleaved(std::move(args));
  vitrine::merkle::RegisterProofBenchmarks(max_log_size);

  vitrine::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nTargets (issue 2), measured in this run:\n");
  reporter.PrintRatio("BM_CompactRangeAppend", "BM_RawSha256", 0.7);
  reporter.PrintRatio("BM_CompactRangeAppendBatch/256", "BM_RawSha256", 0.7);
  if (max_log_size >= 24) {
    reporter.PrintTimeCeiling("BM_InclusionVerify/24", 10000);
  }
  return 0;
}
