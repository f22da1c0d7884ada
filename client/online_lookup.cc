#include "client/online_lookup.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::client {
namespace {

// Returns the leaf indexes of the release statements in `found` that name
// `digest`, newest first. Rebuild statements (and, defensively, anything
// else: FindByDigest has already refused a statement of neither kind) are
// skipped.
std::vector<uint64_t> ReleaseIndexesNewestFirst(
    const std::vector<vitrine::v1::Bundle>& found, const merkle::Hash& digest) {
  std::vector<uint64_t> indexes;
  for (const vitrine::v1::Bundle& bundle : found) {
    absl::StatusOr<note::Note> parsed = note::ParseNote(bundle.statement());
    if (!parsed.ok()) continue;
    absl::StatusOr<note::Statement> release = note::ParseStatement(parsed->text);
    if (release.ok() && release->sha256 == digest) {
      indexes.push_back(bundle.leaf_index());
    }
  }
  std::sort(indexes.begin(), indexes.end(), std::greater<uint64_t>());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  return indexes;
}

// A status the verdict carries (a Refusal) rather than returns (an error).
bool IsRefusal(const absl::Status& status) {
  return GetRefusal(status) != Refusal::kNone;
}

}  // namespace

absl::StatusOr<OnlineVerdict> VerifyOnline(LogClient& log,
                                           const merkle::Hash& artifact_sha256,
                                           const note::Policy& policy,
                                           const note::Checkpoint* last_seen) {
  const absl::Status not_logged = MakeRefusal(
      Refusal::kNotLogged,
      absl::StrCat(log.origin(), " holds no release statement for sha256 ",
                   artifact_sha256.ToHex()));
  absl::StatusOr<std::vector<vitrine::v1::Bundle>> found =
      log.FindByDigest(artifact_sha256);
  if (absl::IsNotFound(found.status())) return OnlineVerdict{not_logged, {}};
  if (!found.ok()) {
    if (IsRefusal(found.status())) return OnlineVerdict{found.status(), {}};
    return found.status();
  }
  const std::vector<uint64_t> releases =
      ReleaseIndexesNewestFirst(*found, artifact_sha256);
  if (releases.empty()) return OnlineVerdict{not_logged, {}};

  std::optional<OnlineVerdict> newest;
  for (uint64_t index : releases) {
    absl::StatusOr<vitrine::v1::Bundle> bundle =
        ReleaseBundleWithRebuilds(*found, index);
    if (!bundle.ok()) {
      if (IsRefusal(bundle.status())) return OnlineVerdict{bundle.status(), {}};
      return bundle.status();
    }
    // A statement the policy refuses (another vendor's release naming the
    // digest, say) is refused against any checkpoint: not worth asking the
    // log again, at a round trip or more per release.
    if (policy.witness_quorum() > 0 &&
        CheckStatement(artifact_sha256, bundle->statement(), policy).ok()) {
      absl::StatusOr<vitrine::v1::Bundle> witnessed = log.ReproveWitnessed(*bundle);
      if (witnessed.ok()) {
        bundle = *std::move(witnessed);
      } else if (IsRefusal(witnessed.status())) {
        return OnlineVerdict{witnessed.status(), {}};
      } else if (!absl::IsOutOfRange(witnessed.status())) {
        return witnessed.status();
      }
      // OutOfRange: no witnessed checkpoint covers the release yet; the
      // unwitnessed bundle gets the offline refusal (too-few-cosignatures).
    }
    OnlineVerdict verdict{
        VerifyBundle(artifact_sha256, *bundle, policy, last_seen), *bundle};
    if (verdict.verified.ok()) return verdict;
    if (!newest.has_value()) newest = std::move(verdict);
  }
  return *std::move(newest);
}

}  // namespace vitrine::client
