// What apt writes to a DPkg::Pre-Install-Pkgs hook (apt.conf(5), "Pre-
// Install-Pkgs"; DPkg::Tools::options::<cmd>::Version picks the protocol):
//
//   version 1: one .deb file name a line;
//   version 2: "VERSION 2", then the configuration space as key=value lines
//     (%-encoded), a blank line, then one line per package action of five
//     fields separated by single spaces:
//       <package> <old version> <direction: < > => <new version> <action>
//   version 3: the same with "VERSION 3", and after each version field the
//     architecture and the Multi-Arch type (nine fields):
//       <package> <old version> <old arch> <old multi-arch> <direction>
//       <new version> <new arch> <new multi-arch> <action>
//     for example, from a real `apt-get install ./hello_1.0_all.deb`:
//       hello - - none < 1.0 all none /tmp/pkgs/hello_1.0_all.deb
//
// The action is **CONFIGURE**, **REMOVE**, or the file name of a .deb about
// to be unpacked: those file names are what the hook must judge. The action
// is the rest of the line after the fixed fields, so a file name with
// spaces stays whole.
//
//   VITRINE_ASSIGN_OR_RETURN(AptHookInput input, ParseAptHookInput(stdin_text));
//   for (const std::string& deb : input.debs) ...
//
// Thread-safe (pure functions).
#ifndef VITRINE_CLIENT_CLI_APT_HOOK_INPUT_H_
#define VITRINE_CLIENT_CLI_APT_HOOK_INPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::cli {

// The hook protocol version apt is asked for (apt-install-hook writes it);
// 2 is read too, and 1 (bare file names) when no VERSION line comes first.
inline constexpr int kAptHookVersion = 3;

struct AptHookInput {
  int version = 1;
  // The .deb files apt will unpack, in the order given.
  std::vector<std::string> debs;
};

// Parses the whole hook input. InvalidArgument, naming the line, for a
// VERSION other than 1-3, a configuration section with no blank line after
// it, or an action line with too few fields or a direction other than
// <, > or =.
absl::StatusOr<AptHookInput> ParseAptHookInput(absl::string_view input);

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_APT_HOOK_INPUT_H_
