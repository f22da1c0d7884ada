// Rebuild statements over a real gRPC server: admitted only from the
// rebuilders file's keys, each under its own name, with a rate limit of
// their own; FindByDigest on a release finds its rebuilds, agreeing or not.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"
#include "log/server/log_service_testing.h"

namespace vitrine::server::testing {
namespace {

using vitrine::v1::AddResponse;

int Code(const vitrine::v1::AddResult& result) {
  return result.has_error() ? result.error().code() : 0;
}

class RebuildAddTest : public LogServiceFixture {
 protected:
  // A release of vendors_[0] with a source line, signed by its vendor.
  note::Statement Release(absl::string_view version = "1.0") const {
    note::Statement release;
    release.vendor = vendors_[0].name;
    release.artifact = "acme-cli";
    release.version = std::string(version);
    release.sha256 = ArtifactDigest("acme-cli", version);
    release.source = absl::StrCat("https://git.example.com/acme@v", version);
    return release;
  }

  // A rebuild of `release` naming `rebuilder`, signed by `signer` (as a
  // forger would when the names differ).
  static std::string Rebuild(const note::Statement& release,
                             absl::string_view rebuilder,
                             const merkle::Hash& produced,
                             const note::Signer& signer) {
    const note::RebuildStatement rebuild =
        note::RebuildOf(release, rebuilder, produced).value();
    return note::SignNote(note::FormatRebuildStatement(rebuild).value(), signer)
        .value();
  }

  std::string Rebuild(const note::Statement& release,
                      const merkle::Hash& produced) const {
    return Rebuild(release, rebuilder_.name, produced, *rebuilder_.signer);
  }
};

TEST_F(RebuildAddTest, RegisteredRebuilderLogsMatchesAndMismatches) {
  const note::Statement release = Release();
  const std::string match = Rebuild(release, release.sha256);
  const std::string mismatch = Rebuild(Release(), merkle::Sha256("other"));
  AddResponse response;
  ASSERT_TRUE(Add({note::SignStatement(release, *vendors_[0].signer).value(),
                   match},
                  &response)
                  .ok());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(response.results(i).has_bundle())
        << response.results(i).error().message();
    ExpectBundleVerifies(response.results(i).bundle());
  }
  // A rebuilder that got another digest logs it too: evidence for anyone.
  AddResponse second;
  ASSERT_TRUE(Add({mismatch, match}, &second).ok());
  ASSERT_TRUE(second.results(0).has_bundle());
  EXPECT_FALSE(second.results(0).duplicate());
  EXPECT_EQ(second.results(0).bundle().leaf_index(), 2u);
  EXPECT_TRUE(second.results(1).duplicate());
  EXPECT_EQ(second.results(1).bundle().leaf_index(), 1u);
  EXPECT_EQ(TreeSize(), 3u);
}

TEST_F(RebuildAddTest, FindByDigestOfAReleaseFindsEveryRebuildOfIt) {
  const note::Statement release = Release();
  const merkle::Hash other = merkle::Sha256("other");
  AddResponse response;
  ASSERT_TRUE(
      Add({note::SignStatement(release, *vendors_[0].signer).value(),
           Rebuild(release, release.sha256), Rebuild(release, other),
           // A rebuild of another version: not this release's.
           Rebuild(Release("2.0"), release.sha256),
           note::SignStatement(Release("3.0"), *vendors_[0].signer).value()},
          &response)
          .ok());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Code(response.results(i)), 0);

  auto find = [&](const merkle::Hash& digest) {
    vitrine::v1::FindByDigestRequest request;
    request.set_sha256(std::string(digest.AsStringView()));
    vitrine::v1::FindByDigestResponse found;
    const grpc::Status status =
        stub_->FindByDigest(ClientContext().get(), request, &found);
    std::vector<uint64_t> indexes;
    if (!status.ok()) return indexes;
    for (const vitrine::v1::Bundle& bundle : found.bundles()) {
      ExpectBundleVerifies(bundle);
      indexes.push_back(bundle.leaf_index());
    }
    return indexes;
  };
  // The release (0), its agreeing rebuild (1), its contradicting rebuild
  // (2), and the rebuild of 2.0 that produced the same bytes (3).
  EXPECT_EQ(find(release.sha256), (std::vector<uint64_t>{0, 1, 2, 3}));
  // The other digest names only the rebuild that produced it.
  EXPECT_EQ(find(other), (std::vector<uint64_t>{2}));
}

TEST_F(RebuildAddTest, RefusesUnregisteredAndImpersonatingRebuilders) {
  const note::Statement release = Release();
  AddResponse response;
  ASSERT_TRUE(
      Add({// A registered vendor is not a rebuilder.
           Rebuild(release, vendors_[0].name, release.sha256,
                   *vendors_[0].signer),
           // A registered rebuilder signing as another rebuilder.
           Rebuild(release, "rebuild.example.net/other", release.sha256,
                   *rebuilder_.signer),
           // A rebuilder signing a release statement.
           StatementBy(*rebuilder_.signer, rebuilder_.name, "x"),
           // Grammar: a rebuild statement without its source line.
           note::SignNote(
               absl::StrCat("vitrine/rebuild/v1\nrebuilder ", rebuilder_.name,
                            "\nvendor ", vendors_[0].name,
                            "\nartifact a\nversion 1\nsha256 ",
                            release.sha256.ToHex(), "\n"),
               *rebuilder_.signer)
               .value()},
          &response)
          .ok());
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(response.results(0).error().message(),
            absl::StrCat("rebuild statement is signed by ", vendors_[0].name,
                         response.results(0).error().message().substr(
                             response.results(0).error().message().find('+'),
                             9),
                         ", not by a registered key of rebuilder ",
                         vendors_[0].name));
  EXPECT_EQ(Code(response.results(1)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(response.results(1).error().message(),
            absl::StrCat("signed by ", rebuilder_.name,
                         ", statement names rebuilder "
                         "rebuild.example.net/other"));
  EXPECT_EQ(Code(response.results(2)), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Code(response.results(3)), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(response.results(3).error().message(),
            "rebuild statement line 6: sha256 line out of order (expected "
            "source)");
  EXPECT_EQ(TreeSize(), 0u);
}

class RateLimitedRebuildTest : public RebuildAddTest {
 protected:
  RateLimitedRebuildTest() {
    rate_.rate_per_second = 0.001;  // no refill during the test
    rate_.burst = 1;
  }
};

TEST_F(RateLimitedRebuildTest, RebuildersHaveBudgetsOfTheirOwn) {
  AddResponse response;
  ASSERT_TRUE(Add({Rebuild(Release("1"), merkle::Sha256("a")),
                   Rebuild(Release("2"), merkle::Sha256("b")),
                   note::SignStatement(Release("1"), *vendors_[0].signer)
                       .value()},
                  &response)
                  .ok());
  EXPECT_EQ(Code(response.results(0)), grpc::StatusCode::OK);
  EXPECT_EQ(Code(response.results(1)), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(response.results(1).error().message().find(
                absl::StrCat("rebuilder ", rebuilder_.name,
                             " is over its rate limit")),
            0u)
      << response.results(1).error().message();
  // The vendor's budget is untouched by its rebuilders.
  EXPECT_EQ(Code(response.results(2)), grpc::StatusCode::OK);
}

}  // namespace
}  // namespace vitrine::server::testing
