// vitrine verify: the endpoint's decision, offline: may this artifact be
// installed? Checks the artifact against its bundle under a policy
// (client/verifier.h), optionally against the last checkpoint this client
// saw (--state), which it then records.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/bundle_file.h"
#include "client/cli/command.h"
#include "client/client_state.h"
#include "client/file_digest.h"
#include "client/verifier.h"
#include "common/file.h"
#include "log/note/policy.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    {"policy", "", "the endpoint's policy file: log, witness, vendor, supervisor "
                   "and rebuilder keys"},
    {"bundle", "", "the bundle file (default: ARTIFACT.vitrine.json)"},
    {"state", "", "client state folder: refuse a checkpoint older than the last "
                  "seen, then remember this one (optional)"},
};

// Prints which trusted rebuilders reproduced the artifact, under a policy
// that lists rebuilders (others have nothing to say about them).
void PrintRebuilders(const client::VerifiedBundle& verified,
                     const note::Policy& policy) {
  if (policy.rebuilder_vkeys().empty()) return;
  std::printf("rebuilt by %zu trusted rebuilder%s (rebuild-quorum %zu)%s%s\n",
              verified.rebuilders.size(),
              verified.rebuilders.size() == 1 ? "" : "s",
              policy.rebuild_quorum(), verified.rebuilders.empty() ? "" : ": ",
              absl::StrJoin(verified.rebuilders, ", ").c_str());
}

int Run(const Flags& flags) {
  if (flags.positional().size() != 1) {
    return Fail("verify", absl::InvalidArgumentError("wants one ARTIFACT argument"));
  }
  const std::string& artifact = flags.positional()[0];
  absl::StatusOr<std::string> policy_path = flags.Require("policy");
  if (!policy_path.ok()) return Fail("verify", policy_path.status());
  absl::StatusOr<std::string> policy_text = ReadSmallFile(*policy_path, kMaxInputFileSize);
  if (!policy_text.ok()) return Fail("verify", policy_text.status());
  absl::StatusOr<note::Policy> policy = note::ParsePolicy(*policy_text);
  if (!policy.ok()) {
    return Fail("verify", absl::Status(policy.status().code(),
                                       absl::StrCat(*policy_path, ": ",
                                                    policy.status().message())));
  }
  const std::string bundle_path =
      flags.Has("bundle") ? flags.Get("bundle") : client::BundlePathFor(artifact);
  absl::StatusOr<v1::Bundle> bundle = client::ReadBundleFile(bundle_path);
  if (!bundle.ok()) {
    // A bundle that is there but does not parse is a bad bundle: refused.
    if (absl::IsInvalidArgument(bundle.status())) {
      return Refuse(client::MakeRefusal(client::Refusal::kBundleMalformed,
                                        bundle.status().message()));
    }
    return Fail("verify", bundle.status());
  }
  absl::StatusOr<merkle::Hash> digest = client::HashFile(artifact);
  if (!digest.ok()) return Fail("verify", digest.status());

  std::unique_ptr<client::ClientState> state;
  std::optional<note::Checkpoint> last_seen;
  if (flags.Has("state")) {
    absl::StatusOr<std::unique_ptr<client::ClientState>> opened =
        client::ClientState::Open(flags.Get("state"));
    if (!opened.ok()) return Fail("verify", opened.status());
    state = *std::move(opened);
  }
  absl::StatusOr<client::VerifiedBundle> verified = client::VerifyBundle(
      *digest, *bundle, *policy, nullptr);
  if (verified.ok() && state != nullptr) {
    // The state is keyed by origin, known only once the checkpoint opened:
    // verify again against the last seen of that log.
    last_seen = state->Get(verified->checkpoint.checkpoint.origin);
    if (last_seen.has_value()) {
      verified = client::VerifyBundle(*digest, *bundle, *policy, &*last_seen);
    }
  }
  if (!verified.ok()) return Refuse(verified.status());
  if (state != nullptr) {
    if (absl::Status s = state->Update(verified->checkpoint); !s.ok()) {
      return client::GetRefusal(s) != client::Refusal::kNone ? Refuse(s)
                                                             : Fail("verify", s);
    }
  }
  const note::Checkpoint& checkpoint = verified->checkpoint.checkpoint;
  std::printf("OK: %s %s by %s is logged at index %llu of %s (size %llu)\n",
              verified->statement.artifact.c_str(),
              verified->statement.version.c_str(),
              verified->statement.vendor.c_str(),
              static_cast<unsigned long long>(verified->leaf_index),
              checkpoint.origin.c_str(),
              static_cast<unsigned long long>(checkpoint.size));
  PrintRebuilders(*verified, *policy);
  return kExitOk;
}

}  // namespace

const Command& VerifyCommand() {
  static const Command command{
      "verify", "offline: may this artifact be installed? (artifact + bundle + policy)",
      "usage: vitrine verify --policy=POLICY [--bundle=FILE] [--state=DIR] ARTIFACT\n"
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
      "include rebuild-missing and rebuild-mismatch).\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
