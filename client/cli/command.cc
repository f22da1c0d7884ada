#include "client/cli/command.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/verifier.h"
#include "common/log_escape.h"

namespace vitrine::cli {

std::string EscapeForTerminal(absl::string_view text) {
  return EscapeForLog(text, kTerminalEscapeMaxBytes);
}

int Fail(absl::string_view command, const absl::Status& status) {
  std::fprintf(stderr, "vitrine %s: %s\n", std::string(command).c_str(),
               EscapeForTerminal(status.message()).c_str());
  return kExitError;
}

int Refuse(const absl::Status& status) {
  // The stable reason name first, for scripts; then the human sentence.
  const client::Refusal refusal = client::GetRefusal(status);
  const std::string name(refusal == client::Refusal::kNone
                             ? absl::string_view("refused")
                             : client::RefusalName(refusal));
  std::fprintf(stderr, "refused: %s: %s\n", name.c_str(),
               EscapeForTerminal(status.message()).c_str());
  return kExitRefused;
}

std::string CommandHelp(const Command& command) {
  return absl::StrCat(command.usage, "\n", FlagsHelp(command.flags),
                      "\nexit status: 0 ok, 1 verification refused (reason "
                      "printed), 2 usage, I/O or network error\n");
}

const std::vector<const Command*>& AllCommands() {
  static const auto* commands = new std::vector<const Command*>{
      &KeygenCommand(),     &StatementCommand(), &SubmitCommand(),
      &BundleCommand(),     &VerifyCommand(),    &CheckpointCommand(),
      &ProofCommand(),      &EntriesCommand(),   &AptHookCommand(),
      &AptInstallHookCommand(),
  };
  return *commands;
}

}  // namespace vitrine::cli
