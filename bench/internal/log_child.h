// A vitrine-log server run as a child process on loopback, for the load
// generator: `vitrine-log init` in a data folder, the vendor registry
// written, `vitrine-log serve` on OS-picked ports, its gRPC and HTTP
// addresses read from its stdout, and SIGTERM plus cleanup at the end.
//
//   LogChildOptions options;
//   options.binary = "bazel-bin/log/server/vitrine-log";
//   options.vendor_keys = {vkey1, vkey2};
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<LogChild> log,
//                            LogChild::Spawn(options));
//   ... connect to log->grpc_address() ...
//   VITRINE_RETURN_IF_ERROR(log->Stop());   // graceful; removes a temp folder
//
// The child gets PR_SET_PDEATHSIG(SIGTERM), so it stops even when the
// generator dies. Thread-safety: not thread-safe; one owner.
#ifndef VITRINE_BENCH_INTERNAL_LOG_CHILD_H_
#define VITRINE_BENCH_INTERNAL_LOG_CHILD_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vitrine::bench {

struct LogChildOptions {
  // The vitrine-log binary.
  std::string binary;
  // The data folder; empty means a fresh folder under $TMPDIR (or /tmp),
  // removed by Stop. A named folder is kept, so a filled log can be reused
  // by the next run (init finds its key).
  std::string data;
  std::string origin = "loadgen.example/log";
  // Written as the vendor registry (replacing any earlier one).
  std::vector<std::string> vendor_keys;
  // Written as <data>/rebuilders, the keys allowed to log rebuild
  // statements (replacing any earlier file), when not empty.
  std::vector<std::string> rebuilder_keys;
  // Added to `serve` after the loopback and rate-limit flags (so they win):
  // e.g. "--batch_delay_ms=2".
  std::vector<std::string> serve_flags;
  // How long Spawn waits for the server's addresses: a large store takes
  // a while to verify at start (sequencer.h).
  absl::Duration start_timeout = absl::Seconds(60);
};

// Returns the vitrine-log beside this binary in its Bazel runfiles
// ($RUNFILES_DIR, then /proc/self/exe's and `argv0`'s .runfiles folders):
// the first that exists, else the last candidate (so the error names it).
std::string DefaultLogBinary(const char* argv0);

// Writes verifier keys one per line to `path`, replacing it: the format of
// the log's vendors and rebuilders files (and vitrine-rebuilder's).
// Internal when it cannot.
absl::Status WriteKeyFile(const std::string& path, const std::vector<std::string>& keys);

class LogChild {
 public:
  // Runs init, writes the registry, starts serve and waits (up to
  // options.start_timeout) for its gRPC address. Internal when the binary
  // fails, with its output.
  static absl::StatusOr<std::unique_ptr<LogChild>> Spawn(
      const LogChildOptions& options);
  // Runs `vitrine-log init` on `data` with options.origin (it keeps an
  // existing key) and returns the log's verifier key: for callers that
  // fill the store before serving it. Internal when init fails.
  static absl::StatusOr<std::string> Init(const LogChildOptions& options,
                                          const std::string& data);
  // Stops the child (SIGTERM, then SIGKILL after 60 s) if Stop was not called.
  ~LogChild();

  const std::string& grpc_address() const { return grpc_address_; }
  // The HTTP port's host:port (tiles, /checkpoint, /metrics, /healthz).
  const std::string& http_address() const { return http_address_; }
  const std::string& verifier_key() const { return verifier_key_; }
  const std::string& origin() const { return origin_; }
  pid_t pid() const { return pid_; }

  // Returns the CPU seconds (user + system) the child has used so far.
  double CpuSeconds() const;

  // Sends SIGTERM and waits for a graceful exit (SIGKILL after 60 s), then
  // removes a temp data folder. Internal unless the child exited with 0.
  absl::Status Stop();

 private:
  LogChild() = default;

  pid_t pid_ = -1;
  std::string data_;
  bool remove_data_ = false;
  std::string origin_;
  std::string verifier_key_;
  std::string grpc_address_;
  std::string http_address_;
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_LOG_CHILD_H_
