// The vitrine.v1.Admin gRPC service (proto/vitrine/v1/admin.proto): online
// backup of the running log, asked by `vitrine-log backup` over the admin
// Unix socket (never a network port). The backup runs on a thread of its
// own - it copies the whole store once, then the increments, which takes
// minutes on a large log - while the sequencer goes on committing; one at
// a time.
//
//   AdminService admin(store.get(), log_vkey);
//   builder.RegisterService(&admin);          // on the Unix socket only
//   ...
//   admin.Shutdown();   // refuses new backups, waits for one running
//
// Thread-safety: thread-safe; `store` must outlive the service.
#ifndef VITRINE_LOG_SERVER_ADMIN_SERVICE_H_
#define VITRINE_LOG_SERVER_ADMIN_SERVICE_H_

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/admin.grpc.pb.h"

namespace vitrine::server {

class AdminService final : public vitrine::v1::Admin::CallbackService {
 public:
  // `log_vkey` (the log's verifier key) is written beside each backup, so
  // that a backup says which log it is and can be checked on its own.
  AdminService(const storage::Store* store, std::string log_vkey);
  ~AdminService() override;

  grpc::ServerUnaryReactor* Backup(grpc::CallbackServerContext* context,
                                   const vitrine::v1::BackupRequest* request,
                                   vitrine::v1::BackupResponse* response) override;

  // New backups answer UNAVAILABLE; waits for the one running, if any (the
  // store must stay open until it is done). Idempotent.
  void Shutdown();

 private:
  const storage::Store* const store_;
  const std::string log_vkey_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_ADMIN_SERVICE_H_
