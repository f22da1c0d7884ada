#include "bench/internal/rebuilder_child.h"

#include <signal.h>
#include <unistd.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bench/internal/child_process.h"
#include "bench/internal/log_child.h"

namespace vitrine::bench {

absl::StatusOr<std::string> RebuilderChild::Init(const std::string& binary,
                                                 const std::string& data,
                                                 const std::string& name) {
  return RunForLine({binary, "init", "--data=" + data, "--name=" + name}, "verifier key: ",
                    absl::Seconds(60));
}

absl::StatusOr<std::unique_ptr<RebuilderChild>> RebuilderChild::Spawn(
    const RebuilderChildOptions& options) {
  if (absl::Status written = WriteKeyFile(options.data + "/vendors", options.vendor_keys);
      !written.ok()) {
    return written;
  }
  if (!options.rebuilder_keys.empty()) {
    if (absl::Status written = WriteKeyFile(options.data + "/rebuilders", options.rebuilder_keys);
        !written.ok()) {
      return written;
    }
  }
  std::vector<std::string> args = {options.binary,
                                   "serve",
                                   "--data=" + options.data,
                                   "--log=" + options.log_address,
                                   "--log_key=" + options.log_key,
                                   "--recipe=" + options.recipe,
                                   "--http_listen=127.0.0.1:0"};
  for (const std::string& vendor : options.vendors) args.push_back("--vendor=" + vendor);
  args.insert(args.end(), options.serve_flags.begin(), options.serve_flags.end());

  std::unique_ptr<RebuilderChild> child(new RebuilderChild());
  child->stderr_path_ = options.data + "/stderr.log";
  int out = -1;
  absl::StatusOr<pid_t> pid = StartChild(args, &out, child->stderr_path_);
  if (!pid.ok()) return pid.status();
  child->pid_ = *pid;
  // "vitrine-rebuilder NAME serving", then "  rebuilder key: ...", ...,
  // "  HTTP:          http://HOST:PORT (/metrics, /healthz)", and last
  // "  data:          DIR".
  std::string text;
  const std::map<std::string, std::string> banner =
      ReadBanner(out, absl::Now() + options.start_timeout, "data", text);
  close(out);  // nothing more is printed on stdout
  if (auto http = banner.find("HTTP"); http != banner.end()) {
    child->http_address_ = HostPortOfUrl(http->second);
  }
  if (auto sandbox = banner.find("sandbox"); sandbox != banner.end()) {
    child->sandbox_ = sandbox->second;
  }
  if (child->http_address_.empty()) {
    return absl::InternalError(absl::StrCat("vitrine-rebuilder serve (", absl::StrJoin(args, " "),
                                            ") printed no HTTP address (its stderr is in ",
                                            child->stderr_path_, "): ", text));
  }
  return child;
}

RebuilderChild::~RebuilderChild() {
  if (pid_ > 0) Stop().IgnoreError();
}

double RebuilderChild::CpuSeconds() const { return CpuSecondsOf(pid_); }

double RebuilderChild::RecipeCpuSeconds() const { return ReapedChildrenCpuSecondsOf(pid_); }

absl::Status RebuilderChild::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  const int code = TerminateChild(pid_, absl::Seconds(60));
  pid_ = -1;
  if (code != 0) {
    return absl::InternalError(
        absl::StrCat("vitrine-rebuilder exited with ", code, " after SIGTERM"));
  }
  return absl::OkStatus();
}

}  // namespace vitrine::bench
