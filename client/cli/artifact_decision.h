// The endpoint's decision on one artifact file, as `vitrine verify` makes
// it (offline from a bundle file, or online with client/online_lookup.h)
// and `vitrine apt-hook` makes it for each .deb, and its two printed forms:
// the text `verify` always printed, and one JSON object (--json).
//
//   ArtifactDecision decision = DecideOffline(file, BundlePathFor(file),
//                                             policy, state.get());
//   std::printf("%s", DecisionJson(decision, policy).c_str());
//   return decision.ExitCode();   // 0 accepted, 1 refused, 2 error
//
// Thread-compatible (plain values; the LogClient is thread-safe).
#ifndef VITRINE_CLIENT_CLI_ARTIFACT_DECISION_H_
#define VITRINE_CLIENT_CLI_ARTIFACT_DECISION_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/client_state.h"
#include "client/cli/log_flags.h"
#include "client/verifier.h"
#include "log/merkle/hash.h"
#include "log/note/policy.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::cli {

// What was decided about one artifact file.
struct ArtifactDecision {
  std::string file;    // The artifact's path.
  std::string bundle;  // The bundle file read, or "online".
  std::optional<merkle::Hash> sha256;  // Once the file was hashed.
  // OK: accepted (`verified` is set). A client::Refusal: refused, do not
  // install. Anything else: nothing was decided (I/O, network, the log).
  absl::Status status;
  std::optional<client::VerifiedBundle> verified;
  // Online: the bundle judged (what --save writes once it is accepted).
  std::optional<vitrine::v1::Bundle> judged;
  // Where the accepted bundle was written (verify --online --save).
  std::optional<std::string> saved;

  // Returns 0 (accepted), 1 (refused) or 2 (error), command.h's codes.
  int ExitCode() const;
};

// Decides from the bundle file at `bundle_path`, with no network: a bundle
// that does not parse is refused bundle-malformed; with `state` (may be
// null), the checkpoint must not be behind the last one seen for its log,
// and is then recorded.
ArtifactDecision DecideOffline(const std::string& file,
                               const std::string& bundle_path,
                               const note::Policy& policy,
                               client::ClientState* state);

// Decides by looking the file's SHA-256 up in the log (VerifyOnline), with
// the last checkpoint `log.state` saw, if any; the LogClient records what
// it sees there itself. A connection that failed (ConnectToPolicyLog's
// error) is the decision's error.
ArtifactDecision DecideOnline(const std::string& file,
                              absl::StatusOr<LogConnection>& log,
                              const note::Policy& policy);

// Prints the text form: on acceptance, to stdout,
//   OK: <artifact> <version> by <vendor> is logged at index N of <log> (size S)
// and, under a policy listing rebuilders,
//   rebuilt by K trusted rebuilders (rebuild-quorum Q): <name>, ...
// otherwise Refuse's or Fail(command, ...)'s line on stderr (command.h).
// Returns the exit code.
int PrintDecisionText(absl::string_view command, const ArtifactDecision& decision,
                      const note::Policy& policy);

// Returns the JSON form, one object on one line ending in "\n":
//   {"file":...,"decision":"accepted"|"refused"|"error","exit_code":0|1|2,
//    "bundle":"<file>"|"online","sha256":"<hex>",
//    accepted: "vendor","artifact","version",["source",]"index","log",
//              "checkpoint_size","witnesses":[names],"supervisors":[names],
//              "rebuilders":[names],"rebuild_quorum"[,"saved":"<file>"]
//    refused:  "reason":"<refusal name>","reason_code":N,"message":...
//    error:    "message":...}
// ("sha256" once the file was hashed).
std::string DecisionJson(const ArtifactDecision& decision,
                         const note::Policy& policy);

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_ARTIFACT_DECISION_H_
