// vitrine verify: the endpoint's decision: may this artifact be installed?
// Offline, checks the artifact against its bundle under a policy
// (client/verifier.h); with --online, looks its SHA-256 up in the log
// instead and judges what the log holds the same way
// (client/online_lookup.h), optionally saving the accepted bundle. Either
// way, optionally against the last checkpoint this client saw (--state).
// The decision and its printed forms are artifact_decision.h's.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/bundle_file.h"
#include "client/cli/artifact_decision.h"
#include "client/cli/command.h"
#include "client/cli/json_output.h"
#include "client/cli/log_flags.h"
#include "client/client_state.h"
#include "log/note/policy.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    {"policy", "", "the endpoint's policy file: log, witness, vendor, supervisor "
                   "and rebuilder keys"},
    {"bundle", "", "the bundle file (default: ARTIFACT.vitrine.json); with "
                   "--online --save, where the bundle is written"},
    {"state", "", "client state folder: refuse a checkpoint older than the last "
                  "seen, then remember this one (optional)"},
    {"online", "false", "look the artifact up in the log (FindByDigest) instead "
                        "of reading its bundle", true},
    {"save", "false", "with --online: write the accepted bundle to --bundle "
                      "(default ARTIFACT.vitrine.json), for offline checks",
     true},
    kJsonFlag,
    kLogFlag,
    {"log_key", "", "with --online: the log's verifier key file (default: the "
                    "policy's log key, when it trusts one log)"},
    kTimeoutFlag,
};

// The flags only --online reads: given without it, they are a mistake the
// user should hear of, not silently ignore.
absl::Status CheckOnlineFlags(const Flags& flags) {
  if (flags.GetBool("online")) return absl::OkStatus();
  for (const char* name : {"save", "log", "log_key", "timeout_seconds"}) {
    if (flags.Has(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " needs --online"));
    }
  }
  return absl::OkStatus();
}

// Decides online, then writes the accepted bundle when --save.
ArtifactDecision DecideOnlineAndSave(const Flags& flags, const std::string& artifact,
                                     const std::string& bundle_path,
                                     const note::Policy& policy) {
  absl::StatusOr<LogConnection> log = ConnectToPolicyLog(flags, policy);
  ArtifactDecision decision = DecideOnline(artifact, log, policy);
  if (decision.status.ok() && flags.GetBool("save")) {
    decision.status = client::WriteBundleFile(bundle_path, *decision.judged);
    if (decision.status.ok()) decision.saved = bundle_path;
  }
  return decision;
}

int Run(const Flags& flags) {
  const bool json = flags.GetBool("json");
  // Usage errors print as they always did, even with --json: there is no
  // decision to describe.
  if (flags.positional().size() != 1) {
    return Fail("verify", absl::InvalidArgumentError("wants one ARTIFACT argument"));
  }
  if (absl::Status s = CheckOnlineFlags(flags); !s.ok()) return Fail("verify", s);
  const std::string& artifact = flags.positional()[0];
  absl::StatusOr<std::string> policy_path = flags.Require("policy");
  if (!policy_path.ok()) return Fail("verify", policy_path.status());
  absl::StatusOr<note::Policy> policy = ReadPolicyFile(*policy_path);
  if (!policy.ok()) return Fail("verify", policy.status());
  const std::string bundle_path =
      flags.Has("bundle") ? flags.Get("bundle") : client::BundlePathFor(artifact);

  ArtifactDecision decision;
  if (flags.GetBool("online")) {
    decision = DecideOnlineAndSave(flags, artifact, bundle_path, *policy);
  } else {
    std::unique_ptr<client::ClientState> state;
    if (flags.Has("state")) {
      absl::StatusOr<std::unique_ptr<client::ClientState>> opened =
          client::ClientState::Open(flags.Get("state"));
      if (!opened.ok()) return Fail("verify", opened.status());
      state = *std::move(opened);
    }
    decision = DecideOffline(artifact, bundle_path, *policy, state.get());
  }
  if (!json) {
    const int code = PrintDecisionText("verify", decision, *policy);
    if (decision.saved.has_value()) {
      std::printf("saved the bundle to %s\n", decision.saved->c_str());
    }
    return code;
  }
  const std::string text = DecisionJson(decision, *policy);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return decision.ExitCode();
}

}  // namespace

const Command& VerifyCommand() {
  static const Command command{
      "verify", "may this artifact be installed? (artifact + bundle, or the log, + policy)",
      "usage: vitrine verify --policy=POLICY [--bundle=FILE] [--state=DIR] [--json]\n"
      "                      ARTIFACT\n"
      "       vitrine verify --online --log=HOST:PORT[,...] --policy=POLICY\n"
      "                      [--log_key=FILE] [--save [--bundle=FILE]] [--json]\n"
      "                      ARTIFACT\n"
      "\n"
      "Checks, with no network, that ARTIFACT's SHA-256 is the one its release\n"
      "statement names, that an accepted vendor (and the required supervisors)\n"
      "signed the statement, that the policy's log signed the checkpoint and\n"
      "enough of its witnesses cosigned it, and that the inclusion proof puts\n"
      "the statement in that checkpoint's tree. When the policy lists\n"
      "rebuilders, the bundle's rebuild statements must show rebuild-quorum\n"
      "of them reproducing the artifact from the release's source, and none\n"
      "getting another digest. Exit 0 prints\n"
      "  OK: <artifact> <version> by <vendor> is logged at index N of <log> (size S)\n"
      "and, when the policy lists rebuilders,\n"
      "  rebuilt by K trusted rebuilders (rebuild-quorum Q): <name>, <name>\n"
      "exit 1 prints \"refused: <reason>: <why>\" - do not install (reasons\n"
      "include rebuild-missing and rebuild-mismatch).\n"
      "\n"
      "With --online there is no bundle to read: the artifact's SHA-256 is\n"
      "looked up in the log (the policy's log key, or --log_key; every answer\n"
      "verified) and each release statement it holds for it is checked as\n"
      "above, with the rebuild statements logged about it (against the latest\n"
      "witnessed checkpoint when the policy wants witnesses); one that passes\n"
      "is enough. A digest the log does not know is refused not-logged. With\n"
      "--save, the accepted bundle is written for later offline checks\n"
      "(\"saved the bundle to FILE\"). --json prints one JSON object instead.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
