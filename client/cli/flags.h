// The small flag parser every `vitrine` subcommand shares: each command
// declares its flags (name, default, help), and the parser accepts
// `--name=value`, `--name value`, a bare `--name` for boolean flags, `--help`
// and positional arguments, refusing anything undeclared so a typo never
// silently falls back to a default.
//
//   static const FlagSpec kFlags[] = {
//       {"policy", "", "the endpoint's policy file"},
//       {"state", "", "folder of the client state (optional)"},
//       {"cosign", "", "add a supervisor signature", /*boolean=*/true},
//   };
//   absl::StatusOr<Flags> flags = ParseFlags(args, kFlags);
//   std::string policy = flags->Get("policy");
//
// Thread-compatible: a Flags is a plain value.
#ifndef VITRINE_CLIENT_CLI_FLAGS_H_
#define VITRINE_CLIENT_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vitrine::cli {

// One flag a command accepts.
struct FlagSpec {
  const char* name;
  const char* default_value;  // Shown in --help; "" means no default.
  const char* help;
  bool boolean = false;  // A bare --name means true.
};

// The parsed command line of one subcommand.
class Flags {
 public:
  // Returns the flag's value, or its declared default when not given.
  std::string Get(absl::string_view name) const;
  // Returns whether the flag was given on the command line.
  bool Has(absl::string_view name) const;
  // Returns a boolean flag ("true"/"1" or "false"/"0").
  bool GetBool(absl::string_view name) const;
  // Returns a flag as a decimal uint64; InvalidArgument naming the flag.
  absl::StatusOr<uint64_t> GetUint64(absl::string_view name) const;
  // Returns the flag's value, InvalidArgument "--name is required" if empty.
  absl::StatusOr<std::string> Require(absl::string_view name) const;

  const std::vector<std::string>& positional() const { return positional_; }
  bool help() const { return help_; }

 private:
  friend absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>&,
                                          absl::Span<const FlagSpec>);
  std::map<std::string, std::string, std::less<>> given_;
  std::map<std::string, std::string, std::less<>> defaults_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

// Parses `args` (after the subcommand) against `specs`. InvalidArgument for
// an unknown flag, a missing value or a malformed boolean. "--" ends flags.
absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args,
                                 absl::Span<const FlagSpec> specs);

// Returns the "flags:" section of a usage text, one line per flag with its
// default.
std::string FlagsHelp(absl::Span<const FlagSpec> specs);

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_FLAGS_H_
