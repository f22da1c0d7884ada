// Online lookup (issue 17): may this artifact be installed, asking the log
// rather than reading a bundle shipped beside it? The artifact's SHA-256 is
// looked up with FindByDigest through a verifying LogClient (so every
// endpoint of --log, the log and its mirrors, may answer), and each release
// statement found is judged by the offline verifier (verifier.h), as a
// bundle beside the file would be: the same checks, the same Refusals.
//
//   VITRINE_ASSIGN_OR_RETURN(merkle::Hash digest, HashFile("tool.tar.gz"));
//   VITRINE_ASSIGN_OR_RETURN(OnlineVerdict verdict,
//                            VerifyOnline(*log, digest, policy, nullptr));
//   if (!verdict.verified.ok()) {
//     // Do not install: RefusalName(GetRefusal(verdict.verified.status())).
//   } else {
//     WriteBundleFile(BundlePathFor("tool.tar.gz"), *verdict.bundle);  // --save
//   }
//
// How the answer is judged:
//   - No release statement names the digest (FindByDigest is NotFound, or
//     found only rebuild statements): refused kNotLogged.
//   - Each release statement naming it, newest (highest index) first, is
//     made into the bundle `vitrine bundle` would write: the release with
//     every rebuild statement the answer holds about it attached
//     (ReleaseBundleWithRebuilds), all proven against the log's latest
//     checkpoint. When the policy wants witnesses (witness-quorum > 0) and
//     accepts the statement (CheckStatement: a statement it refuses is
//     refused against any checkpoint, with no more round trips), it is
//     proven anew against the latest witnessed checkpoint
//     (LogClient::ReproveWitnessed; the LogClient's options must carry the
//     policy's witness keys); when no witnessed checkpoint covers it yet,
//     the unwitnessed bundle is judged, and refused too-few-cosignatures as
//     offline.
//   - The first bundle VerifyBundle accepts is the verdict; when none is,
//     the refusal of the newest release's bundle (the one `vitrine bundle`
//     would have fetched) is.
//   - A log (or mirror) whose answer fails the LogClient's own checks is a
//     refusal too (its Refusal: proof-invalid, fork, ...), once every
//     endpoint failed. Anything else that stops the lookup (the network,
//     the log's errors) is the returned status: nothing was decided.
//
// Thread-safe as the LogClient is.
#ifndef VITRINE_CLIENT_ONLINE_LOOKUP_H_
#define VITRINE_CLIENT_ONLINE_LOOKUP_H_

#include <optional>

#include "absl/status/statusor.h"
#include "client/log_client.h"
#include "client/verifier.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/policy.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::client {

// What the log's answer decided.
struct OnlineVerdict {
  // What the accepted bundle vouches for, or the one Refusal.
  absl::StatusOr<VerifiedBundle> verified;
  // The bundle judged: the accepted one (what --save writes), or the one
  // whose refusal `verified` carries; empty when no bundle was judged
  // (kNotLogged, or the log's answer was refused).
  std::optional<vitrine::v1::Bundle> bundle;
};

// Looks `artifact_sha256` up in `log` and judges every release statement
// found under `policy` (file comment), against `last_seen` as VerifyBundle
// does when it is not null.
absl::StatusOr<OnlineVerdict> VerifyOnline(LogClient& log,
                                           const merkle::Hash& artifact_sha256,
                                           const note::Policy& policy,
                                           const note::Checkpoint* last_seen);

}  // namespace vitrine::client

#endif  // VITRINE_CLIENT_ONLINE_LOOKUP_H_
