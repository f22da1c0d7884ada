#include "monitor/follow/internal/log_connection.h"

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "monitor/follow/internal/watch_reader.h"

namespace vitrine::monitor::internal {

absl::StatusOr<std::unique_ptr<LogConnection>> LogConnection::Create(
    const std::string& target, const std::optional<std::string>& tls_root_certs,
    absl::Duration deadline) {
  if (target.empty()) {
    return absl::InvalidArgumentError("follower: empty log target address");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (tls_root_certs.has_value()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *tls_root_certs;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  // GetEntries streams one entry per message; checkpoints are small.
  args.SetMaxReceiveMessageSize(64 << 20);
  return std::unique_ptr<LogConnection>(new LogConnection(
      grpc::CreateCustomChannel(target, credentials, args), deadline));
}

LogConnection::LogConnection(std::shared_ptr<grpc::Channel> channel,
                             absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(vitrine::v1::Log::NewStub(channel_)),
      deadline_(deadline) {}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> LogConnection::Acquire(
    bool stream) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!stream) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  }
  absl::MutexLock lock(&mu_);
  if (cancelled_) return absl::CancelledError("the follower is stopping");
  in_flight_.insert(context.get());
  return context;
}

void LogConnection::Release(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(context);
}

void LogConnection::CancelAll() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  for (grpc::ClientContext* context : in_flight_) context->TryCancel();
}

absl::StatusOr<std::string> LogConnection::GetCheckpoint(uint64_t at_most_size) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> context = Acquire(false);
  if (!context.ok()) return context.status();
  absl::Cleanup release = [&] { Release(context->get()); };
  vitrine::v1::GetCheckpointRequest request;
  request.set_at_most_size(at_most_size);
  vitrine::v1::GetCheckpointResponse response;
  const grpc::Status status = stub_->GetCheckpoint(context->get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status, "GetCheckpoint");
  return std::move(*response.mutable_checkpoint()->mutable_note());
}

absl::StatusOr<std::vector<merkle::Hash>> LogConnection::GetConsistencyProof(
    uint64_t old_size, uint64_t new_size) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> context = Acquire(false);
  if (!context.ok()) return context.status();
  absl::Cleanup release = [&] { Release(context->get()); };
  vitrine::v1::GetConsistencyProofRequest request;
  request.set_old_size(old_size);
  request.set_new_size(new_size);
  vitrine::v1::GetConsistencyProofResponse response;
  const grpc::Status status =
      stub_->GetConsistencyProof(context->get(), request, &response);
  if (!status.ok()) return FromGrpcStatus(status, "GetConsistencyProof");
  std::vector<merkle::Hash> proof;
  for (const std::string& bytes : response.proof()) {
    absl::StatusOr<merkle::Hash> hash = merkle::Hash::FromBytes(bytes);
    if (!hash.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "GetConsistencyProof: a proof hash of ", bytes.size(), " bytes"));
    }
    proof.push_back(*hash);
  }
  return proof;
}

absl::StatusOr<std::vector<std::string>> LogConnection::GetEntries(
    uint64_t start, uint64_t end) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> context = Acquire(false);
  if (!context.ok()) return context.status();
  absl::Cleanup release = [&] { Release(context->get()); };
  vitrine::v1::GetEntriesRequest request;
  request.set_start(start);
  request.set_end(end);
  std::unique_ptr<grpc::ClientReader<vitrine::v1::Entry>> reader =
      stub_->GetEntries(context->get(), request);
  std::vector<std::string> leaves;
  leaves.reserve(end - start);
  vitrine::v1::Entry entry;
  absl::Status order;
  while (reader->Read(&entry)) {
    if (order.ok() && entry.index() != start + leaves.size()) {
      order = absl::InvalidArgumentError(absl::StrCat(
          "GetEntries: entry ", entry.index(), " where ", start + leaves.size(),
          " was due"));
      context->get()->TryCancel();
    }
    if (order.ok()) leaves.push_back(std::move(*entry.mutable_leaf()));
  }
  const grpc::Status status = reader->Finish();
  if (!order.ok()) return order;
  if (!status.ok()) return FromGrpcStatus(status, "GetEntries");
  if (leaves.size() != end - start) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GetEntries: ", leaves.size(), " entries for [", start, ", ", end, ")"));
  }
  return leaves;
}

absl::Status LogConnection::Watch(
    uint64_t after_size,
    const std::function<absl::Status(const std::string&)>& on_note) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> context = Acquire(true);
  if (!context.ok()) return context.status();
  absl::Cleanup release = [&] { Release(context->get()); };
  WatchReader reader(*stub_, **context, after_size);
  std::string note;
  absl::Status handled;
  while (reader.Next(note)) {
    handled = on_note(note);
    if (!handled.ok()) {
      context->get()->TryCancel();
      break;
    }
  }
  const grpc::Status status = reader.Finish();
  if (!handled.ok()) return handled;
  if (status.ok()) {
    return absl::UnavailableError("WatchCheckpoints: the log ended the stream");
  }
  return FromGrpcStatus(status, "WatchCheckpoints");
}

}  // namespace vitrine::monitor::internal
