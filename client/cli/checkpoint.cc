// vitrine checkpoint: the log's latest checkpoint, verified against the
// pinned key and (with --state) consistent with the last one seen.
#include <cstdio>

#include "client/cli/command.h"
#include "client/cli/json_output.h"
#include "client/cli/log_flags.h"
#include "log/note/note.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    kLogFlag, kLogKeyFlag, kStateFlag, kTimeoutFlag, kWitnessPolicyFlag, kJsonFlag,
    {"witnessed", "false", "the latest checkpoint carrying the witness quorum", true},
};

int Run(const Flags& flags) {
  if (!flags.positional().empty()) {
    return Fail("checkpoint", absl::InvalidArgumentError("takes no arguments"));
  }
  absl::StatusOr<LogConnection> log = ConnectToLog(flags);
  if (!log.ok()) return Fail("checkpoint", log.status());
  absl::StatusOr<note::VerifiedCheckpoint> head =
      log->client->GetCheckpoint(flags.GetBool("witnessed"));
  if (!head.ok()) return LogFailure("checkpoint", head.status());
  if (flags.GetBool("json")) {
    std::printf("%s", CheckpointJson(*head, flags.GetBool("witnessed")).c_str());
    return kExitOk;
  }
  // The signed note on stdout, so it can be kept (and fed to `proof
  // --consistency`); the summary on stderr.
  std::printf("%s", note::FormatNote(head->note.note).c_str());
  std::fprintf(stderr, "verified: %s size %llu root %s\n",
               EscapeForTerminal(head->checkpoint.origin).c_str(),
               static_cast<unsigned long long>(head->checkpoint.size),
               head->checkpoint.root.ToHex().c_str());
  return kExitOk;
}

}  // namespace

const Command& CheckpointCommand() {
  static const Command command{
      "checkpoint", "print the log's latest checkpoint, verified",
      "usage: vitrine checkpoint --log=HOST:PORT --log_key=LOG.vkey [--state=DIR] [--json]\n"
      "\n"
      "Prints the checkpoint's text (origin, size, root) on stdout once its\n"
      "signature verifies under the pinned key; with --state, only if it is\n"
      "consistent with the last checkpoint seen (proven), which it replaces.\n"
      "With --json, prints one JSON object instead: origin, size, root (base64),\n"
      "note (the signed note), witnessed, cosignatures (name, key_id).\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
