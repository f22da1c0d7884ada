// What a rebuilder needs before it serves: its data folder and key
// (InitRebuilderData, `vitrine-rebuilder init`) and its sandbox.
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "rebuilder/internal/sandbox_choice.h"
#include "rebuilder/rebuilder_server.h"
#include "rebuilder/recipe_runner.h"
#include "rebuilder/sandbox.h"

namespace vitrine::rebuilder {

absl::StatusOr<RebuilderIdentity> InitRebuilderData(const RebuilderConfig& config) {
  RebuilderIdentity identity;
  const std::string key_path = config.KeyPath();
  if (!PathExists(key_path)) {
    VITRINE_RETURN_IF_ERROR(MakeDirs(config.data, 0700));
    VITRINE_ASSIGN_OR_RETURN(note::GeneratedKey key,
                             note::GenerateKey(config.name, note::SignatureType::kEd25519));
    VITRINE_RETURN_IF_ERROR(note::WriteSignerKeyFile(key_path, key.signer_key));
    identity.created = true;
  }
  VITRINE_ASSIGN_OR_RETURN(std::string signer_key, note::ReadSignerKeyFile(key_path));
  VITRINE_ASSIGN_OR_RETURN(identity.verifier_key, note::VerifierKeyOf(signer_key));
  VITRINE_ASSIGN_OR_RETURN(note::VerifierKey parsed, note::ParseVerifierKey(identity.verifier_key));
  if (parsed.type != note::SignatureType::kEd25519) {
    return absl::InvalidArgumentError(absl::StrCat(
        key_path, " is not a rebuilder key (Ed25519 note key, type 0x01): make one with "
                  "`vitrine-rebuilder init`"));
  }
  identity.name = parsed.name;
  if (!PathExists(config.VerifierKeyPath())) {
    VITRINE_RETURN_IF_ERROR(
        WriteFileAtomically(config.VerifierKeyPath(), identity.verifier_key + "\n", 0644));
  }
  // The follower audits rebuild statements too: this rebuilder's own are
  // the first it knows (the operator may add others, or point
  // rebuilders_file at the log's).
  if (config.rebuilders_file.empty() && !PathExists(config.RebuildersPath())) {
    VITRINE_RETURN_IF_ERROR(WriteFileAtomically(
        config.RebuildersPath(),
        absl::StrCat("# Rebuilder verifier keys the follower checks rebuild statements with,\n"
                     "# one per line; this rebuilder's own first.\n",
                     identity.verifier_key, "\n"),
        0644));
  }
  if (!PathExists(config.VendorsPath())) {
    VITRINE_RETURN_IF_ERROR(WriteFileAtomically(
        config.VendorsPath(),
        "# Vendor verifier keys, one per line (the log's vendor registry format):\n"
        "# a release is rebuilt only when its vendor's signature verifies under them.\n",
        0644));
  }
  return identity;
}

absl::StatusOr<SandboxChoice> ChooseSandbox(const RebuilderConfig& config) {
  if (config.sandbox == SandboxMode::kOff) return SandboxChoice{"", "none (sandbox=off)"};
  const std::optional<std::string> bwrap = FindBwrap();
  std::string why;
  if (!bwrap.has_value()) {
    why = "bwrap is not installed (Debian: apt-get install bubblewrap)";
  } else {
    RecipeRunnerOptions options;
    options.recipe = ": > \"$VITRINE_OUTPUT/probe\"";
    options.timeout = absl::Seconds(30);
    options.bwrap = *bwrap;
    options.network = config.sandbox_network;
    options.read_only = config.sandbox_read_only;  // a missing one fails here, not per build
    RecipeRunner probe(options);
    const RecipeJob job{absl::StrCat(config.WorkDir(), "/sandbox-probe"),
                        absl::StrCat(config.BuildLogDir(), "/sandbox-probe.log"),
                        "probe", "probe", "probe", "probe"};
    VITRINE_ASSIGN_OR_RETURN(const RecipeResult result, probe.Run(job));
    probe.Discard(job).IgnoreError();  // an empty folder at worst
    if (result.outcome == RecipeOutcome::kBuilt) {
      return SandboxChoice{*bwrap, absl::StrCat("bwrap (", *bwrap, ")")};
    }
    why = absl::StrCat("bwrap does not run here: ", result.reason, ", see ", job.log_path);
  }
  if (config.sandbox == SandboxMode::kOn) {
    return absl::FailedPreconditionError(absl::StrCat("sandbox=on but ", why));
  }
  return SandboxChoice{"", absl::StrCat("none (", why, ")")};
}

}  // namespace vitrine::rebuilder
