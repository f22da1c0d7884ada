#include "client/cli/log_flags.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/cli/command.h"
#include "client/verifier.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/policy.h"

namespace vitrine::cli {

absl::StatusOr<LogConnection> ConnectToLog(const Flags& flags) {
  VITRINE_ASSIGN_OR_RETURN(std::string key_path, flags.Require("log_key"));
  VITRINE_ASSIGN_OR_RETURN(std::string log_vkey, note::ReadVerifierKeyFile(key_path));
  VITRINE_ASSIGN_OR_RETURN(uint64_t timeout, flags.GetUint64("timeout_seconds"));
  LogConnection connection;
  client::LogClientOptions options;
  options.deadline = absl::Seconds(timeout);
  if (!flags.Get("state").empty()) {
    VITRINE_ASSIGN_OR_RETURN(connection.state,
                             client::ClientState::Open(flags.Get("state")));
    options.state = connection.state.get();
  }
  if (flags.Has("policy")) {
    const std::string path = flags.Get("policy");
    VITRINE_ASSIGN_OR_RETURN(std::string text,
                             ReadSmallFile(path, kMaxInputFileSize));
    absl::StatusOr<note::Policy> policy = note::ParsePolicy(text);
    if (!policy.ok()) {
      return absl::Status(policy.status().code(),
                          absl::StrCat(path, ": ", policy.status().message()));
    }
    options.witness_vkeys = policy->witness_vkeys();
    options.witness_quorum = policy->witness_quorum();
  }
  VITRINE_ASSIGN_OR_RETURN(
      connection.client,
      client::LogClient::Create(flags.Get("log"),
                                absl::StripAsciiWhitespace(log_vkey), options));
  return connection;
}

int LogFailure(absl::string_view command, const absl::Status& status) {
  if (client::GetRefusal(status) != client::Refusal::kNone) return Refuse(status);
  return Fail(command, status);
}

}  // namespace vitrine::cli
