#include "bench/internal/load_phases.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/keys.h"
#include "log/note/note.h"

namespace vitrine::bench {
namespace {

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// `clients` closed loops over jobs 0..jobs-1: Run calls start(client, job)
// for each client's first job; the code that completes a job calls
// Next(client), which starts that client's next job or retires the client.
// Jobs are taken in order from one counter, so with a limit the jobs done
// are a prefix.
class ClosedLoop {
 public:
  using Start = std::function<void(int client, uint64_t job)>;

  // No job starts after `limit`, nor once `*stop` (when given) is true.
  ClosedLoop(int clients, uint64_t jobs, absl::Duration limit, const std::atomic<bool>* stop,
             Start start)
      : clients_(clients), jobs_(jobs), limit_(limit), stop_flag_(stop),
        start_(std::move(start)) {}

  // Blocks until every client has retired; returns the elapsed seconds.
  double Run() {
    const absl::Time begin = absl::Now();
    stop_ = begin + limit_;
    active_.store(clients_);
    for (int c = 0; c < clients_; ++c) Next(c);
    std::unique_lock<std::mutex> lock(mu_);
    finished_cv_.wait(lock, [this] { return finished_; });
    return absl::ToDoubleSeconds(absl::Now() - begin);
  }

  void Next(int client) {
    const uint64_t job = next_.fetch_add(1, std::memory_order_relaxed);
    const bool stopped = stop_flag_ != nullptr && stop_flag_->load(std::memory_order_relaxed);
    if (job < jobs_ && !stopped && absl::Now() < stop_) {
      start_(client, job);
      return;
    }
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      finished_cv_.notify_all();
    }
  }

 private:
  const int clients_;
  const uint64_t jobs_;
  const absl::Duration limit_;
  const std::atomic<bool>* const stop_flag_;
  const Start start_;
  absl::Time stop_;
  std::atomic<uint64_t> next_{0};
  std::atomic<int> active_{0};
  std::mutex mu_;
  std::condition_variable finished_cv_;
  bool finished_ = false;  // guarded by mu_
};

void Merge(PhaseResult& into, PhaseResult& from) {
  into.calls += from.calls;
  into.calls_ok += from.calls_ok;
  into.items_ok += from.items_ok;
  into.items_failed += from.items_failed;
  into.duplicates += from.duplicates;
  into.bundles_verified += from.bundles_verified;
  for (const auto& [key, count] : from.errors) into.errors[key] += count;
  into.latencies_ms.insert(into.latencies_ms.end(), from.latencies_ms.begin(),
                           from.latencies_ms.end());
}

// Checks that `leaf` is at `index` in the tree of the signed checkpoint
// `signed_note` (opened under the log's key), by `proof` (RFC 9162 2.1.3).
// `size`, when not 0, must be the checkpoint's.
absl::Status VerifyInclusionInNote(absl::string_view signed_note, const std::string& origin,
                                   const note::VerifierSet& log_keys, uint64_t size,
                                   uint64_t index, const merkle::Hash& leaf,
                                   const google::protobuf::RepeatedPtrField<std::string>& proof) {
  absl::StatusOr<note::VerifiedCheckpoint> checkpoint =
      note::OpenCheckpoint(signed_note, origin, log_keys);
  if (!checkpoint.ok()) return checkpoint.status();
  if (size != 0 && checkpoint->checkpoint.size != size) {
    return absl::InvalidArgumentError("proof for another size than its checkpoint");
  }
  std::vector<merkle::Hash> hashes;
  for (const std::string& bytes : proof) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(bytes);
    if (!hash.ok()) return hash.status();
    hashes.push_back(*hash);
  }
  return merkle::VerifyInclusion(index, checkpoint->checkpoint.size, leaf, hashes,
                                 checkpoint->checkpoint.root);
}

// Checks a bundle against the log's key: checkpoint signature, then the
// inclusion proof of its statement to the checkpoint's root.
absl::Status VerifyBundle(const vitrine::v1::Bundle& bundle, const note::VerifierSet& log_keys,
                          const std::string& origin) {
  return VerifyInclusionInNote(bundle.checkpoint(), origin, log_keys, 0, bundle.leaf_index(),
                               merkle::HashLeaf(bundle.statement()), bundle.inclusion_proof());
}

// One client of the Add phase: the call in flight and what it has seen.
struct AddClient {
  std::unique_ptr<grpc::ClientContext> context;
  vitrine::v1::AddResponse response;
  absl::Time start;
  PhaseResult result;
};

}  // namespace

LoadTarget ConnectLoadTarget(const std::string& address, int channels) {
  LoadTarget target;
  target.address = address;
  for (int i = 0; i < std::max(1, channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    target.stubs.push_back(vitrine::v1::Log::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
  }
  return target;
}

absl::StatusOr<uint64_t> TreeSize(LoadTarget& target) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  vitrine::v1::GetCheckpointResponse response;
  grpc::Status status = target.stubs[0]->GetCheckpoint(&context, {}, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("GetCheckpoint: ", status.error_message()));
  }
  return response.checkpoint().size();
}

LatencySummary Summarize(std::vector<double>& latencies_ms) {
  LatencySummary summary;
  if (latencies_ms.empty()) return summary;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double q) {
    const size_t k = static_cast<size_t>(q * static_cast<double>(latencies_ms.size()));
    return latencies_ms[std::min(latencies_ms.size() - 1, k)];
  };
  summary.p50_ms = at(0.50);
  summary.p99_ms = at(0.99);
  summary.p999_ms = at(0.999);
  summary.max_ms = latencies_ms.back();
  double total = 0;
  for (double v : latencies_ms) total += v;
  summary.mean_ms = total / static_cast<double>(latencies_ms.size());
  return summary;
}

std::string StatusCodeName(int code) {
  static const char* const kNames[] = {
      "OK",         "CANCELLED",         "UNKNOWN",        "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",  "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",       "UNAVAILABLE",    "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return kNames[code];
  }
  return absl::StrCat("CODE_", code);
}

PhaseResult RunAddPhase(LoadTarget& target, const std::vector<vitrine::v1::AddRequest>& requests,
                        const AddPhaseOptions& options) {
  // Statement number of each request's first statement, for the index check.
  std::vector<uint64_t> first(requests.size() + 1, 0);
  for (size_t i = 0; i < requests.size(); ++i) {
    first[i + 1] = first[i] + static_cast<uint64_t>(requests[i].statements_size());
  }
  constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  std::vector<uint64_t> indexes(first.back(), kNone);

  note::VerifierSet log_keys;
  bool verify = options.verify_every > 0 && !options.log_key.empty();
  if (verify) {
    absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(options.log_key);
    verify = verifier.ok() && log_keys.Add(*std::move(verifier)).ok();
  }

  std::vector<AddClient> clients(static_cast<size_t>(options.clients));
  ClosedLoop* loop_ptr = nullptr;
  auto finish = [&](int c, uint64_t job, const grpc::Status& status) {
    AddClient& client = clients[c];
    PhaseResult& result = client.result;
    const vitrine::v1::AddRequest& request = requests[job];
    result.latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - client.start));
    ++result.calls;
    if (!status.ok()) {
      ++result.errors[absl::StrCat("call ", StatusCodeName(status.error_code()))];
      result.items_failed += static_cast<uint64_t>(request.statements_size());
    } else if (client.response.results_size() != request.statements_size()) {
      ++result.errors["bad answer: result count"];
      result.items_failed += static_cast<uint64_t>(request.statements_size());
    } else {
      ++result.calls_ok;
      for (int k = 0; k < request.statements_size(); ++k) {
        const vitrine::v1::AddResult& added = client.response.results(k);
        if (added.has_error()) {
          ++result.errors[absl::StrCat("statement ", StatusCodeName(added.error().code()))];
          ++result.items_failed;
        } else if (!added.has_bundle() || added.bundle().statement() != request.statements(k)) {
          ++result.errors["bad answer: bundle missing or for another statement"];
          ++result.items_failed;
        } else if (added.duplicate()) {
          ++result.duplicates;
        } else {
          ++result.items_ok;
          indexes[first[job] + static_cast<uint64_t>(k)] = added.bundle().leaf_index();
        }
      }
      if (verify && job % options.verify_every == 0 && client.response.results(0).has_bundle()) {
        if (VerifyBundle(client.response.results(0).bundle(), log_keys, options.log_origin).ok()) {
          ++result.bundles_verified;
        } else {
          ++result.errors["bad answer: bundle does not verify"];
        }
      }
    }
    loop_ptr->Next(c);
  };
  auto start = [&](int c, uint64_t job) {
    AddClient& client = clients[c];
    client.context = std::make_unique<grpc::ClientContext>();
    client.context->set_deadline(std::chrono::system_clock::now() +
                                 absl::ToChronoSeconds(options.rpc_deadline));
    client.response.Clear();
    client.start = absl::Now();
    target.stubs[c % target.stubs.size()]->async()->Add(
        client.context.get(), &requests[job], &client.response,
        [&finish, c, job](grpc::Status status) { finish(c, job, status); });
  };
  ClosedLoop loop(options.clients, requests.size(), options.limit, options.stop, start);
  loop_ptr = &loop;
  const double cpu_before = ProcessCpuSeconds();
  PhaseResult total;
  total.seconds = loop.Run();
  total.client_cpu_seconds = ProcessCpuSeconds() - cpu_before;
  for (AddClient& client : clients) Merge(total, client.result);

  std::vector<uint64_t> logged;
  logged.reserve(total.items_ok);
  for (uint64_t index : indexes) {
    if (index != kNone) logged.push_back(index);
  }
  std::sort(logged.begin(), logged.end());
  const uint64_t repeated = static_cast<uint64_t>(
      logged.size() - static_cast<size_t>(std::unique(logged.begin(), logged.end()) -
                                          logged.begin()));
  if (repeated > 0) total.errors["bad answer: leaf index given twice"] += repeated;
  return total;
}

absl::StatusOr<std::vector<KnownLeaf>> FetchKnownLeaves(LoadTarget& target,
                                                        const std::vector<uint64_t>& indexes) {
  std::vector<KnownLeaf> leaves;
  for (uint64_t index : indexes) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    vitrine::v1::GetEntriesRequest request;
    request.set_start(index);
    request.set_end(index + 1);
    std::unique_ptr<grpc::ClientReader<vitrine::v1::Entry>> reader =
        target.stubs[0]->GetEntries(&context, request);
    vitrine::v1::Entry entry;
    bool found = false;
    while (reader->Read(&entry)) {
      if (entry.index() == index) {
        leaves.push_back({index, merkle::HashLeaf(entry.leaf())});
        found = true;
      }
    }
    const grpc::Status status = reader->Finish();
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat("GetEntries: ", status.error_message()));
    }
    if (!found) return absl::InternalError(absl::StrCat("GetEntries gave no entry ", index));
  }
  return leaves;
}

PhaseResult RunProofPhase(LoadTarget& target, const ProofPhaseOptions& options) {
  note::VerifierSet log_keys;
  bool verify = options.verify_every > 0 && !options.log_key.empty() &&
                !options.known_leaves.empty();
  if (verify) {
    absl::StatusOr<std::unique_ptr<note::Verifier>> verifier = note::NewVerifier(options.log_key);
    verify = verifier.ok() && log_keys.Add(*std::move(verifier)).ok();
  }
  struct ProofClient {
    std::unique_ptr<grpc::ClientContext> context;
    vitrine::v1::GetInclusionProofRequest request;
    vitrine::v1::GetInclusionProofResponse response;
    absl::Time start;
    absl::InsecureBitGen random;
    const KnownLeaf* known = nullptr;  // set when this answer is verified
    PhaseResult result;
  };
  std::vector<ProofClient> clients(static_cast<size_t>(options.clients));
  ClosedLoop* loop_ptr = nullptr;
  auto finish = [&](int c, const grpc::Status& status) {
    ProofClient& client = clients[c];
    PhaseResult& result = client.result;
    result.latencies_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - client.start));
    ++result.calls;
    if (!status.ok()) {
      ++result.errors[absl::StrCat("call ", StatusCodeName(status.error_code()))];
      ++result.items_failed;
    } else if (client.response.leaf_index() != client.request.leaf_index() ||
               client.response.tree_size() < options.tree_size ||
               (client.response.tree_size() > 1 && client.response.proof_size() == 0) ||
               !client.response.has_checkpoint()) {
      ++result.errors["bad answer: proof"];
      ++result.items_failed;
    } else if (client.known != nullptr &&
               !VerifyInclusionInNote(client.response.checkpoint().note(), options.log_origin,
                                      log_keys, client.response.tree_size(), client.known->index,
                                      client.known->hash, client.response.proof())
                    .ok()) {
      ++result.errors["bad answer: proof does not verify"];
      ++result.items_failed;
    } else {
      ++result.calls_ok;
      ++result.items_ok;
      if (client.known != nullptr) ++result.bundles_verified;
    }
    loop_ptr->Next(c);
  };
  auto start = [&](int c, uint64_t job) {
    ProofClient& client = clients[c];
    client.context = std::make_unique<grpc::ClientContext>();
    client.context->set_deadline(std::chrono::system_clock::now() +
                                 absl::ToChronoSeconds(options.rpc_deadline));
    client.known = nullptr;
    if (verify && job % options.verify_every == 0) {
      client.known = &options.known_leaves[(job / options.verify_every) %
                                           options.known_leaves.size()];
      client.request.set_leaf_index(client.known->index);
    } else {
      client.request.set_leaf_index(absl::Uniform<uint64_t>(client.random, 0, options.tree_size));
    }
    client.request.set_tree_size(0);  // the latest checkpoint's size
    client.response.Clear();
    client.start = absl::Now();
    target.stubs[c % target.stubs.size()]->async()->GetInclusionProof(
        client.context.get(), &client.request, &client.response,
        [&finish, c](grpc::Status status) { finish(c, status); });
  };
  ClosedLoop loop(options.clients, options.tree_size == 0 ? 0 : options.rpcs, options.limit,
                  /*stop=*/nullptr, start);
  loop_ptr = &loop;
  const double cpu_before = ProcessCpuSeconds();
  PhaseResult total;
  total.seconds = loop.Run();
  total.client_cpu_seconds = ProcessCpuSeconds() - cpu_before;
  for (ProofClient& client : clients) Merge(total, client.result);
  return total;
}

}  // namespace vitrine::bench
