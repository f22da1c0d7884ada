// Tile GETs over HTTP/1.1 with many keep-alive connections in flight (issue
// 16's read load): closed loops, one request in flight per connection, run
// from a few epoll threads, against vitrine-log, a mirror or nginx; a sample
// of the answers is kept and afterwards checked against a checkpoint
// verified under the log's key (tiles through merkle::TileHashReader, entry
// bundles against the level-0 hashes).
//
//   absl::StatusOr<VerifiedTree> tree = FetchVerifiedTree(port, log_key, origin);
//   TileLoadOptions options;
//   options.port = port;
//   options.paths = ImmutableTilePaths(tree->size);
//   TileLoadResult load = RunTileLoad(options);
//   TileCheck check = CheckTileSamples(port, *tree, load.samples);
//
// Answers are parsed with http_loops' ParseHttpAnswer (Content-Length
// framing). A connection the server closes (nginx's keepalive_requests) is
// reopened and counted. Thread-safety: each call blocks its caller; calls
// may run concurrently.
#ifndef VITRINE_BENCH_INTERNAL_TILE_LOAD_H_
#define VITRINE_BENCH_INTERNAL_TILE_LOAD_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/merkle/hash.h"

namespace vitrine::bench {

struct TileLoadOptions {
  int port = 0;  // on 127.0.0.1
  // Requested in turn; connection k starts at path k * paths / connections
  // so that the connections spread over the tree.
  std::vector<std::string> paths;
  // Keep-alive connections, each with one request in flight (the 256).
  int connections = 256;
  // epoll threads the connections are spread over: 2 matches wrk -t2 and
  // this machine's cores; more only adds switching.
  int threads = 2;
  // Answers completed within this window count; those in flight at its end
  // are dropped.
  absl::Duration duration = absl::Seconds(10);
  // One request's deadline (a stuck connection is an error, then reopened).
  absl::Duration timeout = absl::Seconds(10);
  // Keep every Nth 200 answer (path and body) for CheckTileSamples; 0: none.
  uint64_t sample_every = 1000;
};

struct TileLoadResult {
  uint64_t answered_ok = 0;  // 200 with a body
  uint64_t bytes = 0;        // bodies of the 200s
  uint64_t reconnects = 0;   // connections reopened after the server closed
  // "status 404", "Unavailable: ...", "timeout" -> count.
  std::map<std::string, uint64_t> errors;
  double seconds = 0;
  double client_cpu_seconds = 0;  // this process (getrusage) in the window
  std::vector<double> latencies_ms;  // send to whole answer, 200s only
  std::vector<std::pair<std::string, std::string>> samples;  // path, body
};

// Runs the closed loops for options.duration.
TileLoadResult RunTileLoad(const TileLoadOptions& options);

// A checkpoint verified under the log's key: what samples are checked against.
struct VerifiedTree {
  std::string note;  // the signed checkpoint as served
  uint64_t size = 0;
  merkle::Hash root;
};

// GETs /checkpoint from 127.0.0.1:`port` and opens it under `log_key` for
// `origin`. Unavailable when it cannot be fetched, the note's errors when
// it does not verify.
absl::StatusOr<VerifiedTree> FetchVerifiedTree(int port, const std::string& log_key,
                                               const std::string& origin);

// The paths of every full tile (all levels) and full entry bundle of a tree
// of `size`, interleaved (bundle, level-0 tile, ...; higher levels last),
// each with a leading '/': the immutable answers a cache keeps.
std::vector<std::string> ImmutableTilePaths(uint64_t size);

struct TileCheck {
  uint64_t verified = 0;
  std::vector<std::string> failures;  // path: reason
};

// Checks each sample against `tree`: a hash tile must authenticate through
// merkle::TileHashReader (the tiles above it fetched from `port`, each
// authenticated too), an entry bundle's leaf hashes must equal its level-0
// tile's.
TileCheck CheckTileSamples(int port, const VerifiedTree& tree,
                           const std::vector<std::pair<std::string, std::string>>& samples);

// Returns one line: GETs/s, MB/s, p50/p99 latency, samples verified,
// errors, reconnects and the client's CPU. Sorts the latencies.
std::string DescribeTileLoad(TileLoadResult& load, const TileCheck& check);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_TILE_LOAD_H_
