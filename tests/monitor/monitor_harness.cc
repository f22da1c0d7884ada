#include "tests/monitor/monitor_harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace vitrine::tests {

int ReservePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

std::string InitMonitor(const std::string& data, const std::string& name) {
  Outcome init = RunMonitor({"init", "--data=" + data, "--name=" + name});
  if (init.exit_code != 0) return "";
  for (absl::string_view line : absl::StrSplit(init.out, '\n')) {
    if (absl::ConsumePrefix(&line, "verifier key: ")) return std::string(line);
  }
  return "";
}

ServerProcess StartMonitor(const std::string& data, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"serve", "--data=" + data, "--grpc_listen=127.0.0.1:0",
                                  "--http_listen=127.0.0.1:0"};
  all.insert(all.end(), args.begin(), args.end());
  return ServerProcess::Start(BinaryPath("monitor/server/vitrine-monitor"), all, "data:");
}

Outcome RunMonitor(const std::vector<std::string>& args) {
  return Run(BinaryPath("monitor/server/vitrine-monitor"), args);
}

std::string HttpGet(const std::string& address, const std::string& path) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return "";
  }
  httplib::Client client(address.substr(0, colon), port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  auto response = client.Get(path.c_str());
  return response ? response->body : "";
}

double Metric(const ServerProcess& server, const std::string& series) {
  const std::string text = HttpGet(server.http_address(), "/metrics");
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, series) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(line), &value)) return value;
  }
  return -1;
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

std::vector<std::string> ListFiles(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      std::string name = entry->d_name;
      if (absl::EndsWith(name, suffix)) files.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace vitrine::tests
