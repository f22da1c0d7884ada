// Helpers for the multi-process rebuilder tests: vitrine-rebuilder children
// next to vitrine-log and vitrine-monitor children (tests/monitor), a local
// git repository holding a small C program, and the reproducible recipe
// that builds it - the same one the vendor's pipeline runs.
//
//   const std::string rev = MakeHelloRepo(dir + "/repo", "hello 1.0");
//   const std::string source = "file://" + dir + "/repo#" + rev;
//   std::string vkey = InitRebuilder(dir + "/r1", "rebuild.example.org/r1");
//   ServerProcess r1 = StartRebuilderLoggingTo(dir + "/r1", {...}, dir + "/r1.err");
//   ASSERT_TRUE(WaitFor([&] { return RebuildCount(r1, "match") == 1; }));
//
// Not thread-safe: tests drive their processes from one thread.
#ifndef VITRINE_TESTS_REBUILDER_REBUILDER_HARNESS_H_
#define VITRINE_TESTS_REBUILDER_REBUILDER_HARNESS_H_

#include <string>
#include <vector>

#include "tests/client/cli_harness.h"
#include "tests/monitor/monitor_harness.h"

namespace vitrine::tests {

// The recipe of a source line "file://<repo>#<commit>": clone, check out
// the commit, build hello.c with gcc reproducibly (SOURCE_DATE_EPOCH, the
// build folder mapped to /build, no debug information) into
// $VITRINE_OUTPUT/$VITRINE_ARTIFACT. `tamper`, a shell line run in the
// checked-out source before compiling, makes a binary not from that source
// (the vendor side of the mismatch tests).
std::string HelloRecipe(const std::string& tamper = "");

// Creates a git repository at `dir` whose one commit holds hello.c, a
// program printing `greeting`; returns the commit ("" on failure).
std::string MakeHelloRepo(const std::string& dir, const std::string& greeting);

// Builds as the vendor's pipeline does, with HelloRecipe in the fresh
// folder `work`, for `source`, with `tamper` (HelloRecipe).
// Returns the artifact's path ("" on failure, with the output on stderr).
std::string VendorBuild(const std::string& work, const std::string& source,
                        const std::string& artifact, const std::string& tamper = "");

// Runs `vitrine-rebuilder init` and returns the verifier key it printed
// ("" on failure).
std::string InitRebuilder(const std::string& data, const std::string& name);

// Starts `vitrine-rebuilder serve --data=DATA` (HTTP on a kernel-picked
// loopback port) with `args`, its stderr appended to `stderr_path`.
ServerProcess StartRebuilderLoggingTo(const std::string& data,
                                      const std::vector<std::string>& args,
                                      const std::string& stderr_path);

// vitrine_rebuilder_rebuilds_total{result="<result>"}: match, mismatch,
// failed, timeout (-1 when unreachable).
double RebuildCount(const ServerProcess& rebuilder, const std::string& result);

// The lines of a file that contain `needle`.
std::vector<std::string> LinesWith(const std::string& path, const std::string& needle);

// The `vitrine entries` listing of the whole log, verified against
// `log_vkey_file`: one line per entry ("" on failure).
std::string ListEntries(const std::string& log_address, const std::string& log_vkey_file);

}  // namespace vitrine::tests

#endif  // VITRINE_TESTS_REBUILDER_REBUILDER_HARNESS_H_
