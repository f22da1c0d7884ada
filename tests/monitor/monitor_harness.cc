#include "tests/monitor/monitor_harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/statement.h"
#include "proto/vitrine/v1/log.grpc.pb.h"

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

ServerProcess StartMonitorLoggingTo(const std::string& data,
                                    const std::vector<std::string>& args,
                                    const std::string& stderr_path) {
  std::vector<std::string> all = {"-c", "f=$1; shift; exec \"$@\" 2>>\"$f\"", "sh", stderr_path,
                                  BinaryPath("monitor/server/vitrine-monitor"), "serve",
                                  "--data=" + data, "--grpc_listen=127.0.0.1:0",
                                  "--http_listen=127.0.0.1:0"};
  all.insert(all.end(), args.begin(), args.end());
  return ServerProcess::Start("/bin/sh", all, "data:");
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

VendorKey MakeVendorKey(const std::string& name) {
  absl::StatusOr<note::GeneratedKey> key =
      note::GenerateKey(name, note::SignatureType::kEd25519);
  if (!key.ok()) return {};
  return {key->verifier_key, key->signer_key};
}

std::vector<std::string> MakeStatements(const VendorKey& vendor, int first, int count,
                                        const std::string& history) {
  std::vector<std::string> out;
  absl::StatusOr<std::unique_ptr<note::Signer>> signer = note::NewSigner(vendor.signer_key);
  if (!signer.ok()) return out;
  for (int i = first; i < first + count; ++i) {
    note::Statement statement;
    statement.vendor = (*signer)->Name();
    statement.artifact = absl::StrCat("tool-", i);
    statement.version = absl::StrCat("1.0.", i);
    statement.sha256 = merkle::HashLeaf(absl::StrCat(history, "-", i));
    absl::StatusOr<std::string> signed_statement = note::SignStatement(statement, **signer);
    if (signed_statement.ok()) out.push_back(*std::move(signed_statement));
  }
  return out;
}

bool AddStatements(const std::string& address, const std::vector<std::string>& statements) {
  std::unique_ptr<vitrine::v1::Log::Stub> stub = vitrine::v1::Log::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (size_t begin = 0; begin < statements.size(); begin += 1000) {
    vitrine::v1::AddRequest request;
    for (size_t i = begin; i < std::min(statements.size(), begin + 1000); ++i) {
      request.add_statements(statements[i]);
    }
    vitrine::v1::AddResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status status = stub->Add(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "Add: %s\n", status.error_message().c_str());
      return false;
    }
    for (const vitrine::v1::AddResult& result : response.results()) {
      if (result.has_error()) {
        std::fprintf(stderr, "Add: %s\n", result.error().message().c_str());
        return false;
      }
    }
  }
  return true;
}

LogAndMonitorData MakeLogAndMonitorData(const std::string& name, const std::string& origin,
                                        const std::vector<std::string>& vendors) {
  LogAndMonitorData out;
  out.dir = FreshDir(name);
  out.log_data = out.dir + "/log";
  out.monitor_data = out.dir + "/monitor";
  const std::string vendor_lines = absl::StrCat(absl::StrJoin(vendors, "\n"), "\n");
  const std::string log_vkey = InitLog(out.log_data, origin);
  if (log_vkey.empty() || InitMonitor(out.monitor_data, "m.test/witness").empty()) return out;
  WriteFileOrDie(out.log_data + "/vendors", vendor_lines);
  WriteFileOrDie(out.monitor_data + "/vendors", vendor_lines);
  out.log_vkey = log_vkey;
  return out;
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

absl::StatusOr<std::string> SubmitRelease(const std::string& dir,
                                          const std::string& log_address,
                                          const std::string& log_vkey_path, int n) {
  const std::string artifact = absl::StrCat(dir, "/tool-", n, ".tar.gz");
  WriteFileOrDie(artifact, absl::StrCat("release ", n, "\n"));
  Outcome statement = RunVitrine({"statement", "--key=" + dir + "/acme.key",
                                  "--artifact=" + artifact,
                                  absl::StrCat("--version=1.0.", n)});
  if (statement.exit_code != 0) {
    return absl::InternalError(absl::StrCat("vitrine statement: ", statement.err));
  }
  Outcome submit = RunVitrine({"submit", "--log=" + log_address,
                               "--log_key=" + log_vkey_path, artifact + ".statement"});
  if (submit.exit_code != 0) {
    return absl::InternalError(absl::StrCat("vitrine submit: ", submit.err));
  }
  return artifact;
}

}  // namespace vitrine::tests
