#include "bench/internal/nginx_child.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/internal/child_process.h"
#include "bench/internal/http_loops.h"

namespace vitrine::bench {
namespace {

// Shared by both configs: keep-alive for the whole run (nginx's default
// closes a connection after 1,000 requests), temp folders inside `dir`.
std::string HttpCommon(const std::string& dir) {
  return absl::StrCat("  sendfile on; tcp_nopush on; tcp_nodelay on;\n"
                      "  keepalive_timeout 60; keepalive_requests 1000000;\n"
                      "  default_type application/octet-stream;\n"
                      "  client_body_temp_path ", dir, "/client_temp;\n"
                      "  proxy_temp_path ", dir, "/proxy_temp;\n"
                      "  fastcgi_temp_path ", dir, "/fastcgi_temp;\n"
                      "  uwsgi_temp_path ", dir, "/uwsgi_temp;\n"
                      "  scgi_temp_path ", dir, "/scgi_temp;\n");
}

}  // namespace

absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) close(fd);
  if (!ok) return absl::UnavailableError("no free port on 127.0.0.1");
  return ntohs(address.sin_port);
}

absl::StatusOr<std::unique_ptr<NginxChild>> NginxChild::StartStatic(const std::string& binary,
                                                                    const std::string& dir,
                                                                    const std::string& root) {
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  return Start(binary, dir, *port,
               absl::StrCat("  access_log off;\n"
                            "  open_file_cache max=10000 inactive=60s;\n"
                            "  server {\n"
                            "    listen 127.0.0.1:", *port, " backlog=4096;\n"
                            "    root ", root, ";\n"
                            "    location / { add_header Cache-Control \"public, "
                            "max-age=31536000, immutable\"; }\n"
                            "  }\n"));
}

absl::StatusOr<std::unique_ptr<NginxChild>> NginxChild::StartCache(
    const std::string& binary, const std::string& dir, const std::string& template_path,
    const std::string& upstream) {
  std::ifstream in(template_path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InternalError(absl::StrCat("cannot read ", template_path));
  }
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  const std::string conf = dir + "/vitrine-cache.conf";
  std::filesystem::create_directories(dir);
  std::ofstream(conf) << absl::StrReplaceAll(
      text.str(), {{"__UPSTREAM__", upstream},
                   {"__LISTEN__", absl::StrCat("127.0.0.1:", *port, " backlog=4096")},
                   {"__CACHE_DIR__", dir + "/cache"},
                   {"__ACCESS_LOG__", dir + "/access.log"}});
  return Start(binary, dir, *port, absl::StrCat("  include ", conf, ";\n"));
}

absl::StatusOr<std::unique_ptr<NginxChild>> NginxChild::Start(const std::string& binary,
                                                              const std::string& dir, int port,
                                                              const std::string& http_body) {
  std::filesystem::create_directories(dir);
  const std::string conf = dir + "/nginx.conf";
  const std::string error_log = dir + "/error.log";
  // As root, workers stay root so that they can reach the caller's folders.
  std::ofstream(conf) << (geteuid() == 0 ? "user root;\n" : "") << "worker_processes auto;\n"
                      << "pid " << dir << "/nginx.pid;\n"
                      << "error_log " << error_log << " warn;\n"
                      << "events { worker_connections 4096; }\n"
                      << "http {\n"
                      << HttpCommon(dir) << http_body << "}\n";
  std::unique_ptr<NginxChild> child(new NginxChild());
  child->port_ = port;
  const pid_t parent = getpid();
  child->pid_ = fork();
  if (child->pid_ < 0) return absl::InternalError("fork");
  if (child->pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    execl(binary.c_str(), binary.c_str(), "-p", dir.c_str(), "-e", error_log.c_str(), "-c",
          conf.c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
    _exit(127);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!HttpClientConnection::Connect(port).ok()) {
    if (absl::Now() > deadline || waitpid(child->pid_, nullptr, WNOHANG) == child->pid_) {
      child->pid_ = -1;
      return absl::InternalError(absl::StrCat("nginx did not start; see ", error_log));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return child;
}

NginxChild::~NginxChild() {
  if (pid_ <= 0) return;
  kill(pid_, SIGQUIT);  // graceful: the master stops its workers
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    absl::SleepFor(absl::Milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

double NginxChild::CpuSeconds() const {
  double seconds = CpuSecondsOf(pid_);
  // The workers: every process whose parent is the master (/proc/<pid>/stat
  // field 4; the name in field 2 is "(nginx)", without spaces).
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const std::vector<std::string> fields = absl::StrSplit(line, ' ');
    pid_t parent = 0;
    if (fields.size() > 3 && absl::SimpleAtoi(fields[3], &parent) && parent == pid_) {
      seconds += CpuSecondsOf(pid);
    }
  }
  return seconds;
}

}  // namespace vitrine::bench
