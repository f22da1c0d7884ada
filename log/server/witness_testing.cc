#include "log/server/witness_testing.h"

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "log/merkle/hash.h"
#include "log/merkle/verify.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "log/server/internal/witness_call.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"
#include "proto/vitrine/v1/witness_size.h"

namespace vitrine::server::testing {

class TestWitness::Service final : public vitrine::v1::Witness::Service {
 public:
  Service(std::unique_ptr<note::Signer> signer, std::string vkey,
          std::string origin, note::VerifierSet log_keys)
      : signer_(std::move(signer)),
        vkey_(std::move(vkey)),
        name_(signer_->Name()),
        origin_(std::move(origin)),
        log_keys_(std::move(log_keys)) {}

  grpc::Status AddCheckpoint(
      grpc::ServerContext* context,
      const vitrine::v1::AddCheckpointRequest* request,
      vitrine::v1::AddCheckpointResponse* response) override {
    absl::Duration delay;
    {
      absl::MutexLock lock(&mu_);
      delay = delay_;
    }
    const absl::Time until = absl::Now() + delay;
    while (absl::Now() < until && !context->IsCancelled()) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    absl::MutexLock lock(&mu_);
    grpc::Status status = Answer(*context, *request, *response);
    if (status.ok()) {
      ++cosigned_;
    } else if (status.error_code() == grpc::StatusCode::ABORTED) {
      ++aborted_;
    } else {
      ++refused_;
    }
    return status;
  }

  // The held checkpoint with this witness's cosignature added.
  grpc::Status GetLatestCheckpoint(
      grpc::ServerContext* context,
      const vitrine::v1::GetLatestCheckpointRequest* request,
      vitrine::v1::GetLatestCheckpointResponse* response) override {
    absl::MutexLock lock(&mu_);
    if (down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    if (request->origin() != origin_ || held_note_.empty()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "nothing held for that origin");
    }
    absl::StatusOr<note::Signature> cosignature = note::Cosign(held_, *signer_);
    if (!cosignature.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          std::string(cosignature.status().message()));
    }
    response->set_checkpoint(
        absl::StrCat(held_note_, note::FormatSignatureLine(*cosignature)));
    return grpc::Status::OK;
  }

  absl::Status Hold(absl::string_view signed_note) {
    VITRINE_ASSIGN_OR_RETURN(
        note::VerifiedCheckpoint verified,
        note::OpenCheckpoint(signed_note, origin_, log_keys_));
    absl::MutexLock lock(&mu_);
    held_ = verified.checkpoint;
    held_note_ = LogSigned(verified);
    return absl::OkStatus();
  }

  // The note with the log's signature lines only.
  static std::string LogSigned(const note::VerifiedCheckpoint& verified) {
    return note::FormatNote(note::Note{verified.note.note.text, verified.note.verified});
  }

  const std::string& vkey_ref() const { return vkey_; }
  const std::string& name() const { return name_; }
  const note::Signer& signer() const { return *signer_; }

  mutable absl::Mutex mu_;
  bool down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration delay_ ABSL_GUARDED_BY(mu_);
  note::Checkpoint held_ ABSL_GUARDED_BY(mu_);  // size 0: nothing held
  std::string held_note_ ABSL_GUARDED_BY(mu_);  // held_, signed by the log
  int cosigned_ ABSL_GUARDED_BY(mu_) = 0;
  int aborted_ ABSL_GUARDED_BY(mu_) = 0;
  int refused_ ABSL_GUARDED_BY(mu_) = 0;

 private:
  grpc::Status Answer(grpc::ServerContext& context,
                      const vitrine::v1::AddCheckpointRequest& request,
                      vitrine::v1::AddCheckpointResponse& response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (down_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
    absl::StatusOr<note::VerifiedCheckpoint> verified =
        note::OpenCheckpoint(request.checkpoint(), origin_, log_keys_);
    if (!verified.ok()) {
      return grpc::Status(
          verified.status().code() == absl::StatusCode::kPermissionDenied
              ? grpc::StatusCode::PERMISSION_DENIED
              : grpc::StatusCode::INVALID_ARGUMENT,
          std::string(verified.status().message()));
    }
    const note::Checkpoint& checkpoint = verified->checkpoint;
    if (request.old_size() > checkpoint.size) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "old_size is beyond the checkpoint");
    }
    if (request.old_size() != held_.size) {
      context.AddTrailingMetadata(v1::kWitnessSizeTrailer,
                                  absl::StrCat(held_.size));
      return grpc::Status(grpc::StatusCode::ABORTED,
                          absl::StrCat("the witness holds size ", held_.size));
    }
    std::vector<merkle::Hash> proof;
    for (const std::string& bytes : request.consistency_proof()) {
      absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(bytes);
      if (!hash.ok()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad proof hash");
      }
      proof.push_back(*hash);
    }
    if (held_.size > 0) {
      if (held_.size == checkpoint.size && held_.root != checkpoint.root) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "same size, another root");
      }
      absl::Status consistent = merkle::VerifyConsistency(
          held_.size, checkpoint.size, held_.root, checkpoint.root, proof);
      if (!consistent.ok()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            std::string(consistent.message()));
      }
    } else if (!proof.empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "a proof from size 0 must be empty");
    }
    absl::StatusOr<note::Signature> cosignature =
        note::Cosign(checkpoint, *signer_);
    if (!cosignature.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          std::string(cosignature.status().message()));
    }
    held_ = checkpoint;
    held_note_ = LogSigned(*verified);
    response.add_cosignatures(note::FormatSignatureLine(*cosignature));
    return grpc::Status::OK;
  }

  const std::unique_ptr<note::Signer> signer_;
  const std::string vkey_;
  const std::string name_;
  const std::string origin_;
  const note::VerifierSet log_keys_;
};

absl::StatusOr<std::unique_ptr<TestWitness>> TestWitness::Start(
    absl::string_view name, char seed_byte, absl::string_view log_vkey) {
  VITRINE_ASSIGN_OR_RETURN(
      std::string skey,
      note::FormatSignerKey(name, note::SignatureType::kCosignatureV1,
                            std::string(32, seed_byte)));
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> signer,
                           note::NewSigner(skey));
  VITRINE_ASSIGN_OR_RETURN(std::string vkey, note::VerifierKeyOf(skey));
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey log_key,
                           note::ParseVerifierKey(log_vkey));
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> log_verifier,
                           note::NewVerifier(log_vkey));
  note::VerifierSet log_keys;
  VITRINE_RETURN_IF_ERROR(log_keys.Add(std::move(log_verifier)));
  std::unique_ptr<TestWitness> witness(new TestWitness(std::make_unique<Service>(
      std::move(signer), std::move(vkey), log_key.name, std::move(log_keys))));
  VITRINE_RETURN_IF_ERROR(witness->Serve("127.0.0.1:0"));
  return witness;
}

absl::Status TestWitness::Serve(const std::string& address) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("test witness: cannot listen on ", address));
  }
  address_ = absl::StrCat("127.0.0.1:", port);
  return absl::OkStatus();
}

absl::Status TestWitness::Restart() {
  if (server_ != nullptr) return absl::FailedPreconditionError("running");
  return Serve(address_);
}

TestWitness::TestWitness(std::unique_ptr<Service> service)
    : service_(std::move(service)) {}

TestWitness::~TestWitness() { Stop(); }

const std::string& TestWitness::address() const { return address_; }
const std::string& TestWitness::verifier_key() const { return service_->vkey_ref(); }
const std::string& TestWitness::name() const { return service_->name(); }
const note::Signer& TestWitness::signer() const { return service_->signer(); }

void TestWitness::SetDown(bool down) {
  absl::MutexLock lock(&service_->mu_);
  service_->down_ = down;
}

void TestWitness::SetDelay(absl::Duration delay) {
  absl::MutexLock lock(&service_->mu_);
  service_->delay_ = delay;
}

void TestWitness::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  server_.reset();
}

absl::Status TestWitness::Hold(absl::string_view signed_note) {
  return service_->Hold(signed_note);
}

uint64_t TestWitness::held_size() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->held_.size;
}
int TestWitness::cosigned() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->cosigned_;
}
int TestWitness::aborted() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->aborted_;
}
int TestWitness::refused() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->refused_;
}

}  // namespace vitrine::server::testing
