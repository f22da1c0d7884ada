#include "bench/internal/log_child.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/internal/child_process.h"

namespace vitrine::bench {

absl::StatusOr<std::string> LogChild::Init(const LogChildOptions& options,
                                           const std::string& data) {
  int out = -1;
  absl::StatusOr<pid_t> pid =
      StartChild({options.binary, "init", "--data=" + data, "--origin=" + options.origin}, &out);
  if (!pid.ok()) return pid.status();
  std::string buffer, text, verifier_key;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (;;) {
    absl::StatusOr<std::string> line = ReadLine(out, deadline, buffer);
    if (!line.ok()) break;
    absl::StrAppend(&text, *line, "\n");
    absl::string_view rest = *line;
    if (absl::ConsumePrefix(&rest, "verifier key: ")) verifier_key = std::string(rest);
  }
  close(out);
  const int code = WaitOrKill(*pid, absl::Seconds(10));
  if (code != 0 || verifier_key.empty()) {
    return absl::InternalError(absl::StrCat(options.binary, " init exited with ", code,
                                            " and printed: ", text));
  }
  return verifier_key;
}

std::string DefaultLogBinary(const char* argv0) {
  const char* runfiles = std::getenv("RUNFILES_DIR");
  std::vector<std::string> candidates;
  if (runfiles != nullptr) candidates.push_back(absl::StrCat(runfiles, "/vitrine/log/server/vitrine-log"));
  std::error_code error;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", error).string();
  candidates.push_back(self + ".runfiles/vitrine/log/server/vitrine-log");
  candidates.push_back(absl::StrCat(argv0, ".runfiles/vitrine/log/server/vitrine-log"));
  for (const std::string& candidate : candidates) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return candidates.back();
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
  {
    std::ofstream vendors(child->data_ + "/vendors", std::ios::trunc);
    for (const std::string& key : options.vendor_keys) vendors << key << "\n";
    if (!vendors.flush()) {
      return absl::InternalError(absl::StrCat("cannot write ", child->data_, "/vendors"));
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
  std::string buffer, text;
  const absl::Time deadline = absl::Now() + options.start_timeout;
  // "  gRPC:  <host:port>" and then "  HTTP:  http://<host:port> (...)".
  while (child->grpc_address_.empty() || child->http_address_.empty()) {
    absl::StatusOr<std::string> line = ReadLine(out, deadline, buffer);
    if (!line.ok()) break;
    absl::StrAppend(&text, *line, "\n");
    absl::string_view rest = absl::StripAsciiWhitespace(*line);
    if (absl::ConsumePrefix(&rest, "gRPC:")) {
      child->grpc_address_ = std::string(absl::StripAsciiWhitespace(rest));
    } else if (absl::ConsumePrefix(&rest, "HTTP:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumePrefix(&rest, "http://");
      child->http_address_ = std::string(rest.substr(0, rest.find(' ')));
    } else if (absl::StartsWith(rest, "data:")) {
      break;  // the last line the server prints
    }
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
  kill(pid_, SIGTERM);
  const int code = WaitOrKill(pid_, absl::Seconds(60));
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
