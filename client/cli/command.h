// What every `vitrine` subcommand is: a name, a usage text, its flags and a
// Run function, plus the one place that turns an outcome into an exit code:
//
//   0  everything checked (or the action succeeded)
//   1  verification refused: the one reason is printed ("refused: ...")
//   2  usage error, or an I/O or network error (nothing was decided)
//
//   int RunVerify(const Flags& flags) {
//     absl::StatusOr<Policy> policy = ...;
//     if (!policy.ok()) return Fail("verify", policy.status());
//     if (!decision.ok()) return Refuse(decision.status());
//     return kExitOk;
//   }
//
// Thread-compatible; commands run once per process.
#ifndef VITRINE_CLIENT_CLI_COMMAND_H_
#define VITRINE_CLIENT_CLI_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "client/cli/flags.h"

namespace vitrine::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitError = 2;

// The largest statement, policy or checkpoint file a command reads: far
// above any valid one (a statement is at most 16 KiB), so a wrong path to a
// huge file fails fast instead of filling memory.
inline constexpr size_t kMaxInputFileSize = 1 << 20;

struct Command {
  const char* name;
  const char* summary;  // One line for `vitrine --help`.
  const char* usage;    // "usage: ..." and a paragraph; flags are appended.
  absl::Span<const FlagSpec> flags;
  int (*run)(const Flags& flags);
};

// Messages and names a log sends are printed escaped (common/log_escape.h):
// a log cannot move the cursor, recolour or rewrite the user's terminal, or
// add lines that read as the client's own. 4 KiB keeps a long error whole.
inline constexpr size_t kTerminalEscapeMaxBytes = 4096;

// Returns `text` escaped for one line of the terminal (see above).
std::string EscapeForTerminal(absl::string_view text);

// Prints "vitrine <command>: <message>" (escaped) to stderr and returns
// kExitError.
int Fail(absl::string_view command, const absl::Status& status);

// Prints "refused: <reason name>: <message>" (escaped) to stderr and returns
// kExitRefused; the name is client::RefusalName of the status's Refusal
// (verifier.h), a stable word scripts can match.
int Refuse(const absl::Status& status);

// Returns the full --help text of `command`.
std::string CommandHelp(const Command& command);

// Every subcommand, in the order `vitrine --help` lists them.
const std::vector<const Command*>& AllCommands();

// The subcommands, one per file.
const Command& KeygenCommand();
const Command& StatementCommand();
const Command& SubmitCommand();
const Command& BundleCommand();
const Command& VerifyCommand();
const Command& CheckpointCommand();
const Command& ProofCommand();
const Command& EntriesCommand();
const Command& AptHookCommand();
const Command& AptInstallHookCommand();

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_COMMAND_H_
