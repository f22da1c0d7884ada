#include "client/internal/log_stub.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace vitrine::client::internal {

absl::StatusOr<std::unique_ptr<LogStub>> LogStub::Create(
    const std::string& target, const LogClientOptions& options) {
  if (target.empty()) {
    return absl::InvalidArgumentError("LogClient: empty target address");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_root_certs.has_value()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = *options.tls_root_certs;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_receive_message_size);
  // Add requests of 1000 statements of 16 KiB.
  args.SetMaxSendMessageSize(64 << 20);
  return std::unique_ptr<LogStub>(new LogStub(
      grpc::CreateCustomChannel(target, credentials, args), options.deadline));
}

LogStub::LogStub(std::shared_ptr<grpc::Channel> channel,
                 absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(v1::Log::NewStub(channel_)),
      deadline_(deadline) {}

std::unique_ptr<grpc::ClientContext> LogStub::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  return context;
}

#define VITRINE_UNARY_(Method, Request, Response)                          \
  absl::StatusOr<Response> LogStub::Method(const Request& request) {       \
    std::unique_ptr<grpc::ClientContext> context = Context();              \
    Response response;                                                     \
    absl::Status status =                                                  \
        FromGrpcStatus(stub_->Method(context.get(), request, &response), #Method); \
    if (!status.ok()) return status;                                       \
    return response;                                                       \
  }

VITRINE_UNARY_(GetCheckpoint, v1::GetCheckpointRequest,
               v1::GetCheckpointResponse)
VITRINE_UNARY_(Add, v1::AddRequest, v1::AddResponse)
VITRINE_UNARY_(GetInclusionProof, v1::GetInclusionProofRequest,
               v1::GetInclusionProofResponse)
VITRINE_UNARY_(GetConsistencyProof, v1::GetConsistencyProofRequest,
               v1::GetConsistencyProofResponse)
VITRINE_UNARY_(FindByDigest, v1::FindByDigestRequest,
               v1::FindByDigestResponse)
VITRINE_UNARY_(GetBundle, v1::GetBundleRequest, v1::Bundle)
#undef VITRINE_UNARY_

absl::Status LogStub::GetEntries(uint64_t start, uint64_t end,
                                 std::vector<std::string>* leaves) {
  std::unique_ptr<grpc::ClientContext> context = Context();
  v1::GetEntriesRequest request;
  request.set_start(start);
  request.set_end(end);
  std::unique_ptr<grpc::ClientReader<v1::Entry>> reader =
      stub_->GetEntries(context.get(), request);
  v1::Entry entry;
  uint64_t next = start;
  absl::Status bad;
  while (reader->Read(&entry)) {
    if (entry.index() != next || next >= end) {
      bad = absl::DataLossError(absl::StrCat(
          "GetEntries: the log sent index ", entry.index(), ", expected ",
          next < end ? absl::StrCat(next) : "the end of the stream"));
      context->TryCancel();
      break;
    }
    leaves->push_back(std::move(*entry.mutable_leaf()));
    ++next;
  }
  const absl::Status finished = FromGrpcStatus(reader->Finish(), "GetEntries");
  if (!bad.ok()) return bad;
  if (!finished.ok()) return finished;
  if (next != end) {
    return absl::DataLossError(absl::StrCat("GetEntries: the log sent ",
                                            next - start, " entries of ",
                                            end - start));
  }
  return absl::OkStatus();
}

absl::Status LogStub::WatchCheckpoints(
    uint64_t after_size, absl::Time until,
    const std::function<absl::StatusOr<bool>(const v1::Checkpoint&)>&
        on_checkpoint) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(until));
  v1::WatchCheckpointsRequest request;
  request.set_after_size(after_size);
  std::unique_ptr<grpc::ClientReader<v1::Checkpoint>> reader =
      stub_->WatchCheckpoints(&context, request);
  v1::Checkpoint checkpoint;
  absl::Status stopped;
  bool stop = false;
  while (!stop && reader->Read(&checkpoint)) {
    absl::StatusOr<bool> more = on_checkpoint(checkpoint);
    if (!more.ok()) stopped = more.status();
    stop = !more.ok() || !*more;
  }
  if (stop) context.TryCancel();
  const absl::Status finished =
      FromGrpcStatus(reader->Finish(), "WatchCheckpoints");
  if (stop) return stopped;
  return finished;
}

}  // namespace vitrine::client::internal
