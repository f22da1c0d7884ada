// What the online subcommands (submit, bundle, checkpoint, proof, entries)
// share: the flags that name and pin a log, and one verifying LogClient
// built from them, with the optional client state behind it.
//
//   const FlagSpec kFlags[] = {kLogFlag, kLogKeyFlag, kStateFlag,
//                              kTimeoutFlag, {"out", "", "..."}};
//   VITRINE_ASSIGN_OR_RETURN(LogConnection log, ConnectToLog(flags));
//   absl::StatusOr<note::VerifiedCheckpoint> head = log.client->GetCheckpoint();
//   if (!head.ok()) return LogFailure("checkpoint", head.status());
//
// Thread-compatible.
#ifndef VITRINE_CLIENT_CLI_LOG_FLAGS_H_
#define VITRINE_CLIENT_CLI_LOG_FLAGS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/cli/flags.h"
#include "client/client_state.h"
#include "client/log_client.h"
#include "log/note/policy.h"

namespace vitrine::cli {

inline constexpr FlagSpec kLogFlag{
    "log", "127.0.0.1:7400",
    "the log's gRPC address host:port, or a comma-separated list of the "
    "log's endpoints (the log and its mirrors, e.g. "
    "log.example:7400,mirror.example:7401): a call moves on to the next when "
    "one is down or refused, and stays with the one that answered"};
inline constexpr FlagSpec kLogKeyFlag{
    "log_key", "", "file holding the log's verifier key (required; e.g. DATA/log.vkey)"};
inline constexpr FlagSpec kStateFlag{
    "state", "", "client state folder: remembers the last checkpoint seen, refuses "
                 "rollbacks and forks (optional)"};
inline constexpr FlagSpec kTimeoutFlag{"timeout_seconds", "30",
                                       "deadline of each call to the log"};
// For commands that read witnessed checkpoints (--witnessed): the witness
// keys and quorum those must carry come from the endpoint's policy file.
inline constexpr FlagSpec kWitnessPolicyFlag{
    "policy", "", "policy file whose witness keys and witness-quorum a "
                  "--witnessed checkpoint must meet"};

// A verifying client and the state it writes to (declared first: the
// client holds a pointer to it).
struct LogConnection {
  std::unique_ptr<client::ClientState> state;
  std::unique_ptr<client::LogClient> client;
};

// Reads --log_key, opens --state when given, takes the witness keys and
// quorum of --policy when given, and creates the client on the endpoints of
// --log. With several endpoints, each one refused on the way (a mirror
// that lied) is reported on stderr as "vitrine: <endpoint>: refused:
// <reason>: <message>, trying the next endpoint".
absl::StatusOr<LogConnection> ConnectToLog(const Flags& flags);

// Like ConnectToLog, for commands that judge artifacts under a policy
// already read (verify --online, apt-hook): the log's key is --log_key when
// given, else the policy's log key when it trusts exactly one log
// (InvalidArgument naming them when several), and the witness keys and
// quorum are the policy's.
absl::StatusOr<LogConnection> ConnectToPolicyLog(const Flags& flags,
                                                 const note::Policy& policy);

// Returns the policy in the file at `path` (at most kMaxInputFileSize
// bytes); a policy that does not parse keeps its code, its message prefixed
// with "<path>: ".
absl::StatusOr<note::Policy> ReadPolicyFile(const std::string& path);

// Returns the endpoints of a --log value: comma-separated host:port
// addresses, surrounding spaces ignored. InvalidArgument for an empty one.
absl::StatusOr<std::vector<std::string>> ParseLogEndpoints(
    absl::string_view value);

// Returns the exit code for a failed call: a verification failure (a
// client::Refusal) is printed as "refused: <name>: <reason>" and is exit 1;
// anything else (network, the log's own error, I/O) is exit 2.
int LogFailure(absl::string_view command, const absl::Status& status);

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_LOG_FLAGS_H_
