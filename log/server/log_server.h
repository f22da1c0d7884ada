// The whole log in one object: store, sequencer, vendor registry, gRPC
// service, HTTP server and - when witnesses are configured - the witness
// pusher (witness_pusher.h), started from a LogConfig and shut down in the
// order that loses nothing. With witnesses, GetCheckpoint/GetBundle
// (witnessed) and HTTP /checkpoint serve the latest witnessed checkpoint,
// the stored one at once after a restart. vitrine-log's main() is this plus signals; tests
// start it in-process.
//
//   VITRINE_RETURN_IF_ERROR(InitLogData(config));    // first start only
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<LogServer> log,
//                            LogServer::Start(config));
//   int grpc_port = log->grpc_port();
//   ...
//   log->Shutdown();   // stop accepting, drain the sequencer, close
//
// Thread-safety: ReloadVendors and the accessors may be called from any
// thread; Shutdown once, from one thread.
#ifndef VITRINE_LOG_SERVER_LOG_SERVER_H_
#define VITRINE_LOG_SERVER_LOG_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/server/config.h"

namespace vitrine::server {

// What InitLogData created or found.
struct LogIdentity {
  std::string origin;
  std::string verifier_key;  // C2SP vkey: what clients and monitors pin
  bool created = false;      // false: the key already existed
};

// Creates config.data, a new log signer key (mode 0600) named
// config.origin, its verifier key file and an empty vendor registry, unless
// the key file already exists (then it only reads it back). Never
// overwrites a key.
absl::StatusOr<LogIdentity> InitLogData(const LogConfig& config);

class LogServer {
 public:
  static absl::StatusOr<std::unique_ptr<LogServer>> Start(const LogConfig& config);
  ~LogServer();

  const LogIdentity& identity() const;
  // The bound addresses, with the ports picked for port 0.
  std::string grpc_address() const;
  std::string http_address() const;
  int grpc_port() const;
  int http_port() const;

  // Rereads the vendor registry (SIGHUP). On error the old one stays.
  absl::Status ReloadVendors();

  // Stops accepting requests, lets in-flight ones finish (up to a grace
  // period), commits everything queued, and closes the store. Idempotent.
  void Shutdown();

 private:
  struct Rep;
  explicit LogServer(std::unique_ptr<Rep> rep);
  static absl::Status StartAdmin(Rep& rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_LOG_SERVER_H_
