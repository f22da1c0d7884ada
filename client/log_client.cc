#include "client/log_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/internal/failover.h"
#include "client/internal/log_stub.h"
#include "client/verifier.h"
#include "common/status_macros.h"
#include "log/merkle/verify.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"

namespace vitrine::client {
namespace {

// Whether the log's answer holds the statement submitted: byte for byte
// for a new entry; for a duplicate, the same statement text (the log keeps
// the first note logged for a text, whose signature lines may differ:
// note/statement_admission.h).
bool SameStatement(absl::string_view logged, absl::string_view submitted,
                   bool duplicate) {
  if (logged == submitted) return true;
  if (!duplicate) return false;
  absl::StatusOr<note::Note> a = note::ParseNote(logged);
  absl::StatusOr<note::Note> b = note::ParseNote(submitted);
  return a.ok() && b.ok() && a->text == b->text;
}

absl::StatusOr<note::VerifierSet> VerifiersOf(
    absl::Span<const std::string> vkeys, note::SignatureType type,
    absl::string_view role) {
  note::VerifierSet set;
  for (const std::string& vkey : vkeys) {
    VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed,
                             note::ParseVerifierKey(vkey));
    if (parsed.type != type) {
      return absl::InvalidArgumentError(
          absl::StrCat(role, " key ", parsed.name, " has the wrong type"));
    }
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                             note::NewVerifier(vkey));
    VITRINE_RETURN_IF_ERROR(set.Add(std::move(verifier)));
  }
  return set;
}

absl::StatusOr<std::vector<merkle::Hash>> HashesOf(
    const google::protobuf::RepeatedPtrField<std::string>& bytes,
    absl::string_view what) {
  std::vector<merkle::Hash> hashes;
  hashes.reserve(bytes.size());
  for (const std::string& b : bytes) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(b);
    if (!hash.ok()) {
      return MakeRefusal(Refusal::kProofInvalid,
                         absl::StrCat(what, ": a hash of ", b.size(),
                                      " bytes, not 32"));
    }
    hashes.push_back(*hash);
  }
  return hashes;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LogClient>> LogClient::Create(
    const std::string& target, absl::string_view log_vkey,
    LogClientOptions options) {
  return Create(std::vector<std::string>{target}, log_vkey, std::move(options));
}

absl::StatusOr<std::unique_ptr<LogClient>> LogClient::Create(
    const std::vector<std::string>& targets, absl::string_view log_vkey,
    LogClientOptions options) {
  if (options.deadline <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("LogClient: deadline must be positive");
  }
  if (targets.empty()) {
    return absl::InvalidArgumentError("LogClient: no endpoint address");
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (targets[i] == targets[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat("LogClient: endpoint ", targets[i], " given twice"));
      }
    }
  }
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey log_key,
                           note::ParseVerifierKey(log_vkey));
  VITRINE_ASSIGN_OR_RETURN(
      note::VerifierSet log_keys,
      VerifiersOf({std::string(log_vkey)}, note::SignatureType::kEd25519,
                  "log"));
  VITRINE_ASSIGN_OR_RETURN(
      note::VerifierSet witness_keys,
      VerifiersOf(options.witness_vkeys, note::SignatureType::kCosignatureV1,
                  "witness"));
  if (options.witness_quorum > witness_keys.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LogClient: witness quorum ", options.witness_quorum, " but only ",
        witness_keys.size(), " witness keys"));
  }
  std::vector<std::unique_ptr<internal::LogStub>> stubs;
  for (const std::string& target : targets) {
    VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<internal::LogStub> stub,
                             internal::LogStub::Create(target, options));
    stubs.push_back(std::move(stub));
  }
  auto failover =
      std::make_unique<internal::Failover>(targets, options.on_failover);
  std::unique_ptr<LogClient> client(new LogClient(
      log_key.name, std::move(log_keys), std::move(witness_keys),
      std::move(options), std::move(stubs), std::move(failover)));
  if (client->options_.state != nullptr) {
    absl::MutexLock lock(&client->mu_);
    client->last_seen_ = client->options_.state->Get(client->origin_);
  }
  return client;
}

LogClient::LogClient(std::string origin, note::VerifierSet log_keys,
                     note::VerifierSet witness_keys, LogClientOptions options,
                     std::vector<std::unique_ptr<internal::LogStub>> stubs,
                     std::unique_ptr<internal::Failover> failover)
    : origin_(std::move(origin)),
      log_keys_(std::move(log_keys)),
      witness_keys_(std::move(witness_keys)),
      options_(std::move(options)),
      stubs_(std::move(stubs)),
      failover_(std::move(failover)) {}

LogClient::~LogClient() = default;

const std::string& LogClient::ReadEndpoint() const {
  return failover_->ReadEndpoint();
}

absl::Status LogClient::OnEndpoints(
    absl::string_view method, bool write,
    absl::FunctionRef<absl::Status(internal::LogStub&)> attempt) {
  return failover_->Run(
      method,
      write ? internal::Failover::Use::kWrite : internal::Failover::Use::kRead,
      [&](size_t i) { return attempt(*stubs_[i]); });
}

std::optional<note::Checkpoint> LogClient::LastSeen() const {
  absl::MutexLock lock(&mu_);
  return last_seen_;
}

absl::StatusOr<note::VerifiedCheckpoint> LogClient::OpenFromLog(
    absl::string_view signed_note, bool witnessed) const {
  absl::StatusOr<note::VerifiedCheckpoint> verified;
  if (witnessed && options_.witness_quorum > 0) {
    absl::StatusOr<note::CosignedCheckpoint> cosigned =
        note::OpenCosignedCheckpoint(signed_note, origin_, log_keys_,
                                     witness_keys_, options_.witness_quorum);
    if (cosigned.ok()) return std::move(cosigned->checkpoint);
    verified = cosigned.status();
  } else {
    verified = note::OpenCheckpoint(signed_note, origin_, log_keys_);
    if (verified.ok()) return verified;
  }
  Refusal refusal = Refusal::kCheckpointBadSignature;
  switch (verified.status().code()) {
    case absl::StatusCode::kPermissionDenied:
      refusal = Refusal::kWrongLog;
      break;
    case absl::StatusCode::kFailedPrecondition:
      refusal = Refusal::kTooFewCosignatures;
      break;
    default:
      break;
  }
  return MakeRefusal(refusal, absl::StrCat("checkpoint from the log: ",
                                           verified.status().message()));
}

absl::StatusOr<std::vector<merkle::Hash>> LogClient::ProveConsistency(
    internal::LogStub& stub, const note::Checkpoint& older,
    const note::Checkpoint& newer) {
  std::vector<merkle::Hash> proof;
  if (older.size > 0 && older.size < newer.size) {
    vitrine::v1::GetConsistencyProofRequest request;
    request.set_old_size(older.size);
    request.set_new_size(newer.size);
    VITRINE_ASSIGN_OR_RETURN(vitrine::v1::GetConsistencyProofResponse response,
                             stub.GetConsistencyProof(request));
    VITRINE_ASSIGN_OR_RETURN(proof,
                             HashesOf(response.proof(), "consistency proof"));
  }
  const absl::Status consistent = merkle::VerifyConsistency(
      older.size, newer.size, older.root, newer.root, proof);
  if (!consistent.ok()) {
    // DataLoss: two signed trees that cannot both be true.
    return MakeRefusal(
        consistent.code() == absl::StatusCode::kDataLoss
            ? Refusal::kFork
            : Refusal::kProofInvalid,
        absl::StrCat("log ", origin_, ": tree size ", newer.size,
                     " is not consistent with tree size ", older.size, ": ",
                     consistent.message()));
  }
  return proof;
}

uint64_t LogClient::LastSeenSize() const {
  absl::MutexLock lock(&mu_);
  return last_seen_.has_value() ? last_seen_->size : 0;
}

absl::Status LogClient::Reconcile(internal::LogStub& stub,
                                  const note::VerifiedCheckpoint& verified,
                                  uint64_t min_size) {
  const note::Checkpoint& checkpoint = verified.checkpoint;
  absl::MutexLock reconciling(&reconcile_mu_);
  const std::optional<note::Checkpoint> last = LastSeen();
  if (last.has_value()) {
    if (checkpoint.size < min_size) {
      return MakeRefusal(
          Refusal::kRollback,
          absl::StrCat("log ", origin_, " answered with tree size ",
                       checkpoint.size, " after this client saw size ",
                       min_size));
    }
    if (checkpoint.size == last->size) return CheckNotBehind(checkpoint, *last);
    if (checkpoint.size < last->size) {
      // An older checkpoint (a bundle's, or an answer overtaken by a
      // concurrent call): fine when the tree seen since extends it.
      return ProveConsistency(stub, checkpoint, *last).status();
    }
    VITRINE_RETURN_IF_ERROR(ProveConsistency(stub, *last, checkpoint).status());
  }
  if (options_.state != nullptr) {
    VITRINE_RETURN_IF_ERROR(options_.state->Update(verified));
  }
  absl::MutexLock lock(&mu_);
  last_seen_ = checkpoint;
  return absl::OkStatus();
}

absl::StatusOr<note::VerifiedCheckpoint> LogClient::VerifyLogBundle(
    internal::LogStub& stub, const vitrine::v1::Bundle& bundle,
    bool witnessed) {
  VITRINE_ASSIGN_OR_RETURN(note::VerifiedCheckpoint checkpoint,
                           OpenFromLog(bundle.checkpoint(), witnessed));
  VITRINE_RETURN_IF_ERROR(CheckInclusion(bundle, checkpoint.checkpoint));
  VITRINE_RETURN_IF_ERROR(Reconcile(stub, checkpoint, /*min_size=*/0));
  return checkpoint;
}

absl::StatusOr<note::VerifiedCheckpoint> LogClient::GetCheckpoint(
    bool witnessed) {
  std::optional<note::VerifiedCheckpoint> head;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("GetCheckpoint", false, [&](internal::LogStub& stub) {
        return internal::KeepAnswer(CheckpointFrom(stub, witnessed), head);
      }));
  return *std::move(head);
}

absl::StatusOr<note::VerifiedCheckpoint> LogClient::CheckpointFrom(
    internal::LogStub& stub, bool witnessed) {
  const uint64_t seen = LastSeenSize();
  vitrine::v1::GetCheckpointRequest request;
  request.set_witnessed(witnessed);
  VITRINE_ASSIGN_OR_RETURN(vitrine::v1::GetCheckpointResponse response,
                           stub.GetCheckpoint(request));
  VITRINE_ASSIGN_OR_RETURN(
      note::VerifiedCheckpoint checkpoint,
      OpenFromLog(response.checkpoint().note(), witnessed));
  // The witnessed checkpoint lags the log's latest (witnesses cosign after
  // the log signs): smaller than one seen is no rollback, so it is only
  // proven consistent with it, as a bundle's checkpoint is.
  VITRINE_RETURN_IF_ERROR(Reconcile(stub, checkpoint, witnessed ? 0 : seen));
  return checkpoint;
}

absl::StatusOr<std::vector<AddOutcome>> LogClient::Add(
    absl::Span<const std::string> statements) {
  std::optional<std::vector<AddOutcome>> outcomes;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("Add", true, [&](internal::LogStub& stub) {
        return internal::KeepAnswer(AddTo(stub, statements), outcomes);
      }));
  return *std::move(outcomes);
}

absl::StatusOr<std::vector<AddOutcome>> LogClient::AddTo(
    internal::LogStub& stub, absl::Span<const std::string> statements) {
  vitrine::v1::AddRequest request;
  for (const std::string& s : statements) request.add_statements(s);
  VITRINE_ASSIGN_OR_RETURN(vitrine::v1::AddResponse response,
                           stub.Add(request));
  if (response.results_size() != static_cast<int>(statements.size())) {
    return MakeRefusal(Refusal::kBundleMalformed,
                       absl::StrCat("Add: ", response.results_size(),
                                    " results for ", statements.size(),
                                    " statements"));
  }
  std::vector<AddOutcome> outcomes;
  outcomes.reserve(statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    vitrine::v1::AddResult& result = *response.mutable_results(i);
    AddOutcome outcome;
    outcome.duplicate = result.duplicate();
    if (!result.has_bundle()) {
      outcome.bundle = absl::Status(
          static_cast<absl::StatusCode>(result.error().code()),
          result.error().message());
      if (outcome.bundle.ok()) {
        outcome.bundle = absl::UnknownError("Add: a result with no bundle");
      }
    } else {
      if (!SameStatement(result.bundle().statement(), statements[i],
                         result.duplicate())) {
        return MakeRefusal(
            Refusal::kBundleMalformed,
            absl::StrCat("Add: the bundle of statement ", i,
                         " holds another statement"));
      }
      // One checkpoint usually covers the whole batch: Reconcile sees the
      // same size again and only compares roots.
      VITRINE_RETURN_IF_ERROR(
          VerifyLogBundle(stub, result.bundle(), /*witnessed=*/false)
              .status());
      outcome.bundle = std::move(*result.mutable_bundle());
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

absl::StatusOr<vitrine::v1::Bundle> LogClient::FetchBundle(
    internal::LogStub& stub, const vitrine::v1::GetBundleRequest& request) {
  VITRINE_ASSIGN_OR_RETURN(vitrine::v1::Bundle bundle,
                           stub.GetBundle(request));
  VITRINE_RETURN_IF_ERROR(
      VerifyLogBundle(stub, bundle, request.witnessed()).status());
  return bundle;
}

absl::StatusOr<vitrine::v1::Bundle> LogClient::GetBundle(uint64_t leaf_index,
                                                         bool witnessed) {
  vitrine::v1::GetBundleRequest request;
  request.set_leaf_index(leaf_index);
  request.set_witnessed(witnessed);
  std::optional<vitrine::v1::Bundle> bundle;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("GetBundle", false, [&](internal::LogStub& stub) {
        VITRINE_RETURN_IF_ERROR(
            internal::KeepAnswer(FetchBundle(stub, request), bundle));
        if (bundle->leaf_index() != leaf_index) {
          return MakeRefusal(
              Refusal::kBundleMalformed,
              absl::StrCat("GetBundle: asked for leaf ", leaf_index,
                           ", got leaf ", bundle->leaf_index()));
        }
        return absl::OkStatus();
      }));
  return *std::move(bundle);
}

absl::StatusOr<vitrine::v1::Bundle> LogClient::GetBundleByLeafHash(
    const merkle::Hash& leaf_hash, bool witnessed) {
  vitrine::v1::GetBundleRequest request;
  request.set_leaf_hash(std::string(leaf_hash.AsStringView()));
  request.set_witnessed(witnessed);
  std::optional<vitrine::v1::Bundle> bundle;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("GetBundle", false, [&](internal::LogStub& stub) {
        VITRINE_RETURN_IF_ERROR(
            internal::KeepAnswer(FetchBundle(stub, request), bundle));
        if (merkle::HashLeaf(bundle->statement()) != leaf_hash) {
          return MakeRefusal(Refusal::kBundleMalformed,
                             "GetBundle: the bundle holds another leaf");
        }
        return absl::OkStatus();
      }));
  return *std::move(bundle);
}

absl::StatusOr<InclusionProof> LogClient::GetInclusionProof(
    const merkle::Hash& leaf_hash) {
  std::optional<InclusionProof> proof;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("GetInclusionProof", false, [&](internal::LogStub& stub) {
        return internal::KeepAnswer(InclusionProofFrom(stub, leaf_hash),
                                    proof);
      }));
  return *std::move(proof);
}

absl::StatusOr<InclusionProof> LogClient::InclusionProofFrom(
    internal::LogStub& stub, const merkle::Hash& leaf_hash) {
  const uint64_t seen = LastSeenSize();
  vitrine::v1::GetInclusionProofRequest request;
  request.set_leaf_hash(std::string(leaf_hash.AsStringView()));
  VITRINE_ASSIGN_OR_RETURN(vitrine::v1::GetInclusionProofResponse response,
                           stub.GetInclusionProof(request));
  InclusionProof result;
  VITRINE_ASSIGN_OR_RETURN(
      result.checkpoint, OpenFromLog(response.checkpoint().note(), false));
  VITRINE_RETURN_IF_ERROR(Reconcile(stub, result.checkpoint, seen));
  VITRINE_ASSIGN_OR_RETURN(result.proof,
                           HashesOf(response.proof(), "inclusion proof"));
  result.leaf_index = response.leaf_index();
  const note::Checkpoint& c = result.checkpoint.checkpoint;
  const absl::Status included = merkle::VerifyInclusion(
      result.leaf_index, c.size, leaf_hash, result.proof, c.root);
  if (!included.ok()) {
    return MakeRefusal(Refusal::kProofInvalid,
                       absl::StrCat("GetInclusionProof: ", included.message()));
  }
  return result;
}

absl::StatusOr<ConsistencyProof> LogClient::GetConsistencyProof(
    const note::Checkpoint& old_checkpoint) {
  if (old_checkpoint.origin != origin_) {
    return absl::InvalidArgumentError(
        absl::StrCat("GetConsistencyProof: a checkpoint of ",
                     old_checkpoint.origin, ", this log is ", origin_));
  }
  // The checkpoint and the proof from one endpoint: a lying one is left
  // as a whole.
  std::optional<ConsistencyProof> result;
  VITRINE_RETURN_IF_ERROR(OnEndpoints(
      "GetConsistencyProof", false, [&](internal::LogStub& stub) {
        ConsistencyProof proof;
        VITRINE_ASSIGN_OR_RETURN(proof.new_checkpoint,
                                 CheckpointFrom(stub, false));
        VITRINE_RETURN_IF_ERROR(
            CheckNotBehind(proof.new_checkpoint.checkpoint, old_checkpoint));
        VITRINE_ASSIGN_OR_RETURN(
            proof.proof, ProveConsistency(stub, old_checkpoint,
                                          proof.new_checkpoint.checkpoint));
        proof.old_checkpoint = old_checkpoint;
        result = std::move(proof);
        return absl::OkStatus();
      }));
  return *std::move(result);
}

}  // namespace vitrine::client
