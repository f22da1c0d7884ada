// A vitrine-rebuilder (issue 15) run as a child process, for the rebuilder
// benchmark: `vitrine-rebuilder init` makes its key, the caller registers
// the verifier key with the log, then `serve` follows the log on loopback
// with an OS-picked HTTP port read from its banner; SIGTERM at the end.
//
//   VITRINE_ASSIGN_OR_RETURN(std::string vkey,
//       RebuilderChild::Init(binary, dir + "/r1", "bench.example/r1"));
//   ... write vkey to the log's rebuilders file, start the log ...
//   RebuilderChildOptions options;
//   options.binary = binary;
//   options.data = dir + "/r1";
//   options.log_address = log->grpc_address();
//   options.log_key = log->verifier_key();
//   options.vendors = {"example.com/acme"};
//   options.vendor_keys = {vendor_vkey};
//   options.recipe = "printf %s \"$VITRINE_VERSION\" > \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\"";
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<RebuilderChild> r1,
//                            RebuilderChild::Spawn(options));
//   ScrapeMetrics(r1->http_address());   // log_metrics.h
//   VITRINE_RETURN_IF_ERROR(r1->Stop());
//
// The child gets PR_SET_PDEATHSIG(SIGTERM) (child_process.h: start it from
// the main thread). Its stderr - a few lines per release - goes to
// <data>/stderr.log. Thread-safety: not thread-safe; one owner.
#ifndef VITRINE_BENCH_INTERNAL_REBUILDER_CHILD_H_
#define VITRINE_BENCH_INTERNAL_REBUILDER_CHILD_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vitrine::bench {

struct RebuilderChildOptions {
  // The vitrine-rebuilder binary.
  std::string binary;
  // Its data folder, made by Init; kept (the caller removes it).
  std::string data;
  // The log's gRPC host:port and verifier key.
  std::string log_address;
  std::string log_key;
  // The vendors to rebuild (--vendor), and the vendor verifier keys written
  // to <data>/vendors; each vendor needs its key.
  std::vector<std::string> vendors;
  std::vector<std::string> vendor_keys;
  // Written to <data>/rebuilders when not empty: the rebuilder keys its
  // follower audits rebuild statements with (else only its own).
  std::vector<std::string> rebuilder_keys;
  std::string recipe;
  // Added to `serve` after the options above (so they win): e.g.
  // "--sandbox=off", "--batch_delay_ms=50".
  std::vector<std::string> serve_flags;
  // How long Spawn waits for the banner (a sandbox probe runs first).
  absl::Duration start_timeout = absl::Seconds(60);
};

class RebuilderChild {
 public:
  // Runs `vitrine-rebuilder init --data --name` and returns the rebuilder's
  // verifier key. Internal when init fails.
  static absl::StatusOr<std::string> Init(const std::string& binary, const std::string& data,
                                          const std::string& name);
  // Writes the key files, starts serve and waits for its banner's last
  // line. Internal when it prints none, with what it printed.
  static absl::StatusOr<std::unique_ptr<RebuilderChild>> Spawn(
      const RebuilderChildOptions& options);
  // Stops the child if Stop was not called.
  ~RebuilderChild();

  // The HTTP port's host:port (/metrics, /healthz).
  const std::string& http_address() const { return http_address_; }
  // The banner's "sandbox:" value: "bwrap (/usr/bin/bwrap)" or "none (why)".
  const std::string& sandbox() const { return sandbox_; }
  const std::string& stderr_path() const { return stderr_path_; }
  pid_t pid() const { return pid_; }

  // Returns the CPU seconds (user + system) of the daemon, and of the
  // recipes it has reaped, so far.
  double CpuSeconds() const;
  double RecipeCpuSeconds() const;

  // Sends SIGTERM and waits for the clean exit (SIGKILL after 60 s).
  // Internal unless it exited with 0.
  absl::Status Stop();

 private:
  RebuilderChild() = default;

  pid_t pid_ = -1;
  std::string http_address_;
  std::string sandbox_;
  std::string stderr_path_;
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_REBUILDER_CHILD_H_
