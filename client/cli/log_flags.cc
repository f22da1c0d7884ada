#include "client/cli/log_flags.h"

#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/cli/command.h"
#include "client/verifier.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/policy.h"

namespace vitrine::cli {

namespace {

// Opens --state when given and creates the client on the endpoints of
// --log, pinning `log_vkey`, with the witnesses of `policy` when not null.
absl::StatusOr<LogConnection> Connect(const Flags& flags,
                                      absl::string_view log_vkey,
                                      const note::Policy* policy) {
  VITRINE_ASSIGN_OR_RETURN(uint64_t timeout, flags.GetUint64("timeout_seconds"));
  LogConnection connection;
  client::LogClientOptions options;
  options.deadline = absl::Seconds(timeout);
  if (!flags.Get("state").empty()) {
    VITRINE_ASSIGN_OR_RETURN(connection.state,
                             client::ClientState::Open(flags.Get("state")));
    options.state = connection.state.get();
  }
  if (policy != nullptr) {
    options.witness_vkeys = policy->witness_vkeys();
    options.witness_quorum = policy->witness_quorum();
  }
  VITRINE_ASSIGN_OR_RETURN(std::vector<std::string> endpoints,
                           ParseLogEndpoints(flags.Get("log")));
  // A mirror that lies is news even when the next endpoint answers; one
  // that is down is not.
  options.on_failover = [](const std::string& endpoint,
                           const absl::Status& failure) {
    const client::Refusal refusal = client::GetRefusal(failure);
    if (refusal == client::Refusal::kNone) return;
    std::fprintf(stderr, "vitrine: %s\n",
                 EscapeForTerminal(absl::StrCat(
                     endpoint, ": refused: ", client::RefusalName(refusal),
                     ": ", failure.message(), ", trying the next endpoint"))
                     .c_str());
  };
  VITRINE_ASSIGN_OR_RETURN(
      connection.client,
      client::LogClient::Create(endpoints, absl::StripAsciiWhitespace(log_vkey),
                                options));
  return connection;
}

}  // namespace

absl::StatusOr<LogConnection> ConnectToLog(const Flags& flags) {
  VITRINE_ASSIGN_OR_RETURN(std::string key_path, flags.Require("log_key"));
  VITRINE_ASSIGN_OR_RETURN(std::string log_vkey, note::ReadVerifierKeyFile(key_path));
  std::optional<note::Policy> policy;
  if (flags.Has("policy")) {
    VITRINE_ASSIGN_OR_RETURN(policy, ReadPolicyFile(flags.Get("policy")));
  }
  return Connect(flags, log_vkey, policy.has_value() ? &*policy : nullptr);
}

absl::StatusOr<LogConnection> ConnectToPolicyLog(const Flags& flags,
                                                 const note::Policy& policy) {
  if (!flags.Get("log_key").empty()) {
    VITRINE_ASSIGN_OR_RETURN(std::string log_vkey,
                             note::ReadVerifierKeyFile(flags.Get("log_key")));
    return Connect(flags, log_vkey, &policy);
  }
  if (policy.log_vkeys().size() != 1) {
    std::vector<std::string> names;
    for (const std::string& vkey : policy.log_vkeys()) {
      names.push_back(vkey.substr(0, vkey.find('+')));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "the policy trusts ", policy.log_vkeys().size(), " logs (",
        absl::StrJoin(names, ", "),
        "): name the one to ask with --log_key=FILE"));
  }
  return Connect(flags, policy.log_vkeys()[0], &policy);
}

absl::StatusOr<note::Policy> ReadPolicyFile(const std::string& path) {
  VITRINE_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kMaxInputFileSize));
  absl::StatusOr<note::Policy> policy = note::ParsePolicy(text);
  if (!policy.ok()) {
    return absl::Status(policy.status().code(),
                        absl::StrCat(path, ": ", policy.status().message()));
  }
  return policy;
}

absl::StatusOr<std::vector<std::string>> ParseLogEndpoints(
    absl::string_view value) {
  std::vector<std::string> endpoints;
  for (absl::string_view part : absl::StrSplit(value, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--log: an empty address in \"", EscapeForTerminal(value),
          "\" (host:port, or several separated by commas)"));
    }
    endpoints.emplace_back(part);
  }
  return endpoints;
}

int LogFailure(absl::string_view command, const absl::Status& status) {
  if (client::GetRefusal(status) != client::Refusal::kNone) return Refuse(status);
  return Fail(command, status);
}

}  // namespace vitrine::cli
