#include "client/online_lookup.h"

#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::client {
namespace {

// A FindByDigest answer read once, so that bundling each release reads its
// own rebuilds only (re-reading the whole answer per release cost
// O(releases x answer) parses: 18 s for 1000 releases).
struct Answer {
  // The release statements naming the digest, newest (highest index) first,
  // one per index, with their note::ReleaseKey (none without a source
  // line: no rebuild statement is about such a release).
  std::map<uint64_t,
           std::pair<const vitrine::v1::Bundle*, std::optional<merkle::Hash>>,
           std::greater<>>
      releases;
  // The rebuild statements, by the ReleaseKey of the release they are about.
  std::map<merkle::Hash, std::vector<vitrine::v1::Bundle>> rebuilds;
};

// Statements of neither kind are skipped (defensively: FindByDigest has
// already refused them).
Answer ReadAnswer(const std::vector<vitrine::v1::Bundle>& found,
                  const merkle::Hash& digest) {
  Answer answer;
  for (const vitrine::v1::Bundle& bundle : found) {
    absl::StatusOr<note::Note> parsed = note::ParseNote(bundle.statement());
    if (!parsed.ok()) continue;
    if (note::IsRebuildStatementText(parsed->text)) {
      absl::StatusOr<note::RebuildStatement> rebuild =
          note::ParseRebuildStatement(parsed->text);
      if (rebuild.ok()) answer.rebuilds[note::ReleaseKey(*rebuild)].push_back(bundle);
      continue;
    }
    absl::StatusOr<note::Statement> release = note::ParseStatement(parsed->text);
    if (!release.ok() || release->sha256 != digest) continue;
    std::optional<merkle::Hash> key;
    if (release->source.has_value()) {
      key = note::ReleaseKey(release->vendor, release->artifact,
                             release->version, *release->source);
    }
    answer.releases.emplace(bundle.leaf_index(), std::make_pair(&bundle, key));
  }
  return answer;
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
  const Answer answer = ReadAnswer(*found, artifact_sha256);
  if (answer.releases.empty()) return OnlineVerdict{not_logged, {}};

  std::optional<OnlineVerdict> newest;
  for (const auto& [index, release] : answer.releases) {
    const auto& [release_bundle, key] = release;
    const auto rebuilds =
        key.has_value() ? answer.rebuilds.find(*key) : answer.rebuilds.end();
    absl::StatusOr<vitrine::v1::Bundle> bundle = AttachRebuilds(
        *release_bundle, rebuilds == answer.rebuilds.end()
                             ? absl::Span<const vitrine::v1::Bundle>()
                             : absl::MakeConstSpan(rebuilds->second));
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
