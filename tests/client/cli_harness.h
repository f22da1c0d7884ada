// Runs the real `vitrine` and `vitrine-log` binaries as child processes for
// the end-to-end tests: a command's exit code, stdout and stderr; a log
// served on loopback with ports picked by the kernel, stopped with SIGTERM.
//
//   LogProcess log = LogProcess::Start(data_dir);
//   ASSERT_TRUE(log.running()) << log.startup_output();
//   Outcome verify = RunVitrine({"verify", "--policy=" + policy, artifact});
//   EXPECT_EQ(verify.exit_code, 0) << verify.err;
//   EXPECT_EQ(log.Stop(), 0);
//
// Not thread-safe: tests run commands one after another.
#ifndef VITRINE_TESTS_CLIENT_CLI_HARNESS_H_
#define VITRINE_TESTS_CLIENT_CLI_HARNESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace vitrine::tests {

// Returns the runfiles path of a binary of this workspace
// ("client/vitrine", "log/server/vitrine-log").
std::string BinaryPath(const std::string& target_path);

// Returns a fresh folder under TEST_TMPDIR.
std::string FreshDir(const std::string& name);

// What a finished command did.
struct Outcome {
  int exit_code = -1;  // 128 + signal when killed.
  std::string out;
  std::string err;
};

// Runs `binary` with `args` and waits for it (stdin is /dev/null).
Outcome Run(const std::string& binary, const std::vector<std::string>& args);

// Runs the vitrine command.
Outcome RunVitrine(const std::vector<std::string>& args);

// Runs `vitrine-log init --data=DIR --origin=ORIGIN` and returns the
// verifier key it printed ("" on failure).
std::string InitLog(const std::string& data, const std::string& origin);

// A server child (vitrine-log, vitrine-monitor) that prints its addresses
// as "  gRPC:  host:port" and "  HTTP:  http://host:port ..." lines when
// ready.
class ServerProcess {
 public:
  // Starts `binary` with `args` and reads its stdout up to and including the
  // first line starting (after spaces) with `ready_prefix`.
  static ServerProcess Start(const std::string& binary,
                             const std::vector<std::string>& args,
                             const std::string& ready_prefix);

  ServerProcess() = default;
  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&& other) noexcept;
  ~ServerProcess();  // SIGTERM and wait, if still running.

  // Started and printed its ready line (a server without a gRPC port, such
  // as vitrine-rebuilder, prints only "HTTP:").
  bool running() const { return pid_ > 0 && ready_; }
  const std::string& grpc_address() const { return grpc_address_; }
  // "host:port" of the "HTTP:" line, "" when none was printed.
  const std::string& http_address() const { return http_address_; }
  // What it printed before it was ready (or died).
  const std::string& startup_output() const { return startup_output_; }
  // Sends SIGHUP (vitrine-log: reload the vendor registry).
  void Reload() const;
  // SIGTERM, then waits; returns the exit code.
  int Stop();
  // SIGKILL, then waits: a crash.
  void Kill();

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
  std::string grpc_address_;
  std::string http_address_;
  std::string startup_output_;
};
using LogProcess = ServerProcess;

// A `vitrine-log serve --data=DATA` child on 127.0.0.1 with kernel-picked
// ports and `extra_args` (e.g. witnesses).
ServerProcess StartLog(const std::string& data,
                       const std::vector<std::string>& extra_args = {});

// Reads a whole file ("" when missing).
std::string ReadFileOrEmpty(const std::string& path);
// Writes a whole file (test setup; aborts the test process on failure).
void WriteFileOrDie(const std::string& path, const std::string& content);

}  // namespace vitrine::tests

#endif  // VITRINE_TESTS_CLIENT_CLI_HARNESS_H_
