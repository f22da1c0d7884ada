// The whole monitor in one object (DESIGN.md "The monitor"): for each
// configured log a verified copy and a follower that audits it; the
// witness, which cosigns what the followers verified and what logs push;
// the evidence recorder (the alarm); gossip with peer monitors (a service
// and a gossiper); and the HTTP port with /metrics and /healthz.
// vitrine-monitor's main() is this plus signals; tests start it in-process.
//
// The gRPC port serves three services (proto/vitrine/v1/):
//   Witness  AddCheckpoint (tlog-witness) and GetLatestCheckpoint, the
//            largest checkpoint cosigned for an origin
//            (monitor/witness/witness_service.h);
//   Gossip   checkpoint exchange with peer monitors;
//   Log      reads from the verified copies, the log picked by origin
//            (monitor/mirror/mirror_read_service.h): every read RPC with
//            the log's own code (log/serving), against the latest
//            checkpoint verified; Add and the witnessed reads are
//            FAILED_PRECONDITION naming the log's address.
//
//   VITRINE_RETURN_IF_ERROR(InitMonitorData(config).status());  // first start
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<MonitorServer> monitor,
//                            MonitorServer::Start(config));
//   ... monitor->grpc_address() ...
//   monitor->Shutdown();
//
// Order of things for each checkpoint a follower verifies: the copy
// commits it, then the witness cosigns it (CosignVerified), so the monitor
// never vouches for a checkpoint it has not audited through its own path;
// a log may also push checkpoints to the witness (tlog-witness), which it
// cosigns after checking their consistency proof, as the protocol says.
// Evidence from any part halts the log everywhere: the follower stops, the
// witness refuses, /healthz answers 503.
//
// Thread-safety: accessors from any thread; Shutdown once, from one thread.
#ifndef VITRINE_MONITOR_SERVER_MONITOR_SERVER_H_
#define VITRINE_MONITOR_SERVER_MONITOR_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "monitor/server/config.h"

namespace vitrine::monitor {

// What InitMonitorData created or found.
struct MonitorIdentity {
  std::string name;
  std::string verifier_key;  // the witness vkey (type 0x04): logs and
                             // endpoints' policies name it
  bool created = false;      // false: the key already existed
};

// Creates config.data, a witness signer key named config.name (mode 0600),
// its verifier key file and an empty vendors file, unless the key already
// exists (then only reads it back). Never overwrites a key.
absl::StatusOr<MonitorIdentity> InitMonitorData(const MonitorConfig& config);

class MonitorServer {
 public:
  // FailedPrecondition without a key (run init or pass init_if_missing);
  // InvalidArgument for bad configuration; DataLoss when a verified copy
  // or the witness state fails its checks; Unavailable when an address
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<MonitorServer>> Start(
      const MonitorConfig& config);
  ~MonitorServer();

  const MonitorIdentity& identity() const;
  std::string grpc_address() const;
  std::string http_address() const;
  // The /metrics text and the /healthz answer, as served.
  std::string RenderMetrics() const;
  bool Healthy(std::string* text) const;

  // Rereads the vendor and rebuilder keys files (SIGHUP) for every
  // followed log. On error the keys in use stay.
  absl::Status ReloadVendors();

  // Stops following and gossiping, closes the services and the stores.
  // Idempotent.
  void Shutdown();

 private:
  struct Rep;
  explicit MonitorServer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_SERVER_MONITOR_SERVER_H_
