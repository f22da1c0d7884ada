// vitrine-read-loadgen: read load against one endpoint of a log - the log
// itself, a vitrine-monitor mirror, or nginx in front of either (issue 16).
//
//   vitrine-read-loadgen --log_key=<vkey> --http=127.0.0.1:7480 --grpc=127.0.0.1:7400
//       [--connections=256 --seconds=10 --proof_clients=32]
//
// How it measures:
//   - tiles (--http, a port on 127.0.0.1): the checkpoint is fetched and
//     opened under --log_key, then --connections keep-alive connections
//     each keep one GET in flight for --seconds over every full tile and
//     entry bundle of that tree (bench/internal/tile_load.h); every
//     --sample_every-th answer is kept and checked afterwards against the
//     checkpoint (hash tiles through merkle::TileHashReader, bundles against
//     their level-0 hashes).
//   - proofs (--grpc): --proof_clients closed loops of GetInclusionProof at
//     the latest size over --channels connections for --proof_seconds; every
//     --verify_every-th asks for one of 64 leaves fetched first with
//     GetEntries and is verified (checkpoint under --log_key, then
//     merkle::VerifyInclusion).
//   Prints requests/s, p50/p99 latency, errors by kind and this process's
//   CPU (it shares the machine with the server on loopback). Exit 1 when a
//   sample fails to verify or any error occurred.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/internal/load_phases.h"
#include "bench/internal/load_report.h"
#include "bench/internal/tile_load.h"

ABSL_FLAG(std::string, log_key, "", "the log's verifier key (required)");
ABSL_FLAG(std::string, origin, "", "the log's origin; default: the key's name");
ABSL_FLAG(std::string, http, "", "127.0.0.1:<port> of the tile API; empty: no tile phase");
ABSL_FLAG(std::string, grpc, "", "host:port of the Log service; empty: no proof phase");
ABSL_FLAG(int, connections, 256, "keep-alive connections, one GET in flight each");
ABSL_FLAG(int, threads, 2, "the tile client's epoll threads");
ABSL_FLAG(absl::Duration, seconds, absl::Seconds(10), "length of the tile phase");
ABSL_FLAG(uint64_t, sample_every, 1000, "tile answers: keep and verify every Nth");
ABSL_FLAG(int, proof_clients, 32, "concurrent GetInclusionProof calls");
ABSL_FLAG(int, channels, 4, "HTTP/2 connections the proof calls are spread over");
ABSL_FLAG(absl::Duration, proof_seconds, absl::Seconds(10), "length of the proof phase");
ABSL_FLAG(uint64_t, verify_every, 100, "proofs: verify every Nth");

namespace vitrine::bench {
namespace {

int Main() {
  const std::string key = absl::GetFlag(FLAGS_log_key);
  if (key.empty()) {
    std::fprintf(stderr, "vitrine-read-loadgen: --log_key is required\n");
    return 2;
  }
  const std::string origin =
      absl::GetFlag(FLAGS_origin).empty() ? key.substr(0, key.find('+')) : absl::GetFlag(FLAGS_origin);
  bool passed = true;
  if (const std::string http = absl::GetFlag(FLAGS_http); !http.empty()) {
    int port = 0;
    if (!absl::SimpleAtoi(http.substr(http.rfind(':') + 1), &port)) {
      std::fprintf(stderr, "vitrine-read-loadgen: bad --http %s\n", http.c_str());
      return 2;
    }
    absl::StatusOr<VerifiedTree> tree = FetchVerifiedTree(port, key, origin);
    if (!tree.ok()) {
      std::fprintf(stderr, "vitrine-read-loadgen: %s\n", tree.status().ToString().c_str());
      return 1;
    }
    TileLoadOptions options;
    options.port = port;
    options.paths = ImmutableTilePaths(tree->size);
    options.connections = absl::GetFlag(FLAGS_connections);
    options.threads = absl::GetFlag(FLAGS_threads);
    options.duration = absl::GetFlag(FLAGS_seconds);
    options.sample_every = absl::GetFlag(FLAGS_sample_every);
    TileLoadResult load = RunTileLoad(options);
    const TileCheck check = CheckTileSamples(port, *tree, load.samples);
    std::printf("tiles  %s, tree %llu, %zu paths, %d connections: %s\n", http.c_str(),
                static_cast<unsigned long long>(tree->size), options.paths.size(),
                options.connections, DescribeTileLoad(load, check).c_str());
    for (const std::string& failure : check.failures) std::printf("  NOT VERIFIED %s\n", failure.c_str());
    passed = passed && check.failures.empty() && load.errors.empty();
  }
  if (const std::string grpc = absl::GetFlag(FLAGS_grpc); !grpc.empty()) {
    LoadTarget target = ConnectLoadTarget(grpc, absl::GetFlag(FLAGS_channels));
    absl::StatusOr<uint64_t> size = TreeSize(target);
    if (!size.ok() || *size == 0) {
      std::fprintf(stderr, "vitrine-read-loadgen: %s\n",
                   size.ok() ? "empty log" : size.status().ToString().c_str());
      return 1;
    }
    absl::BitGen random;
    std::vector<uint64_t> indexes;
    for (int i = 0; i < 64; ++i) indexes.push_back(absl::Uniform<uint64_t>(random, 0, *size));
    absl::StatusOr<std::vector<KnownLeaf>> known = FetchKnownLeaves(target, indexes);
    if (!known.ok()) {
      std::fprintf(stderr, "vitrine-read-loadgen: %s\n", known.status().ToString().c_str());
      return 1;
    }
    ProofPhaseOptions options;
    options.clients = absl::GetFlag(FLAGS_proof_clients);
    options.rpcs = UINT64_MAX;
    options.tree_size = *size;
    options.limit = absl::GetFlag(FLAGS_proof_seconds);
    options.verify_every = absl::GetFlag(FLAGS_verify_every);
    options.log_key = key;
    options.log_origin = origin;
    options.known_leaves = *std::move(known);
    PhaseResult proofs = RunProofPhase(target, options);
    std::printf("proofs %s, tree %llu, %d clients: %s\n", grpc.c_str(),
                static_cast<unsigned long long>(*size), options.clients,
                DescribeReadPhase(proofs).c_str());
    passed = passed && proofs.errors.empty();
  }
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace vitrine::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return vitrine::bench::Main();
}
