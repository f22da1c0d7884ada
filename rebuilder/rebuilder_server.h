// The whole rebuilder in one object (DESIGN.md "Rebuilders"): a verified
// copy of the log kept by the monitor's follower, which audits every
// checkpoint, consistency proof and entry as a monitor does (evidence
// against the log halts it); the worker, woken by each verified head,
// which rebuilds the configured vendors' releases; the submitter, which
// logs the signed rebuild statements in batches through a verifying
// LogClient; the progress store that makes all this exactly-once across
// restarts; and the HTTP port with /metrics and /healthz.
// vitrine-rebuilder's main() is this plus signals; tests start it
// in-process.
//
//   VITRINE_RETURN_IF_ERROR(InitRebuilderData(config).status());  // first start
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<RebuilderServer> rebuilder,
//                            RebuilderServer::Start(config));
//   ... rebuilder->http_address() ...
//   rebuilder->Shutdown();
//
// The data folder (config.h): rebuilder.key (0600), rebuilder.vkey,
// vendors (and rebuilders), copy/ (the verified copy), state/ (progress),
// work/<i>/ (job folders), logs/<i>.log (build logs), evidence/ and
// observed/ (against the log), mismatches.jsonl, failures.jsonl.
//
// The sandbox: with sandbox=auto or on, Start runs a one-line recipe in
// bwrap (work/sandbox-probe, logs/sandbox-probe.log); when that does not
// build, auto runs recipes without the sandbox and says why (sandbox()),
// on refuses to start.
//
// Thread-safety: accessors from any thread; Shutdown once, from one thread.
#ifndef VITRINE_REBUILDER_REBUILDER_SERVER_H_
#define VITRINE_REBUILDER_REBUILDER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rebuilder/config.h"

namespace vitrine::rebuilder {

// What InitRebuilderData created or found.
struct RebuilderIdentity {
  std::string name;          // the key's name: every statement's rebuilder line
  std::string verifier_key;  // register it in the log's rebuilders file
  bool created = false;      // false: the key already existed
};

// Creates config.data, a rebuilder signer key named config.name (type
// 0x01, mode 0600), rebuilder.vkey, a rebuilders file holding that key
// (the follower's audit; unless rebuilders_file is set) and an empty
// vendors file, each unless it exists; an existing key is only read back.
// Never overwrites a key.
// InvalidArgument for a bad name or a key of another type.
absl::StatusOr<RebuilderIdentity> InitRebuilderData(const RebuilderConfig& config);

class RebuilderServer {
 public:
  // FailedPrecondition without a key (run init or pass init_if_missing),
  // or with sandbox=on where bwrap does not run; InvalidArgument for bad
  // configuration (a configured vendor without a key in the vendors file
  // included: none of its releases could be verified); DataLoss when the
  // verified copy or the progress store fails its checks; Unavailable when
  // another process holds them or the HTTP address cannot be bound.
  static absl::StatusOr<std::unique_ptr<RebuilderServer>> Start(const RebuilderConfig& config);
  ~RebuilderServer();

  const RebuilderIdentity& identity() const;
  const std::string& origin() const;  // the log's
  // "bwrap (/usr/bin/bwrap)", "none (sandbox=off)", "none (bwrap: ...)".
  const std::string& sandbox() const;
  std::string http_address() const;
  // The /metrics text and the /healthz answer, as served.
  std::string RenderMetrics() const;
  bool Healthy(std::string* text) const;

  // Rereads the vendor keys file (SIGHUP) for the follower and the worker,
  // and the rebuilders file for the follower. On error the keys in use stay.
  absl::Status ReloadVendors();

  // Stops following; kills a running recipe (that release is rebuilt at
  // the next start); sends what waits once more if the log answered the
  // last call (bounded by submit_timeout_ms), keeping the rest on disk;
  // closes the stores. Idempotent.
  void Shutdown();

 private:
  struct Rep;
  explicit RebuilderServer(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_REBUILDER_SERVER_H_
