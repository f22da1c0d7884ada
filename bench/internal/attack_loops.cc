#include "bench/internal/attack_loops.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/internal/load_phases.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::bench {
namespace {

constexpr size_t kFirstCodes = 64;

std::string RandomBytes(absl::BitGen& random, size_t n) {
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(absl::Uniform<uint8_t>(random));
  return bytes;
}

// A signature line of random bytes under `name` and `key_id`: what anyone
// can write without the key.
note::Signature RandomSignature(absl::BitGen& random, std::string name,
                                uint32_t key_id) {
  return note::Signature{std::move(name), key_id, RandomBytes(random, 64)};
}

std::unique_ptr<grpc::ClientContext> Context(absl::Duration deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return context;
}

double MillisecondsSince(absl::Time start) {
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

// Sleeps until `when` unless it has passed.
void SleepUntil(absl::Time when) {
  const absl::Duration wait = when - absl::Now();
  if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
}

}  // namespace

std::string AttackName(Attack attack) {
  switch (attack) {
    case Attack::kNone:
      return "idle";
    case Attack::kKeylessReplay:
      return "keyless-replay";
    case Attack::kMultiSignature:
      return "multi-signature";
    case Attack::kForgedSignature:
      return "forged-signature";
  }
  return "unknown";
}

AttackFactory::AttackFactory(std::vector<std::string> logged) : logged_(std::move(logged)) {}

absl::StatusOr<std::string> AttackFactory::Make(Attack attack, uint64_t n,
                                                absl::BitGen& random) const {
  if (logged_.empty()) return absl::FailedPreconditionError("no logged statements");
  absl::StatusOr<note::Note> note =
      note::ParseNote(logged_[n % logged_.size()], note::StatementNoteLimits());
  if (!note.ok()) return note.status();
  const note::Signature vendor_line = note->signatures.front();
  switch (attack) {
    case Attack::kKeylessReplay:
      note->signatures.push_back(RandomSignature(
          random, "anything.invalid/x", absl::Uniform<uint32_t>(random)));
      return note::FormatNote(*note);
    case Attack::kMultiSignature: {
      note::Note flood{note->text, std::vector<note::Signature>(99, vendor_line)};
      flood.signatures.push_back(
          RandomSignature(random, vendor_line.name, vendor_line.key_id));
      return note::FormatNote(flood);
    }
    case Attack::kForgedSignature: {
      absl::StatusOr<note::Statement> statement = note::ParseStatement(note->text);
      if (!statement.ok()) return statement.status();
      statement->version = absl::StrFormat("%s-f%016x%06x", statement->version,
                                           absl::Uniform<uint64_t>(random), n & 0xffffff);
      absl::StatusOr<std::string> text = note::FormatStatement(*statement);
      if (!text.ok()) return text.status();
      return note::FormatNote(note::Note{
          *std::move(text), {RandomSignature(random, vendor_line.name, vendor_line.key_id)}});
    }
    case Attack::kNone:
      break;
  }
  return absl::InvalidArgumentError("no attack to make");
}

absl::StatusOr<std::vector<std::string>> ReadEntries(vitrine::v1::Log::Stub& stub,
                                                     uint64_t start, uint64_t end) {
  std::vector<std::string> leaves;
  for (uint64_t from = start; from < end;) {
    vitrine::v1::GetEntriesRequest request;
    request.set_start(from);
    request.set_end(std::min(end, from + 1000));
    auto context = Context(absl::Seconds(30));
    std::unique_ptr<grpc::ClientReader<vitrine::v1::Entry>> reader =
        stub.GetEntries(context.get(), request);
    const uint64_t before = leaves.size();
    for (vitrine::v1::Entry entry; reader->Read(&entry);) leaves.push_back(entry.leaf());
    const grpc::Status status = reader->Finish();
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat("GetEntries: ", status.error_message()));
    }
    if (leaves.size() == before) return absl::DataLossError("GetEntries returned nothing");
    from += leaves.size() - before;
  }
  return leaves;
}

absl::StatusOr<uint64_t> LatestTreeSize(vitrine::v1::Log::Stub& stub) {
  auto context = Context(absl::Seconds(30));
  vitrine::v1::GetCheckpointResponse response;
  const grpc::Status status = stub.GetCheckpoint(context.get(), {}, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("GetCheckpoint: ", status.error_message()));
  }
  return response.checkpoint().size();
}

HonestStatements::HonestStatements(std::unique_ptr<note::Signer> vendor)
    : vendor_(std::move(vendor)), run_(absl::Uniform<uint64_t>(absl::BitGen())) {}

absl::StatusOr<std::string> HonestStatements::Next() {
  const uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
  note::Statement statement{vendor_->Name(), absl::StrFormat("honest-%016x.tar.gz", run_),
                            absl::StrCat("1.0.", n),
                            merkle::HashLeaf(absl::StrCat(run_, "/honest/", n)), std::nullopt};
  return note::SignStatement(statement, *vendor_);
}

absl::StatusOr<std::vector<vitrine::v1::AddRequest>> PresignAdds(
    const std::vector<std::unique_ptr<note::Signer>>& vendors, uint64_t count,
    int per_request, const std::string& label) {
  if (vendors.empty() || per_request < 1) return absl::InvalidArgumentError("no vendors");
  std::vector<std::string> statements(count);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<absl::Status> failed(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = t; i < count; i += threads) {
        const note::Signer& signer = *vendors[i % vendors.size()];
        note::Statement statement{signer.Name(), absl::StrCat(label, ".tar.gz"),
                                  absl::StrCat("2.0.", i),
                                  merkle::HashLeaf(absl::StrCat(label, "/", i)), std::nullopt};
        absl::StatusOr<std::string> signed_statement = note::SignStatement(statement, signer);
        if (!signed_statement.ok()) {
          failed[t] = signed_statement.status();
          return;
        }
        statements[i] = *std::move(signed_statement);
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (const absl::Status& status : failed) {
    if (!status.ok()) return status;
  }
  std::vector<vitrine::v1::AddRequest> requests((count + per_request - 1) / per_request);
  for (uint64_t i = 0; i < count; ++i) {
    requests[i / per_request].add_statements(std::move(statements[i]));
  }
  return requests;
}

std::unique_ptr<vitrine::v1::Log::Stub> ConnectOwn(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return vitrine::v1::Log::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
}

HonestResult RunHonestClient(vitrine::v1::Log::Stub& stub, HonestStatements& statements,
                             const HonestOptions& options) {
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + options.duration;
  HonestResult adds, reads;
  auto fail = [](HonestResult& result, const std::string& what) {
    ++result.failures;
    ++result.errors[what];
  };

  std::thread adder([&] {
    const absl::Duration interval = absl::Seconds(1) / options.adds_per_second;
    for (int64_t k = 0;; ++k) {
      const absl::Time due = begin + k * interval;
      if (due >= end) break;
      SleepUntil(due);
      absl::StatusOr<std::string> statement = statements.Next();  // not timed
      if (!statement.ok()) {
        fail(adds, "sign");
        continue;
      }
      vitrine::v1::AddRequest request;
      request.add_statements(*std::move(statement));
      vitrine::v1::AddResponse response;
      auto context = Context(options.rpc_deadline);
      const absl::Time start = absl::Now();
      const grpc::Status status = stub.Add(context.get(), request, &response);
      const double ms = MillisecondsSince(start);
      ++adds.calls;
      adds.add_latencies_ms.push_back(ms);
      if (!status.ok()) {
        fail(adds, absl::StrCat("Add ", StatusCodeName(status.error_code())));
      } else if (response.results_size() != 1) {
        fail(adds, "Add bad answer");
      } else if (response.results(0).has_error()) {
        fail(adds, absl::StrCat("Add statement ",
                                StatusCodeName(response.results(0).error().code())));
      } else if (!response.results(0).duplicate()) {
        ++adds.appended;
      }
    }
  });

  absl::BitGen random;
  for (int64_t k = 0;; ++k) {
    const absl::Time due = begin + k * options.read_interval;
    if (due >= end) break;
    SleepUntil(due);
    vitrine::v1::GetCheckpointResponse checkpoint;
    auto context = Context(options.rpc_deadline);
    absl::Time start = absl::Now();
    grpc::Status status = stub.GetCheckpoint(context.get(), {}, &checkpoint);
    reads.read_latencies_ms.push_back(MillisecondsSince(start));
    ++reads.calls;
    const uint64_t size = checkpoint.checkpoint().size();
    if (!status.ok() || size == 0) {
      fail(reads, absl::StrCat("GetCheckpoint ", StatusCodeName(status.error_code())));
      continue;
    }
    vitrine::v1::GetInclusionProofRequest request;
    request.set_leaf_index(absl::Uniform<uint64_t>(random, 0, size));
    request.set_tree_size(size);
    vitrine::v1::GetInclusionProofResponse proof;
    context = Context(options.rpc_deadline);
    start = absl::Now();
    status = stub.GetInclusionProof(context.get(), request, &proof);
    reads.read_latencies_ms.push_back(MillisecondsSince(start));
    ++reads.calls;
    if (!status.ok()) {
      fail(reads, absl::StrCat("GetInclusionProof ", StatusCodeName(status.error_code())));
    } else if (proof.tree_size() != size || proof.leaf_index() != request.leaf_index()) {
      fail(reads, "GetInclusionProof bad answer");
    }
  }
  adder.join();

  HonestResult result = std::move(adds);
  result.calls += reads.calls;
  result.failures += reads.failures;
  for (const auto& [what, count] : reads.errors) result.errors[what] += count;
  result.read_latencies_ms = std::move(reads.read_latencies_ms);
  result.latencies_ms = result.add_latencies_ms;
  result.latencies_ms.insert(result.latencies_ms.end(), result.read_latencies_ms.begin(),
                             result.read_latencies_ms.end());
  return result;
}

AttackResult RunAttack(const std::vector<vitrine::v1::Log::Stub*>& stubs,
                       const AttackFactory& factory, const AttackOptions& options) {
  AttackResult total;
  if (stubs.empty() || options.attack == Attack::kNone) return total;
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + options.duration;
  std::atomic<uint64_t> next{0};
  std::mutex mu;  // guards total
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      if (options.nice > 0) {
        // Linux: a thread's nice value is per thread (setpriority(2)).
        setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options.nice);
      }
      vitrine::v1::Log::Stub& stub = *stubs[t % stubs.size()];
      absl::BitGen random;
      AttackResult mine;
      while (absl::Now() < end) {
        const uint64_t job = next.fetch_add(1, std::memory_order_relaxed);
        if (options.max_requests > 0 && job >= options.max_requests) break;
        vitrine::v1::AddRequest request;
        for (int i = 0; i < options.per_request; ++i) {
          absl::StatusOr<std::string> statement =
              factory.Make(options.attack, job * options.per_request + i, random);
          if (statement.ok()) request.add_statements(*std::move(statement));
        }
        if (request.statements_size() == 0) break;  // nothing to send: a bug
        vitrine::v1::AddResponse response;
        auto context = Context(options.rpc_deadline);
        const grpc::Status status = stub.Add(context.get(), request, &response);
        ++mine.requests;
        mine.statements += static_cast<uint64_t>(request.statements_size());
        std::vector<std::string> codes;
        if (!status.ok()) {
          codes.push_back(absl::StrCat("call ", StatusCodeName(status.error_code())));
        }
        for (const vitrine::v1::AddResult& result : response.results()) {
          if (result.has_error()) {
            codes.push_back(absl::StrCat("statement ", StatusCodeName(result.error().code())));
          } else if (result.duplicate()) {
            codes.push_back("statement DUPLICATE");
          } else {
            codes.push_back("statement OK");
            ++mine.appended;
          }
        }
        for (const std::string& code : codes) ++mine.codes[code];
        std::lock_guard<std::mutex> lock(mu);
        for (const std::string& code : codes) {
          if (total.first_codes.size() < kFirstCodes) total.first_codes.push_back(code);
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      total.requests += mine.requests;
      total.statements += mine.statements;
      total.appended += mine.appended;
      for (const auto& [code, count] : mine.codes) total.codes[code] += count;
    });
  }
  for (std::thread& thread : threads) thread.join();
  total.seconds = absl::ToDoubleSeconds(absl::Now() - begin);
  return total;
}

HostilePhase RunHostilePhase(vitrine::v1::Log::Stub& honest_stub,
                             HonestStatements& honest, HonestOptions honest_options,
                             const std::vector<vitrine::v1::Log::Stub*>& attack_stubs,
                             const AttackFactory* factory, const AttackOptions& attack) {
  HostilePhase phase;
  phase.name = AttackName(attack.attack);
  phase.size_before = LatestTreeSize(honest_stub).value_or(0);
  honest_options.duration = attack.duration;
  std::thread attacker;
  if (attack.attack != Attack::kNone && factory != nullptr) {
    attacker = std::thread(
        [&] { phase.attack = RunAttack(attack_stubs, *factory, attack); });
  }
  phase.honest = RunHonestClient(honest_stub, honest, honest_options);
  if (attacker.joinable()) attacker.join();
  phase.size_after = LatestTreeSize(honest_stub).value_or(0);
  phase.others_appended = static_cast<int64_t>(phase.size_after) -
                          static_cast<int64_t>(phase.size_before) -
                          static_cast<int64_t>(phase.honest.appended);
  return phase;
}

}  // namespace vitrine::bench
