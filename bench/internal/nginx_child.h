// nginx (Debian's) as a child process on loopback for the HTTP benchmarks:
// serving a folder as static files (the physical limit of a tile server on
// this machine), or running the shipped deploy/nginx/vitrine-cache.conf in
// front of a vitrine-log or a mirror (issue 16). Its config, pid file, logs
// and cache live in a folder the caller owns.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<NginxChild> nginx,
//       NginxChild::StartStatic("/usr/sbin/nginx", dir, dir + "/www"));
//   ... GET http://127.0.0.1:<nginx->port()>/tile/0/000 ...
//
// The master gets PR_SET_PDEATHSIG(SIGTERM): it stops (and stops its
// workers) when the thread that started it exits, so start it from the
// main thread. Thread-safety: one owner.
#ifndef VITRINE_BENCH_INTERNAL_NGINX_CHILD_H_
#define VITRINE_BENCH_INTERNAL_NGINX_CHILD_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace vitrine::bench {

// Returns a port free now on 127.0.0.1 (for a config that must name one).
absl::StatusOr<int> FreePort();

class NginxChild {
 public:
  // Serves `root` (sendfile, open_file_cache, no access log, an immutable
  // Cache-Control on every file) with as many workers as cores. Internal
  // when nginx does not answer within 10 s (its error log is in `dir`).
  static absl::StatusOr<std::unique_ptr<NginxChild>> StartStatic(const std::string& binary,
                                                                 const std::string& dir,
                                                                 const std::string& root);
  // Runs the cache config at `template_path` (its __UPSTREAM__, __LISTEN__,
  // __CACHE_DIR__ and __ACCESS_LOG__ filled in, the access log and cache in
  // `dir`) in front of `upstream` (host:port), as many workers as cores.
  static absl::StatusOr<std::unique_ptr<NginxChild>> StartCache(const std::string& binary,
                                                                const std::string& dir,
                                                                const std::string& template_path,
                                                                const std::string& upstream);
  // Stops nginx (SIGQUIT, SIGKILL after 5 s) and reaps it.
  ~NginxChild();
  NginxChild(const NginxChild&) = delete;
  NginxChild& operator=(const NginxChild&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Returns the CPU seconds (user + system) of the master and its live
  // workers so far.
  double CpuSeconds() const;

 private:
  NginxChild() = default;
  // Writes <dir>/nginx.conf around `http_body` and starts nginx on it.
  static absl::StatusOr<std::unique_ptr<NginxChild>> Start(const std::string& binary,
                                                           const std::string& dir, int port,
                                                           const std::string& http_body);

  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_NGINX_CHILD_H_
