#include "client/cli/artifact_decision.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/bundle_file.h"
#include "client/cli/command.h"
#include "client/file_digest.h"
#include "client/online_lookup.h"
#include "common/json_string.h"

namespace vitrine::cli {
namespace {

// Returns ["a","b"].
std::string JsonStrings(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const std::string& value : values) quoted.push_back(JsonString(value));
  return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
}

}  // namespace

int ArtifactDecision::ExitCode() const {
  if (status.ok()) return kExitOk;
  if (client::GetRefusal(status) != client::Refusal::kNone) return kExitRefused;
  return kExitError;
}

ArtifactDecision DecideOffline(const std::string& file,
                               const std::string& bundle_path,
                               const note::Policy& policy,
                               client::ClientState* state) {
  ArtifactDecision decision;
  decision.file = file;
  decision.bundle = bundle_path;
  absl::StatusOr<v1::Bundle> bundle = client::ReadBundleFile(bundle_path);
  if (!bundle.ok()) {
    // A bundle that is there but does not parse is a bad bundle: refused.
    decision.status = absl::IsInvalidArgument(bundle.status())
                          ? client::MakeRefusal(client::Refusal::kBundleMalformed,
                                                bundle.status().message())
                          : bundle.status();
    return decision;
  }
  absl::StatusOr<merkle::Hash> digest = client::HashFile(file);
  if (!digest.ok()) {
    decision.status = digest.status();
    return decision;
  }
  decision.sha256 = *digest;
  absl::StatusOr<client::VerifiedBundle> verified =
      client::VerifyBundle(*digest, *bundle, policy, nullptr);
  if (verified.ok() && state != nullptr) {
    // The state is keyed by origin, known only once the checkpoint opened:
    // verify again against the last seen of that log.
    std::optional<note::Checkpoint> last_seen =
        state->Get(verified->checkpoint.checkpoint.origin);
    if (last_seen.has_value()) {
      verified = client::VerifyBundle(*digest, *bundle, policy, &*last_seen);
    }
  }
  if (!verified.ok()) {
    decision.status = verified.status();
    return decision;
  }
  if (state != nullptr) {
    decision.status = state->Update(verified->checkpoint);
    if (!decision.status.ok()) return decision;
  }
  decision.verified = *std::move(verified);
  return decision;
}

ArtifactDecision DecideOnline(const std::string& file,
                              absl::StatusOr<LogConnection>& connection,
                              const note::Policy& policy) {
  ArtifactDecision decision;
  decision.file = file;
  decision.bundle = "online";
  if (!connection.ok()) {
    decision.status = connection.status();
    return decision;
  }
  LogConnection& log = *connection;
  absl::StatusOr<merkle::Hash> digest = client::HashFile(file);
  if (!digest.ok()) {
    decision.status = digest.status();
    return decision;
  }
  decision.sha256 = *digest;
  // Read before the lookup: the LogClient records the log's latest
  // checkpoint as it goes, and a bundle proven against an older witnessed
  // one is no rollback of what this client had seen before.
  std::optional<note::Checkpoint> last_seen;
  if (log.state != nullptr) last_seen = log.state->Get(log.client->origin());
  absl::StatusOr<client::OnlineVerdict> verdict = client::VerifyOnline(
      *log.client, *digest, policy, last_seen.has_value() ? &*last_seen : nullptr);
  if (!verdict.ok()) {
    decision.status = verdict.status();
    return decision;
  }
  decision.judged = std::move(verdict->bundle);
  if (!verdict->verified.ok()) {
    decision.status = verdict->verified.status();
    return decision;
  }
  decision.verified = *std::move(verdict->verified);
  return decision;
}

int PrintDecisionText(absl::string_view command, const ArtifactDecision& decision,
                      const note::Policy& policy) {
  if (decision.ExitCode() == kExitRefused) return Refuse(decision.status);
  if (decision.ExitCode() == kExitError) return Fail(command, decision.status);
  const client::VerifiedBundle& verified = *decision.verified;
  const note::Checkpoint& checkpoint = verified.checkpoint.checkpoint;
  std::printf("OK: %s %s by %s is logged at index %llu of %s (size %llu)\n",
              verified.statement.artifact.c_str(),
              verified.statement.version.c_str(),
              verified.statement.vendor.c_str(),
              static_cast<unsigned long long>(verified.leaf_index),
              checkpoint.origin.c_str(),
              static_cast<unsigned long long>(checkpoint.size));
  // Which trusted rebuilders reproduced the artifact, under a policy that
  // lists rebuilders (others have nothing to say about them).
  if (!policy.rebuilder_vkeys().empty()) {
    std::printf("rebuilt by %zu trusted rebuilder%s (rebuild-quorum %zu)%s%s\n",
                verified.rebuilders.size(),
                verified.rebuilders.size() == 1 ? "" : "s",
                policy.rebuild_quorum(), verified.rebuilders.empty() ? "" : ": ",
                absl::StrJoin(verified.rebuilders, ", ").c_str());
  }
  return kExitOk;
}

std::string DecisionJson(const ArtifactDecision& decision,
                         const note::Policy& policy) {
  const int exit_code = decision.ExitCode();
  std::string json = absl::StrCat("{\"file\":", JsonString(decision.file));
  AppendJsonStringField(&json, "decision",
                        exit_code == kExitOk        ? "accepted"
                        : exit_code == kExitRefused ? "refused"
                                                    : "error");
  absl::StrAppend(&json, ",\"exit_code\":", exit_code);
  AppendJsonStringField(&json, "bundle", decision.bundle);
  if (decision.sha256.has_value()) {
    AppendJsonStringField(&json, "sha256", decision.sha256->ToHex());
  }
  if (exit_code == kExitRefused) {
    const client::Refusal refusal = client::GetRefusal(decision.status);
    AppendJsonStringField(&json, "reason", client::RefusalName(refusal));
    absl::StrAppend(&json, ",\"reason_code\":", static_cast<int>(refusal));
  }
  if (exit_code != kExitOk) {
    AppendJsonStringField(&json, "message", decision.status.message());
    return absl::StrCat(json, "}\n");
  }
  const client::VerifiedBundle& verified = *decision.verified;
  const note::Statement& statement = verified.statement;
  AppendJsonStringField(&json, "vendor", statement.vendor);
  AppendJsonStringField(&json, "artifact", statement.artifact);
  AppendJsonStringField(&json, "version", statement.version);
  if (statement.source.has_value()) {
    AppendJsonStringField(&json, "source", *statement.source);
  }
  absl::StrAppend(&json, ",\"index\":", verified.leaf_index);
  AppendJsonStringField(&json, "log", verified.checkpoint.checkpoint.origin);
  absl::StrAppend(&json, ",\"checkpoint_size\":", verified.checkpoint.checkpoint.size);
  std::vector<std::string> witnesses, supervisors;
  for (const note::Cosignature& cosignature : verified.cosignatures) {
    witnesses.push_back(cosignature.name);
  }
  for (const note::Signature& supervisor : verified.supervisors) {
    supervisors.push_back(supervisor.name);
  }
  absl::StrAppend(&json, ",\"witnesses\":", JsonStrings(witnesses),
                  ",\"supervisors\":", JsonStrings(supervisors),
                  ",\"rebuilders\":", JsonStrings(verified.rebuilders),
                  ",\"rebuild_quorum\":", policy.rebuild_quorum());
  if (decision.saved.has_value()) {
    AppendJsonStringField(&json, "saved", *decision.saved);
  }
  return absl::StrCat(json, "}\n");
}

}  // namespace vitrine::cli
