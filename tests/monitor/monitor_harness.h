// Helpers for the multi-process monitor tests: vitrine-monitor children next
// to vitrine-log children (tests/client/cli_harness.h), their metrics, and
// waiting for what they report.
//
//   const int log_port = ReservePort();
//   std::string witness_vkey = InitMonitor(dir + "/m1", "m1.test/witness");
//   ServerProcess monitor = StartMonitor(dir + "/m1", {"--log=" + log_vkey +
//       "@127.0.0.1:" + std::to_string(log_port)});
//   ASSERT_TRUE(WaitFor([&] { return Metric(monitor, "vitrine_monitor_verified_size") >= 5; }));
//
// Not thread-safe: tests drive their processes from one thread.
#ifndef VITRINE_TESTS_MONITOR_MONITOR_HARNESS_H_
#define VITRINE_TESTS_MONITOR_MONITOR_HARNESS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/note/signer.h"
#include "tests/client/cli_harness.h"

namespace vitrine::tests {

// Returns a loopback port that was free a moment ago (bound to port 0, read
// back, closed): for a server that others must be configured with before
// it starts (a log and its witnesses name each other).
int ReservePort();

// Runs `vitrine-monitor init` and returns the witness verifier key it
// printed ("" on failure).
std::string InitMonitor(const std::string& data, const std::string& name);

// Starts `vitrine-monitor serve --data=DATA` on 127.0.0.1 (kernel-picked
// ports unless `args` give --grpc_listen / --http_listen) with `args`.
ServerProcess StartMonitor(const std::string& data, const std::vector<std::string>& args);

// StartMonitor with the monitor's stderr appended to the file `stderr_path`
// (through /bin/sh, which execs the monitor: the child is the monitor).
ServerProcess StartMonitorLoggingTo(const std::string& data,
                                    const std::vector<std::string>& args,
                                    const std::string& stderr_path);

// Runs vitrine-monitor with `args` (e.g. check-evidence) and waits.
Outcome RunMonitor(const std::vector<std::string>& args);

// GET http://<address><path>; "" when the request fails.
std::string HttpGet(const std::string& address, const std::string& path);

// The value of the sample `series` (a metric name with its labels exactly
// as rendered, e.g. `vitrine_monitor_verified_size{origin="x"}`) on the
// server's /metrics; -1 when absent or unreachable.
double Metric(const ServerProcess& server, const std::string& series);

// Polls `condition` every 50 ms until it holds (true) or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition,
             absl::Duration timeout = absl::Seconds(30));

// A vendor's key pair, made in-process.
struct VendorKey {
  std::string vkey;
  std::string signer_key;  // PRIVATE+KEY+...
};
VendorKey MakeVendorKey(const std::string& name);

// `count` statements by `vendor` (name of vendor.vkey), artifacts
// "tool-<first + i>" whose digests depend on `history` (two histories give
// different leaves), signed.
std::vector<std::string> MakeStatements(const VendorKey& vendor, int first, int count,
                                        const std::string& history);

// Adds `statements` to the log at `address` with the Log service's Add, up
// to 1000 per call; false (and a line on stderr) when any is not logged.
bool AddStatements(const std::string& address, const std::vector<std::string>& statements);

// Writes `dir`/tool-<n>.tar.gz, makes its statement (version 1.0.<n>) with
// the vendor key `dir`/acme.key and submits it with `vitrine submit` to the
// log at `log_address`, checked against `log_vkey_path`. The artifact's
// path, or Internal with the failing command's stderr.
absl::StatusOr<std::string> SubmitRelease(const std::string& dir,
                                          const std::string& log_address,
                                          const std::string& log_vkey_path, int n);

// A fresh folder holding an initialised log (`log/`, origin `origin`) and
// monitor (`monitor/`, witness name m.test/witness), both with `vendors`
// (vkeys) in their vendors files: registered with the log, trusted by the
// monitor. log_vkey is empty when a step failed.
struct LogAndMonitorData {
  std::string dir;
  std::string log_data;
  std::string monitor_data;
  std::string log_vkey;
};
LogAndMonitorData MakeLogAndMonitorData(const std::string& name, const std::string& origin,
                                        const std::vector<std::string>& vendors);

// The files in `dir` whose names end in `suffix`, sorted.
std::vector<std::string> ListFiles(const std::string& dir, const std::string& suffix);

}  // namespace vitrine::tests

#endif  // VITRINE_TESTS_MONITOR_MONITOR_HARNESS_H_
