#include "bench/internal/log_child.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/child_process.h"

namespace vitrine::bench {

absl::StatusOr<std::string> LogChild::Init(const LogChildOptions& options,
                                           const std::string& data) {
  return RunForLine({options.binary, "init", "--data=" + data, "--origin=" + options.origin},
                    "verifier key: ", absl::Seconds(60));
}

absl::Status WriteKeyFile(const std::string& path, const std::vector<std::string>& keys) {
  std::ofstream out(path, std::ios::trunc);
  for (const std::string& key : keys) out << key << "\n";
  if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::string DefaultLogBinary(const char* argv0) {
  return RunfilesBinary(argv0, "log/server/vitrine-log");
}

absl::StatusOr<std::unique_ptr<LogChild>> LogChild::Spawn(const LogChildOptions& options) {
  std::unique_ptr<LogChild> child(new LogChild());
  child->origin_ = options.origin;
  if (options.data.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                       "/vitrine-loadgen-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
    }
    child->data_ = pattern + "/log";
    child->remove_data_ = true;
  } else {
    child->data_ = options.data;
  }
  absl::StatusOr<std::string> verifier_key = Init(options, child->data_);
  if (!verifier_key.ok()) return verifier_key.status();
  child->verifier_key_ = *std::move(verifier_key);
  if (absl::Status written = WriteKeyFile(child->data_ + "/vendors", options.vendor_keys);
      !written.ok()) {
    return written;
  }
  if (!options.rebuilder_keys.empty()) {
    if (absl::Status written = WriteKeyFile(child->data_ + "/rebuilders", options.rebuilder_keys);
        !written.ok()) {
      return written;
    }
  }

  std::vector<std::string> args = {options.binary, "serve", "--data=" + child->data_,
                                   "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                                   // Every statement reaches verification and
                                   // the sequencer: no vendor is throttled.
                                   "--vendor_rate_per_second=1000000",
                                   "--vendor_burst=1000000"};
  args.insert(args.end(), options.serve_flags.begin(), options.serve_flags.end());
  int out = -1;
  absl::StatusOr<pid_t> pid = StartChild(args, &out);
  if (!pid.ok()) return pid.status();
  child->pid_ = *pid;
  // "  gRPC:  <host:port>", "  HTTP:  http://<host:port> (...)", ... and
  // last "  data:  <folder>".
  std::string text;
  const std::map<std::string, std::string> banner =
      ReadBanner(out, absl::Now() + options.start_timeout, "data", text);
  if (auto grpc = banner.find("gRPC"); grpc != banner.end()) child->grpc_address_ = grpc->second;
  if (auto http = banner.find("HTTP"); http != banner.end()) {
    child->http_address_ = HostPortOfUrl(http->second);
  }
  // The server prints nothing more on stdout; closing the pipe is safe.
  close(out);
  if (child->grpc_address_.empty()) {
    return absl::InternalError(absl::StrCat("vitrine-log serve (", absl::StrJoin(args, " "),
                                            ") printed no gRPC address: ", text));
  }
  return child;
}

LogChild::~LogChild() {
  if (pid_ > 0) Stop().IgnoreError();
}

double LogChild::CpuSeconds() const { return CpuSecondsOf(pid_); }

absl::Status LogChild::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  const int code = TerminateChild(pid_, absl::Seconds(60));
  pid_ = -1;
  if (remove_data_) {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(data_).parent_path(), ignored);
  }
  if (code != 0) {
    return absl::InternalError(absl::StrCat("vitrine-log exited with ", code, " after SIGTERM"));
  }
  return absl::OkStatus();
}

}  // namespace vitrine::bench
