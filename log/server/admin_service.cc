#include "log/server/admin_service.h"

#include <cstdio>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/grpc_status.h"

namespace vitrine::server {

AdminService::AdminService(const storage::Store* store, std::string log_vkey)
    : store_(store), log_vkey_(std::move(log_vkey)) {}

AdminService::~AdminService() { Shutdown(); }

grpc::ServerUnaryReactor* AdminService::Backup(
    grpc::CallbackServerContext* context, const vitrine::v1::BackupRequest* request,
    vitrine::v1::BackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::string to = request->to();
  const uint64_t rate_limit = request->rate_limit_bytes_per_second();
  // Relative to what? The log's working folder is not the caller's.
  if (to.empty() || !absl::StartsWith(to, "/")) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "the backup folder must be an absolute path"));
    return reactor;
  }
  absl::MutexLock lock(&mu_);
  if (shut_down_) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the log is shutting down"));
    return reactor;
  }
  if (running_) {
    reactor->Finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                 "a backup is already running"));
    return reactor;
  }
  if (worker_.joinable()) worker_.join();  // the last one, finished
  running_ = true;
  worker_ = std::thread([this, reactor, response, to, rate_limit] {
    const absl::Time start = absl::Now();
    absl::StatusOr<storage::BackupInfo> info = store_->Backup(to, rate_limit);
    absl::Status status = info.status();
    if (status.ok()) {
      status = WriteFileAtomically(to + "/log.vkey", log_vkey_ + "\n", 0644);
    }
    if (status.ok()) {
      response->set_backup_id(info->id);
      response->set_timestamp(info->timestamp);
      response->set_files(info->files);
      response->set_bytes(info->bytes);
      response->set_bytes_copied(info->bytes_copied);
      response->set_tree_size(info->tree_size);
      response->set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
      std::fprintf(stderr,
                   "vitrine-log: backup %u to %s: tree size >= %llu, %llu bytes "
                   "copied in %.1f s\n",
                   info->id, to.c_str(),
                   static_cast<unsigned long long>(info->tree_size),
                   static_cast<unsigned long long>(info->bytes_copied),
                   response->seconds());
    } else {
      std::fprintf(stderr, "vitrine-log: backup to %s failed: %s\n", to.c_str(),
                   status.ToString().c_str());
    }
    {
      absl::MutexLock done(&mu_);
      running_ = false;
    }
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

void AdminService::Shutdown() {
  std::thread worker;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

}  // namespace vitrine::server
