// LogClient's lookups by artifact digest: FindByDigest, which answers with
// release statements and the rebuild statements about them (issue 15), and
// the helpers that turn such an answer into one release bundle carrying its
// rebuilds, proven against one checkpoint.
#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/internal/failover.h"
#include "client/internal/log_stub.h"
#include "client/log_client.h"
#include "client/verifier.h"
#include "common/status_macros.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::client {
namespace {

// A statement from a FindByDigest answer: a release or a rebuild statement.
struct Found {
  std::optional<note::Statement> release;
  std::optional<note::RebuildStatement> rebuild;
};

// Parses a logged statement of either kind (kStatementMalformed otherwise).
absl::StatusOr<Found> ParseFound(absl::string_view leaf) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(leaf);
  Found found;
  absl::Status status = parsed.status();
  if (parsed.ok() && note::IsRebuildStatementText(parsed->text)) {
    absl::StatusOr<note::RebuildStatement> rebuild =
        note::ParseRebuildStatement(parsed->text);
    if (rebuild.ok()) found.rebuild = *std::move(rebuild);
    status = rebuild.status();
  } else if (parsed.ok()) {
    absl::StatusOr<note::Statement> release = note::ParseStatement(parsed->text);
    if (release.ok()) found.release = *std::move(release);
    status = release.status();
  }
  if (!status.ok()) {
    return MakeRefusal(Refusal::kStatementMalformed, status.message());
  }
  return found;
}

// Checks that every statement of a FindByDigest answer belongs there: a
// release naming the digest, or a rebuild naming it or about such a
// release (the server's rule, log.proto FindByDigestResponse).
absl::Status CheckFoundBelong(const std::vector<Found>& found,
                              const merkle::Hash& digest) {
  for (const Found& f : found) {
    if (f.release.has_value() && f.release->sha256 != digest) {
      return MakeRefusal(Refusal::kArtifactMismatch,
                         "FindByDigest: a bundle names another digest");
    }
  }
  for (const Found& f : found) {
    if (!f.rebuild.has_value() || f.rebuild->sha256 == digest) continue;
    const bool about_one_found =
        std::any_of(found.begin(), found.end(), [&](const Found& other) {
          return other.release.has_value() &&
                 note::SameRelease(*f.rebuild, *other.release);
        });
    if (!about_one_found) {
      return MakeRefusal(
          Refusal::kArtifactMismatch,
          absl::StrCat("FindByDigest: a rebuild statement by ",
                       f.rebuild->rebuilder,
                       " names another digest and is about no release "
                       "statement of the answer"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<uint64_t> NewestReleaseIndex(
    absl::Span<const vitrine::v1::Bundle> found,
    const merkle::Hash& artifact_sha256) {
  std::optional<uint64_t> newest;
  for (const vitrine::v1::Bundle& bundle : found) {
    VITRINE_ASSIGN_OR_RETURN(Found parsed, ParseFound(bundle.statement()));
    if (!parsed.release.has_value() ||
        parsed.release->sha256 != artifact_sha256) {
      continue;
    }
    newest = std::max(newest.value_or(0), bundle.leaf_index());
  }
  if (!newest.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "no release statement names ", artifact_sha256.ToHex()));
  }
  return *newest;
}

absl::StatusOr<vitrine::v1::Bundle> AttachRebuilds(
    vitrine::v1::Bundle release, absl::Span<const vitrine::v1::Bundle> bundles) {
  VITRINE_ASSIGN_OR_RETURN(Found parsed, ParseFound(release.statement()));
  if (!parsed.release.has_value()) {
    return MakeRefusal(Refusal::kStatementMalformed,
                       "a rebuild statement's bundle is no release bundle");
  }
  // By index: each leaf once, in log order.
  std::map<uint64_t, const vitrine::v1::Bundle*> rebuilds;
  for (const vitrine::v1::Bundle& bundle : bundles) {
    VITRINE_ASSIGN_OR_RETURN(Found found, ParseFound(bundle.statement()));
    if (!found.rebuild.has_value() ||
        !note::SameRelease(*found.rebuild, *parsed.release)) {
      continue;
    }
    // Bundle.rebuilds are proven against the bundle's one checkpoint.
    if (bundle.checkpoint() != release.checkpoint()) {
      return MakeRefusal(
          Refusal::kBundleMalformed,
          absl::StrCat("the rebuild statement at leaf ", bundle.leaf_index(),
                       " is proven against another checkpoint than the "
                       "release at leaf ",
                       release.leaf_index()));
    }
    rebuilds.emplace(bundle.leaf_index(), &bundle);
  }
  release.clear_rebuilds();
  for (const auto& [index, bundle] : rebuilds) {
    vitrine::v1::RebuildProof* proof = release.add_rebuilds();
    proof->set_statement(bundle->statement());
    proof->set_leaf_index(index);
    *proof->mutable_inclusion_proof() = bundle->inclusion_proof();
  }
  return release;
}

absl::StatusOr<vitrine::v1::Bundle> ReleaseBundleWithRebuilds(
    absl::Span<const vitrine::v1::Bundle> found, uint64_t release_index) {
  for (const vitrine::v1::Bundle& bundle : found) {
    if (bundle.leaf_index() != release_index) continue;
    VITRINE_ASSIGN_OR_RETURN(Found parsed, ParseFound(bundle.statement()));
    if (parsed.release.has_value()) return AttachRebuilds(bundle, found);
  }
  return absl::NotFoundError(absl::StrCat(
      "the answer holds no release statement at leaf ", release_index));
}

absl::StatusOr<std::vector<vitrine::v1::Bundle>> LogClient::FindByDigest(
    const merkle::Hash& artifact_sha256) {
  std::optional<std::vector<vitrine::v1::Bundle>> found;
  VITRINE_RETURN_IF_ERROR(
      OnEndpoints("FindByDigest", false, [&](internal::LogStub& stub) {
        return internal::KeepAnswer(FindByDigestFrom(stub, artifact_sha256),
                                    found);
      }));
  return *std::move(found);
}

absl::StatusOr<std::vector<vitrine::v1::Bundle>> LogClient::FindByDigestFrom(
    internal::LogStub& stub, const merkle::Hash& artifact_sha256) {
  vitrine::v1::FindByDigestRequest request;
  request.set_sha256(std::string(artifact_sha256.AsStringView()));
  VITRINE_ASSIGN_OR_RETURN(vitrine::v1::FindByDigestResponse response,
                           stub.FindByDigest(request));
  std::vector<Found> found;
  for (const vitrine::v1::Bundle& bundle : response.bundles()) {
    absl::StatusOr<Found> parsed = ParseFound(bundle.statement());
    if (!parsed.ok()) {
      return MakeRefusal(Refusal::kStatementMalformed,
                         absl::StrCat("FindByDigest: ",
                                      parsed.status().message()));
    }
    found.push_back(*std::move(parsed));
  }
  VITRINE_RETURN_IF_ERROR(CheckFoundBelong(found, artifact_sha256));
  std::vector<vitrine::v1::Bundle> bundles;
  for (vitrine::v1::Bundle& bundle : *response.mutable_bundles()) {
    VITRINE_RETURN_IF_ERROR(VerifyLogBundle(stub, bundle, false).status());
    bundles.push_back(std::move(bundle));
  }
  if (bundles.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "FindByDigest: no statement names ", artifact_sha256.ToHex()));
  }
  return bundles;
}

absl::StatusOr<vitrine::v1::Bundle> LogClient::ReproveWitnessed(
    const vitrine::v1::Bundle& bundle) {
  // Each GetBundle answers with the witnessed checkpoint of its moment; a
  // new one may land between two calls, so the set is fetched again until
  // one checkpoint covers them all.
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    VITRINE_ASSIGN_OR_RETURN(vitrine::v1::Bundle release,
                             GetBundle(bundle.leaf_index(), true));
    std::vector<vitrine::v1::Bundle> rebuilds;
    bool moved = false;
    for (const vitrine::v1::RebuildProof& rebuild : bundle.rebuilds()) {
      absl::StatusOr<vitrine::v1::Bundle> proven =
          GetBundle(rebuild.leaf_index(), true);
      // Logged after the witnessed checkpoint: not provable against it yet.
      if (absl::IsOutOfRange(proven.status())) continue;
      if (!proven.ok()) return proven.status();
      moved |= proven->checkpoint() != release.checkpoint();
      rebuilds.push_back(*std::move(proven));
    }
    if (!moved) return AttachRebuilds(std::move(release), rebuilds);
  }
  return absl::UnavailableError(absl::StrCat(
      "the witnessed checkpoint moved during each of ", kAttempts,
      " attempts to prove leaf ", bundle.leaf_index(),
      " and its rebuilds against one"));
}

}  // namespace vitrine::client
