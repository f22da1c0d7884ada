// vitrine apt-hook: the endpoint's gate in front of dpkg. apt runs it as a
// DPkg::Pre-Install-Pkgs hook (apt_install_hook.cc writes the snippet) and
// writes to it, before anything is unpacked, the .deb files it is about to
// install (apt_hook_input.h). Each is judged as `vitrine verify` would:
// offline from its bundle when one lies beside it (<file>.vitrine.json),
// else online (FindByDigest). Any package refused, or that could not be
// judged, fails the hook, and apt aborts with nothing unpacked.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/bundle_file.h"
#include "client/cli/apt_hook_input.h"
#include "client/cli/artifact_decision.h"
#include "client/cli/command.h"
#include "client/cli/log_flags.h"
#include "common/file.h"
#include "log/note/policy.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    {"policy", "", "the endpoint's policy file (required)"},
    kLogFlag,
    {"log_key", "", "the log's verifier key file (default: the policy's log "
                    "key, when it trusts one log)"},
    kTimeoutFlag,
};

// apt's configuration dump comes first: tens of KiB on a usual system.
constexpr size_t kMaxInputSize = 16 << 20;

// Returns everything on `fd` up to EOF (at most kMaxInputSize bytes).
absl::StatusOr<std::string> ReadAll(int fd) {
  std::string text;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "reading the apt hook input");
    }
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxInputSize) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the apt hook input is over ", kMaxInputSize, " bytes"));
    }
  }
}

// The descriptor apt writes to: APT_HOOK_INFO_FD when apt set it
// (DPkg::Tools::options::<cmd>::InfoFD), else standard input.
int InfoFd() {
  const char* value = std::getenv("APT_HOOK_INFO_FD");
  int fd = STDIN_FILENO;
  if (value == nullptr || !absl::SimpleAtoi(value, &fd) || fd < 0) {
    return STDIN_FILENO;
  }
  return fd;
}

int Run(const Flags& flags) {
  if (!flags.positional().empty()) {
    return Fail("apt-hook", absl::InvalidArgumentError(
                                "takes no arguments: apt writes the packages to "
                                "its standard input"));
  }
  absl::StatusOr<std::string> policy_path = flags.Require("policy");
  if (!policy_path.ok()) return Fail("apt-hook", policy_path.status());
  absl::StatusOr<note::Policy> policy = ReadPolicyFile(*policy_path);
  if (!policy.ok()) return Fail("apt-hook", policy.status());
  absl::StatusOr<std::string> text = ReadAll(InfoFd());
  if (!text.ok()) return Fail("apt-hook", text.status());
  absl::StatusOr<AptHookInput> input = ParseAptHookInput(*text);
  if (!input.ok()) return Fail("apt-hook", input.status());

  // Opened once, at the first package with no bundle beside it.
  std::optional<absl::StatusOr<LogConnection>> log;
  int failed = 0;
  for (const std::string& deb : input->debs) {
    const std::string bundle_path = client::BundlePathFor(deb);
    ArtifactDecision decision;
    if (PathExists(bundle_path)) {
      decision = DecideOffline(deb, bundle_path, *policy, nullptr);
    } else {
      if (!log.has_value()) log = ConnectToPolicyLog(flags, *policy);
      decision = DecideOnline(deb, *log, *policy);
    }
    switch (decision.ExitCode()) {
      case kExitOk: {
        const client::VerifiedBundle& verified = *decision.verified;
        std::printf("vitrine: accepted %s: %s %s by %s, index %llu of %s (%s)\n",
                    EscapeForTerminal(deb).c_str(),
                    verified.statement.artifact.c_str(),
                    verified.statement.version.c_str(),
                    verified.statement.vendor.c_str(),
                    static_cast<unsigned long long>(verified.leaf_index),
                    verified.checkpoint.checkpoint.origin.c_str(),
                    decision.bundle == "online" ? "online" : "bundle");
        break;
      }
      case kExitRefused:
        ++failed;
        std::fprintf(stderr, "vitrine: refused %s: %s: %s\n",
                     EscapeForTerminal(deb).c_str(),
                     std::string(client::RefusalName(
                                     client::GetRefusal(decision.status)))
                         .c_str(),
                     EscapeForTerminal(decision.status.message()).c_str());
        break;
      default:
        ++failed;
        std::fprintf(stderr, "vitrine: cannot verify %s: %s\n",
                     EscapeForTerminal(deb).c_str(),
                     EscapeForTerminal(decision.status.message()).c_str());
    }
  }
  std::fflush(stdout);
  if (failed > 0) {
    std::fprintf(stderr,
                 "vitrine: %d of %zu packages refused: nothing is installed\n",
                 failed, input->debs.size());
    return kExitRefused;
  }
  return kExitOk;
}

}  // namespace

const Command& AptHookCommand() {
  static const Command command{
      "apt-hook", "apt's DPkg::Pre-Install-Pkgs gate: refuse unlogged .debs",
      "usage: vitrine apt-hook --policy=POLICY [--log=HOST:PORT[,...]]\n"
      "                        [--log_key=FILE] < APT-HOOK-INPUT\n"
      "\n"
      "Run by apt before dpkg unpacks anything (`vitrine apt-install-hook`\n"
      "configures it), reading what apt writes to the hook: the protocol\n"
      "version 3 or 2 input (a VERSION line, apt's configuration, a blank\n"
      "line, one line per package action) or version 1 (one .deb file a\n"
      "line), from standard input or APT_HOOK_INFO_FD. Each .deb about to be\n"
      "unpacked is verified as `vitrine verify` does: offline from\n"
      "<file>.vitrine.json when that lies beside it, else online, looked up\n"
      "in the log by its SHA-256. Prints\n"
      "  vitrine: accepted <file>: <artifact> <version> by <vendor>, index N of <log> (bundle|online)\n"
      "for each package that passes, and on stderr\n"
      "  vitrine: refused <file>: <reason>: <why>\n"
      "  vitrine: cannot verify <file>: <why>      (the log unreachable, ...)\n"
      "Exit 1 when any package is refused or could not be verified: apt then\n"
      "aborts before unpacking anything.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
