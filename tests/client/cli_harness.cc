#include "tests/client/cli_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vitrine::tests {
namespace {

std::string TempRoot() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

int WaitExitCode(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<char*> Argv(const std::string& binary,
                        const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

std::string BinaryPath(const std::string& target_path) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/vitrine/", target_path);
}

std::string FreshDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir = absl::StrCat(TempRoot(), "/", name, "-", getpid(), "-",
                                 counter.fetch_add(1));
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFileOrDie(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.good()) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
}

Outcome Run(const std::string& binary, const std::vector<std::string>& args) {
  const std::string dir = FreshDir("run");
  const std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  std::vector<char*> argv = Argv(binary, args);
  const pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  Outcome outcome;
  if (pid < 0) return outcome;
  outcome.exit_code = WaitExitCode(pid);
  outcome.out = ReadFileOrEmpty(out_path);
  outcome.err = ReadFileOrEmpty(err_path);
  return outcome;
}

Outcome RunVitrine(const std::vector<std::string>& args) {
  return Run(BinaryPath("client/vitrine"), args);
}

std::string InitLog(const std::string& data, const std::string& origin) {
  Outcome init = Run(BinaryPath("log/server/vitrine-log"),
                     {"init", "--data=" + data, "--origin=" + origin});
  if (init.exit_code != 0) return "";
  for (absl::string_view line : absl::StrSplit(init.out, '\n')) {
    if (absl::ConsumePrefix(&line, "verifier key: ")) return std::string(line);
  }
  return "";
}

ServerProcess ServerProcess::Start(const std::string& binary,
                                   const std::vector<std::string>& args,
                                   const std::string& ready_prefix) {
  ServerProcess server;
  int fds[2];
  if (pipe(fds) != 0) return server;
  std::vector<char*> argv = Argv(binary, args);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  server.pid_ = pid;
  // Lines until the ready line; EOF (the child died) ends the loop.
  std::string line;
  char c;
  bool ready = false;
  while (!ready && read(fds[0], &c, 1) == 1) {
    server.startup_output_.push_back(c);
    if (c != '\n') {
      line.push_back(c);
      continue;
    }
    absl::string_view rest = absl::StripAsciiWhitespace(line);
    ready = absl::StartsWith(rest, ready_prefix);
    if (absl::ConsumePrefix(&rest, "gRPC:")) {
      // The address, then maybe what is served there in brackets.
      rest = absl::StripAsciiWhitespace(rest);
      server.grpc_address_ = std::string(rest.substr(0, rest.find(' ')));
    } else if (absl::ConsumePrefix(&rest, "HTTP:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumePrefix(&rest, "http://");
      server.http_address_ = std::string(rest.substr(0, rest.find(' ')));
    }
    line.clear();
  }
  close(fds[0]);  // It writes nothing more to stdout.
  server.ready_ = ready;
  return server;
}

ServerProcess StartLog(const std::string& data,
                       const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"serve", "--data=" + data,
                                   "--grpc_listen=127.0.0.1:0",
                                   "--http_listen=127.0.0.1:0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return ServerProcess::Start(BinaryPath("log/server/vitrine-log"), args, "data:");
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept { *this = std::move(other); }

ServerProcess& ServerProcess::operator=(ServerProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = other.pid_;
    ready_ = other.ready_;
    grpc_address_ = std::move(other.grpc_address_);
    http_address_ = std::move(other.http_address_);
    startup_output_ = std::move(other.startup_output_);
    other.pid_ = -1;
  }
  return *this;
}

ServerProcess::~ServerProcess() { Stop(); }

void ServerProcess::Reload() const {
  if (pid_ > 0) kill(pid_, SIGHUP);
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int code = WaitExitCode(pid_);
  pid_ = -1;
  return code;
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitExitCode(pid_);
  pid_ = -1;
}

}  // namespace vitrine::tests
