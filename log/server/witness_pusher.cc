#include "log/server/witness_pusher.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "common/log_escape.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/server/internal/witness_round.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::server {
namespace {

using sequencer::PublishedState;

// Set by the sequencer's watcher, which holds it (not the pusher): the
// sequencer cannot forget a watcher, and may call it after the pusher is
// gone.
struct Wakeup {
  absl::Mutex mu;
  bool dirty ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

// One configured witness and what the pusher believes about it. Touched
// only by the pusher's thread (and read-only by Start before it runs).
struct Witness {
  std::string name;
  uint32_t key_id = 0;
  std::shared_ptr<const note::Verifier> verifier;
  std::unique_ptr<vitrine::v1::Witness::Stub> stub;
  Counter* pushes_ok = nullptr;  // hot path; other codes are looked up
  // The size it is believed to hold: the old_size of the next push.
  uint64_t held_size = 0;
  // Its verified cosignature line of the checkpoint of cosigned_size.
  std::optional<uint64_t> cosigned_size;
  std::string cosignature;
  // Failed pushes wait until retry_at; backoff doubles per failure.
  absl::Duration backoff = absl::ZeroDuration();
  absl::Time retry_at = absl::InfinitePast();
};

// Returns the signature line of `note_text` by `witness` among `lines`
// (cosignature lines from its answer) that verifies; NotFound when none
// does. Lines of other keys are ignored; one of its own key that does not
// verify is InvalidArgument (the witness answered garbage).
absl::StatusOr<std::string> VerifiedLine(const Witness& witness,
                                         absl::string_view signed_note,
                                         const std::vector<std::string>& lines) {
  for (const std::string& line : lines) {
    VITRINE_ASSIGN_OR_RETURN(note::Note parsed,
                             note::ParseNote(absl::StrCat(signed_note, line)));
    if (parsed.signatures.empty()) continue;
    const note::Signature& signature = parsed.signatures.back();
    if (signature.name != witness.name || signature.key_id != witness.key_id) {
      continue;
    }
    if (!witness.verifier->Verify(parsed.text, signature.bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "witness ", witness.name, " answered a cosignature that does not verify"));
    }
    return note::FormatSignatureLine(signature);
  }
  return absl::NotFoundError(
      absl::StrCat("witness ", witness.name, " answered no cosignature of its key"));
}

}  // namespace

struct WitnessPusher::Rep {
  storage::Store* store;
  sequencer::Sequencer* sequencer;
  WitnessedHead* head;
  MetricsRegistry* metrics;
  WitnessPusherOptions options;
  std::string origin;
  note::VerifierSet log_keys;
  note::VerifierSet witness_keys;
  std::vector<Witness> witnesses;
  Gauge* witnessed_size = nullptr;
  std::shared_ptr<Wakeup> wakeup = std::make_shared<Wakeup>();
  std::thread thread;
  bool stopped = false;

  // The round in flight, for Stop to cancel.
  absl::Mutex round_mu;
  internal::PushRound* round ABSL_GUARDED_BY(round_mu) = nullptr;

  absl::Status LoadStored();
  void Run();
  void RunRound(const std::shared_ptr<const PublishedState>& target,
                const std::vector<size_t>& due);
  void Apply(Witness& witness, const PublishedState& target,
             const internal::PushOutcome& outcome);
  void Publish(const std::shared_ptr<const PublishedState>& target);
  void CountPush(size_t slot, const absl::Status& status);
};

absl::Status WitnessPusher::Rep::LoadStored() {
  VITRINE_ASSIGN_OR_RETURN(std::optional<storage::StoredCheckpoint> stored,
                           store->LatestWitnessedCheckpoint());
  if (!stored.has_value()) return absl::OkStatus();
  absl::StatusOr<note::CosignedCheckpoint> opened = note::OpenCosignedCheckpoint(
      stored->signed_note, origin, log_keys, witness_keys, options.quorum);
  if (!opened.ok()) {
    // Another set of witnesses or quorum than when it was stored: not what
    // clients of this configuration expect. The next one replaces it.
    std::fprintf(stderr,
                 "vitrine-log: the stored witnessed checkpoint (size %llu) "
                 "does not meet the configured witnesses: %s\n",
                 static_cast<unsigned long long>(stored->size),
                 std::string(opened.status().message()).c_str());
    return absl::OkStatus();
  }
  const note::Note& parsed = opened->checkpoint.note.note;
  for (Witness& witness : witnesses) {
    for (const note::Signature& signature : parsed.signatures) {
      if (signature.name != witness.name || signature.key_id != witness.key_id) {
        continue;
      }
      if (!witness.verifier->Verify(parsed.text, signature.bytes)) continue;
      // It cosigned that size, so it holds at least that.
      witness.held_size = stored->size;
      witness.cosigned_size = stored->size;
      witness.cosignature = note::FormatSignatureLine(signature);
      break;
    }
  }
  head->Publish(std::make_shared<const PublishedState>(PublishedState{
      opened->checkpoint.checkpoint, std::move(stored->signed_note)}));
  witnessed_size->Set(static_cast<double>(stored->size));
  return absl::OkStatus();
}

void WitnessPusher::Rep::Run() {
  while (true) {
    {
      absl::MutexLock lock(&wakeup->mu);
      if (wakeup->stopping) return;
      wakeup->dirty = false;
    }
    // Read after clearing `dirty`: a state published from now on wakes the
    // wait below.
    const std::shared_ptr<const PublishedState> target = sequencer->Published();
    const uint64_t size = target->checkpoint.size;
    const absl::Time now = absl::Now();
    std::vector<size_t> due;
    absl::Time next = absl::InfiniteFuture();
    for (size_t i = 0; i < witnesses.size(); ++i) {
      const Witness& witness = witnesses[i];
      if (witness.cosigned_size == size) continue;
      if (witness.retry_at <= now) {
        due.push_back(i);
      } else {
        next = std::min(next, witness.retry_at);
      }
    }
    if (!due.empty()) {
      RunRound(target, due);
      continue;
    }
    // Idle: every witness cosigned the latest or is backing off.
    absl::MutexLock lock(&wakeup->mu);
    wakeup->mu.AwaitWithDeadline(
        absl::Condition(+[](Wakeup* w) { return w->dirty || w->stopping; },
                        wakeup.get()),
        next);
  }
}

void WitnessPusher::Rep::CountPush(size_t slot, const absl::Status& status) {
  Witness& witness = witnesses[slot];
  if (status.ok()) {
    witness.pushes_ok->Increment();
    return;
  }
  metrics
      ->GetCounter("vitrine_witness_pushes_total",
                   "Checkpoints pushed to witnesses, by witness and answer code.",
                   {{"witness", witness.name},
                    {"code", GrpcCodeName(static_cast<int>(status.code()))}})
      .Increment();
}

void WitnessPusher::Rep::RunRound(
    const std::shared_ptr<const PublishedState>& target,
    const std::vector<size_t>& due) {
  std::vector<std::pair<size_t, internal::PushOutcome>> outcomes;
  {
    internal::PushRound round(
        *store, *target, absl::Now() + options.timeout,
        [this](size_t slot, const absl::Status& status) {
          CountPush(slot, status);
        });
    {
      absl::MutexLock lock(&round_mu);
      this->round = &round;
    }
    {
      absl::MutexLock lock(&wakeup->mu);
      if (wakeup->stopping) round.Cancel();
    }
    for (size_t slot : due) {
      round.Push(slot, *witnesses[slot].stub, witnesses[slot].held_size);
    }
    outcomes = round.Wait();
    absl::MutexLock lock(&round_mu);
    this->round = nullptr;
  }
  for (const auto& [slot, outcome] : outcomes) {
    Apply(witnesses[slot], *target, outcome);
  }
  Publish(target);
}

void WitnessPusher::Rep::Apply(Witness& witness, const PublishedState& target,
                               const internal::PushOutcome& outcome) {
  absl::Status status = outcome.answer.status;
  if (status.ok()) {
    absl::StatusOr<std::string> line =
        VerifiedLine(witness, target.signed_note, outcome.answer.cosignatures);
    if (line.ok()) {
      witness.held_size = target.checkpoint.size;
      witness.cosigned_size = target.checkpoint.size;
      witness.cosignature = *std::move(line);
      witness.backoff = absl::ZeroDuration();
      witness.retry_at = absl::InfinitePast();
      return;
    }
    status = line.status();
  } else if (status.code() == absl::StatusCode::kAborted &&
             outcome.answer.held_size.has_value()) {
    // Even without a successful retry, the next push starts from there.
    witness.held_size = *outcome.answer.held_size;
  }
  witness.backoff = std::min(options.max_backoff,
                             std::max(options.min_backoff, witness.backoff * 2));
  witness.retry_at = absl::Now() + witness.backoff;
  if (status.code() != absl::StatusCode::kUnavailable &&
      status.code() != absl::StatusCode::kDeadlineExceeded &&
      status.code() != absl::StatusCode::kCancelled) {
    // A refusal needs an operator; an outage only needs time. The message
    // is the witness's own: escaped (issue 11).
    std::fprintf(stderr, "vitrine-log: witness %s refused size %llu: %s\n",
                 witness.name.c_str(),
                 static_cast<unsigned long long>(target.checkpoint.size),
                 EscapeForLog(status.ToString(), 1024).c_str());
  }
}

void WitnessPusher::Rep::Publish(
    const std::shared_ptr<const PublishedState>& target) {
  const uint64_t size = target->checkpoint.size;
  std::string merged = target->signed_note;
  size_t count = 0;
  for (const Witness& witness : witnesses) {
    if (witness.cosigned_size != size) continue;
    merged += witness.cosignature;
    ++count;
  }
  if (count < options.quorum) return;
  const std::shared_ptr<const PublishedState> current = head->Latest();
  if (current != nullptr &&
      (current->checkpoint.size > size ||
       (current->checkpoint.size == size && current->signed_note == merged))) {
    return;
  }
  absl::StatusOr<note::CosignedCheckpoint> opened = note::OpenCosignedCheckpoint(
      merged, origin, log_keys, witness_keys, options.quorum);
  absl::Status stored = opened.ok()
                            ? store->PutWitnessedCheckpoint(size, merged)
                            : opened.status();
  if (!stored.ok()) {
    std::fprintf(stderr, "vitrine-log: witnessed checkpoint %llu not stored: %s\n",
                 static_cast<unsigned long long>(size),
                 stored.ToString().c_str());
    return;
  }
  head->Publish(std::make_shared<const PublishedState>(
      PublishedState{target->checkpoint, std::move(merged)}));
  witnessed_size->Set(static_cast<double>(size));
}

absl::StatusOr<std::unique_ptr<WitnessPusher>> WitnessPusher::Start(
    storage::Store* store, sequencer::Sequencer* sequencer,
    std::shared_ptr<const note::Verifier> log_verifier, WitnessedHead* head,
    MetricsRegistry* metrics, WitnessPusherOptions options) {
  if (store == nullptr || sequencer == nullptr || log_verifier == nullptr ||
      head == nullptr || metrics == nullptr) {
    return absl::InvalidArgumentError(
        "WitnessPusher needs a store, sequencer, log verifier, head and metrics");
  }
  if (options.witnesses.empty() || options.quorum < 1 ||
      options.quorum > options.witnesses.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "witness quorum ", options.quorum, " is outside 1..",
        options.witnesses.size()));
  }
  if (options.timeout <= absl::ZeroDuration() ||
      options.min_backoff <= absl::ZeroDuration() ||
      options.max_backoff < options.min_backoff) {
    return absl::InvalidArgumentError(
        "witness timeout and backoffs must be positive, min <= max");
  }
  auto rep = std::make_unique<Rep>();
  rep->store = store;
  rep->sequencer = sequencer;
  rep->head = head;
  rep->metrics = metrics;
  rep->origin = log_verifier->Name();
  VITRINE_RETURN_IF_ERROR(rep->log_keys.Add(log_verifier));
  std::set<std::string> names;
  for (const WitnessAddress& address : options.witnesses) {
    VITRINE_ASSIGN_OR_RETURN(note::VerifierKey key,
                             note::ParseVerifierKey(address.vkey));
    if (key.type != note::SignatureType::kCosignatureV1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "witness key ", key.name, " is not a cosignature/v1 (type 0x04) key"));
    }
    if (!names.insert(key.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("witness ", key.name, " is configured twice"));
    }
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                             note::NewVerifier(address.vkey));
    Witness witness;
    witness.name = key.name;
    witness.key_id = key.key_id;
    witness.verifier = std::move(verifier);
    VITRINE_RETURN_IF_ERROR(rep->witness_keys.Add(witness.verifier));
    // TLS when roots are configured, else plaintext: the answers are
    // cosignatures, verified here, so the channel needs no trust.
    // gRPC's own reconnection backoff (up to 2 minutes by default) would
    // hide a returning witness from the pusher's retries: bound it alike.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.min_backoff)));
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.min_backoff)));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(options.max_backoff)));
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (options.tls_root_certs.has_value()) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = *options.tls_root_certs;
      credentials = grpc::SslCredentials(ssl);
    }
    witness.stub = vitrine::v1::Witness::NewStub(
        grpc::CreateCustomChannel(address.address, credentials, args));
    witness.pushes_ok = &metrics->GetCounter(
        "vitrine_witness_pushes_total",
        "Checkpoints pushed to witnesses, by witness and answer code.",
        {{"witness", key.name}, {"code", "OK"}});
    rep->witnesses.push_back(std::move(witness));
  }
  rep->options = std::move(options);
  rep->witnessed_size = &metrics->GetGauge(
      "vitrine_witnessed_tree_size",
      "Leaves in the latest checkpoint cosigned by the witness quorum.");
  VITRINE_RETURN_IF_ERROR(rep->LoadStored());
  sequencer->Watch([wakeup = rep->wakeup](std::shared_ptr<const PublishedState>) {
    absl::MutexLock lock(&wakeup->mu);
    wakeup->dirty = true;
  });
  Rep* raw = rep.get();
  rep->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<WitnessPusher>(new WitnessPusher(std::move(rep)));
}

WitnessPusher::WitnessPusher(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

WitnessPusher::~WitnessPusher() { Stop(); }

void WitnessPusher::Stop() {
  if (rep_->stopped) return;
  rep_->stopped = true;
  {
    absl::MutexLock lock(&rep_->wakeup->mu);
    rep_->wakeup->stopping = true;
  }
  {
    absl::MutexLock lock(&rep_->round_mu);
    if (rep_->round != nullptr) rep_->round->Cancel();
  }
  rep_->thread.join();
}

}  // namespace vitrine::server
