// vitrine apt-install-hook: configures apt to run `vitrine apt-hook` before
// dpkg unpacks anything (apt_hook.cc), by writing one apt.conf snippet,
// <conf_dir>/80vitrine:
//
//   // Written by `vitrine apt-install-hook` ...
//   DPkg::Pre-Install-Pkgs {"/usr/bin/vitrine apt-hook --policy=/etc/vitrine/policy --log=log.example:7400";};
//   DPkg::Tools::Options::/usr/bin/vitrine::Version "3";
//
// apt keys a hook's protocol version by the command's first word, hence the
// binary's path in the second line. `--uninstall` removes the file, and
// only a file this command wrote.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli/apt_hook_input.h"
#include "client/cli/command.h"
#include "client/cli/log_flags.h"
#include "common/file.h"
#include "log/note/key_file.h"
#include "log/note/policy.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    {"policy", "", "the endpoint's policy file the hook judges packages under "
                   "(required; written as an absolute path)"},
    kLogFlag,
    {"log_key", "", "the log's verifier key file (default: the policy's log "
                    "key, when it trusts one log)"},
    kTimeoutFlag,
    {"conf_dir", "/etc/apt/apt.conf.d", "apt's configuration parts folder"},
    {"vitrine", "", "the vitrine binary apt runs (default: this one)"},
    {"uninstall", "false", "remove the snippet instead", true},
};

constexpr absl::string_view kFileName = "80vitrine";
constexpr absl::string_view kMarker = "// Written by `vitrine apt-install-hook`";

// The hook's command line goes through /bin/sh and inside an apt.conf
// string: only characters neither of them reads specially.
absl::Status CheckWritable(absl::string_view flag, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is empty"));
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("._/:,+=@-", c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, "=", EscapeForTerminal(value),
          ": only letters, digits and ._/:,+=@- can go into apt's hook "
          "command line"));
    }
  }
  return absl::OkStatus();
}

// Returns `path` made absolute against the working folder: apt runs the
// hook from its own.
absl::StatusOr<std::string> Absolute(const std::string& path) {
  if (absl::StartsWith(path, "/")) return path;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) {
    return ErrnoStatus(errno, "reading the working folder");
  }
  return absl::StrCat(cwd, "/", path);
}

// Returns the path of this binary.
absl::StatusOr<std::string> SelfPath() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n < 0) return ErrnoStatus(errno, "reading /proc/self/exe");
  return std::string(path, static_cast<size_t>(n));
}

absl::StatusOr<std::string> Snippet(const Flags& flags) {
  absl::StatusOr<std::string> policy_path = flags.Require("policy");
  if (!policy_path.ok()) return policy_path.status();
  policy_path = Absolute(*policy_path);
  if (!policy_path.ok()) return policy_path.status();
  // A hook with a policy it cannot read would refuse every package.
  absl::StatusOr<note::Policy> policy = ReadPolicyFile(*policy_path);
  if (!policy.ok()) return policy.status();
  absl::StatusOr<std::vector<std::string>> endpoints =
      ParseLogEndpoints(flags.Get("log"));
  if (!endpoints.ok()) return endpoints.status();
  absl::StatusOr<uint64_t> timeout = flags.GetUint64("timeout_seconds");
  if (!timeout.ok()) return timeout.status();
  absl::StatusOr<std::string> binary =
      flags.Has("vitrine") ? Absolute(flags.Get("vitrine")) : SelfPath();
  if (!binary.ok()) return binary.status();

  const std::string log = absl::StrJoin(*endpoints, ",");
  if (absl::Status s = CheckWritable("vitrine", *binary); !s.ok()) return s;
  if (absl::Status s = CheckWritable("policy", *policy_path); !s.ok()) return s;
  if (absl::Status s = CheckWritable("log", log); !s.ok()) return s;
  std::vector<std::string> command = {*binary, "apt-hook",
                                      absl::StrCat("--policy=", *policy_path),
                                      absl::StrCat("--log=", log)};
  if (flags.Has("log_key")) {
    absl::StatusOr<std::string> key_path = Absolute(flags.Get("log_key"));
    if (!key_path.ok()) return key_path.status();
    absl::StatusOr<std::string> key = note::ReadVerifierKeyFile(*key_path);
    if (!key.ok()) return key.status();
    if (absl::Status s = CheckWritable("log_key", *key_path); !s.ok()) return s;
    command.push_back(absl::StrCat("--log_key=", *key_path));
  } else if (policy->log_vkeys().size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        *policy_path, " trusts ", policy->log_vkeys().size(),
        " logs: name the one the hook asks with --log_key=FILE"));
  }
  if (flags.Has("timeout_seconds")) {
    command.push_back(absl::StrCat("--timeout_seconds=", *timeout));
  }
  return absl::StrCat(
      kMarker, "; `vitrine apt-install-hook --uninstall` removes it.\n",
      "// apt runs the hook before dpkg unpacks anything, with the .deb files\n"
      "// it will install: a package not logged under the policy is refused,\n"
      "// and apt aborts.\n",
      "DPkg::Pre-Install-Pkgs {\"", absl::StrJoin(command, " "), "\";};\n",
      "DPkg::Tools::Options::", *binary, "::Version \"", kAptHookVersion, "\";\n");
}

// Checks that the file at `path`, if there, is one this command wrote:
// someone else's is neither replaced nor removed.
absl::Status CheckOurs(const std::string& path) {
  if (!PathExists(path)) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxInputFileSize);
  if (!text.ok()) return text.status();
  if (!absl::StartsWith(*text, kMarker)) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " was not written by vitrine apt-install-hook: left as it is"));
  }
  return absl::OkStatus();
}

int Uninstall(const std::string& path) {
  if (!PathExists(path)) {
    std::printf("%s: not there, nothing to remove\n", path.c_str());
    return kExitOk;
  }
  if (absl::Status s = CheckOurs(path); !s.ok()) return Fail("apt-install-hook", s);
  if (unlink(path.c_str()) != 0) {
    return Fail("apt-install-hook", ErrnoStatus(errno, absl::StrCat("removing ", path)));
  }
  std::printf("%s: removed\n", path.c_str());
  return kExitOk;
}

int Run(const Flags& flags) {
  if (!flags.positional().empty()) {
    return Fail("apt-install-hook", absl::InvalidArgumentError("takes no arguments"));
  }
  const std::string path = absl::StrCat(flags.Get("conf_dir"), "/", kFileName);
  if (flags.GetBool("uninstall")) return Uninstall(path);
  absl::StatusOr<std::string> snippet = Snippet(flags);
  if (!snippet.ok()) return Fail("apt-install-hook", snippet.status());
  if (absl::Status s = CheckOurs(path); !s.ok()) return Fail("apt-install-hook", s);
  if (absl::Status s = WriteFileAtomically(path, *snippet, 0644); !s.ok()) {
    return Fail("apt-install-hook", s);
  }
  std::printf("%s: written; apt now runs `vitrine apt-hook` before unpacking\n",
              path.c_str());
  return kExitOk;
}

}  // namespace

const Command& AptInstallHookCommand() {
  static const Command command{
      "apt-install-hook", "configure apt to run `vitrine apt-hook` (or --uninstall)",
      "usage: vitrine apt-install-hook --policy=POLICY [--log=HOST:PORT[,...]]\n"
      "           [--log_key=FILE] [--timeout_seconds=N] [--conf_dir=DIR]\n"
      "           [--vitrine=BINARY]\n"
      "       vitrine apt-install-hook --uninstall [--conf_dir=DIR]\n"
      "\n"
      "Writes DIR/80vitrine (default /etc/apt/apt.conf.d/80vitrine): a\n"
      "DPkg::Pre-Install-Pkgs line running `vitrine apt-hook` with these\n"
      "options, and DPkg::Tools::Options::<binary>::Version \"3\" so that apt\n"
      "sends it the version 3 hook input. The policy is checked first (a\n"
      "hook that cannot read it would refuse every package). --uninstall\n"
      "removes the file; either leaves a file of that name alone unless this\n"
      "command wrote it.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
