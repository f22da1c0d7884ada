// The two timed phases of vitrine-loadgen, driven through gRPC's callback
// client API: `clients` closed loops (each keeps exactly one call in flight
// and starts its next call from the previous one's completion), spread over
// a few channels (HTTP/2 connections). No thread of the generator waits per
// call, so the generator costs little CPU next to the server it measures.
//
//   LoadTarget target = ConnectLoadTarget("127.0.0.1:7400", /*channels=*/4);
//   PhaseResult adds = RunAddPhase(target, requests, add_options);
//   PhaseResult proofs = RunProofPhase(target, proof_options);
//
// Every answer is checked: an Add's results must each carry a bundle for its
// own statement (errors are counted by code), a sample of bundles is
// verified against the log's key (the checkpoint signature and the RFC 9162
// inclusion proof), and every acknowledged leaf index must be distinct.
//
// Thread-safety: each Run* call blocks its caller until the phase ends; run
// one phase at a time.
#ifndef VITRINE_BENCH_INTERNAL_LOAD_PHASES_H_
#define VITRINE_BENCH_INTERNAL_LOAD_PHASES_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/merkle/hash.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

namespace vitrine::bench {

// Stubs over `channels` separate connections to one server.
struct LoadTarget {
  std::string address;
  std::vector<std::unique_ptr<vitrine::v1::Log::Stub>> stubs;
};

// Opens `channels` (>= 1) distinct HTTP/2 connections (a local subchannel
// pool per channel: otherwise gRPC shares one connection between them).
LoadTarget ConnectLoadTarget(const std::string& address, int channels);

struct LatencySummary {
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
};

// Returns the tree size of the log's latest checkpoint (GetCheckpoint on
// the first channel, 30 s deadline); Unavailable with gRPC's message.
absl::StatusOr<uint64_t> TreeSize(LoadTarget& target);

// Returns percentiles of `latencies_ms` (reorders it).
LatencySummary Summarize(std::vector<double>& latencies_ms);

// Returns the canonical name of a grpc::StatusCode value ("UNAVAILABLE").
std::string StatusCodeName(int code);

struct PhaseResult {
  uint64_t calls = 0;      // calls answered (OK or not)
  uint64_t calls_ok = 0;
  uint64_t items_ok = 0;   // statements logged, or proofs received
  uint64_t items_failed = 0;
  uint64_t duplicates = 0;  // statements the log already held
  // "call <CODE>" or "statement <CODE>" -> count; "bad answer" for answers
  // that came back OK but did not check out.
  std::map<std::string, uint64_t> errors;
  // Sample checked with the log's key: bundles (adds) or proofs.
  uint64_t bundles_verified = 0;
  double seconds = 0;             // first call started .. last call answered
  double client_cpu_seconds = 0;  // this process (getrusage) in the phase
  std::vector<double> latencies_ms;  // one per answered call
};

struct AddPhaseOptions {
  int clients = 32;
  // Stop starting calls after this long (calls in flight still finish).
  absl::Duration limit = absl::Minutes(10);
  absl::Duration rpc_deadline = absl::Seconds(30);
  // Verify every Nth answer's first bundle (checkpoint signature and
  // inclusion proof; ~150 us of client CPU each); 0: never.
  uint64_t verify_every = 1000;
  // The log's verifier key and origin; verification is skipped when empty.
  std::string log_key;
  std::string log_origin;
  // When set, no call starts once *stop is true (calls in flight finish),
  // as with the limit: ends a phase at an event, e.g. a backup's end.
  const std::atomic<bool>* stop = nullptr;
};

// Sends every request once (or until the limit). Adds answered per second
// are result.items_ok / result.seconds.
PhaseResult RunAddPhase(LoadTarget& target,
                        const std::vector<vitrine::v1::AddRequest>& requests,
                        const AddPhaseOptions& options);

// A leaf the proof phase can check a proof of: its index and hash.
struct KnownLeaf {
  uint64_t index = 0;
  merkle::Hash hash;
};

// Fetches the leaves at `indexes` with GetEntries (one call each, 30 s
// deadline) and returns their hashes; the proof phase then checks proofs of
// them against signed checkpoints, so a target that lies about either is
// caught. Unavailable with gRPC's message, Internal for a missing entry.
absl::StatusOr<std::vector<KnownLeaf>> FetchKnownLeaves(LoadTarget& target,
                                                        const std::vector<uint64_t>& indexes);

struct ProofPhaseOptions {
  int clients = 32;
  uint64_t rpcs = 100000;
  // Leaf indexes are drawn uniformly from [0, tree_size); each request asks
  // for the latest tree size (tree_size = 0), which must be tree_size.
  uint64_t tree_size = 0;
  absl::Duration limit = absl::Minutes(10);
  absl::Duration rpc_deadline = absl::Seconds(30);
  // Every Nth call asks for a leaf of known_leaves (in turn) and its answer
  // is verified: the checkpoint under log_key for log_origin, then
  // merkle::VerifyInclusion to its root (~100 us of client CPU each).
  // 0, no key or no known leaves: never.
  uint64_t verify_every = 100;
  std::string log_key;
  std::string log_origin;
  std::vector<KnownLeaf> known_leaves;
};

// Sends `rpcs` GetInclusionProof calls (or until the limit).
PhaseResult RunProofPhase(LoadTarget& target, const ProofPhaseOptions& options);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_LOAD_PHASES_H_
