#include "log/note/entry_digests.h"

#include <memory>
#include <string>

#include "common/status_matchers.h"
#include "gtest/gtest.h"
#include "log/merkle/hash.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::note {
namespace {

std::unique_ptr<Signer> Key(absl::string_view name) {
  return NewSigner(FormatSignerKey(name, SignatureType::kEd25519,
                                   std::string(32, 'k'))
                       .value())
      .value();
}

Statement Release() {
  Statement release;
  release.vendor = "example.com/acme";
  release.artifact = "acme.tar.gz";
  release.version = "1.0";
  release.sha256 = merkle::Sha256("acme 1.0");
  release.source = "https://git.example.com/acme@v1.0";
  return release;
}

TEST(EntryDigestsTest, ReleaseIsFoundByItsArtifact) {
  const std::string leaf =
      SignStatement(Release(), *Key("example.com/acme")).value();
  const EntryDigests digests = DigestsOfEntry(leaf);
  EXPECT_EQ(digests.artifact, Release().sha256);
  EXPECT_EQ(digests.release_key, std::nullopt);
  EXPECT_EQ(digests.vendor_key, VendorKey("example.com/acme"));
  EXPECT_EQ(digests.vendor_key->ToHex(),
            merkle::Sha256("vitrine/vendor/v1\nexample.com/acme\n").ToHex());
  EXPECT_NE(VendorKey("example.com/acme"), VendorKey("example.com/acme2"));
}

TEST(EntryDigestsTest, RebuildIsFoundByWhatItProducedAndItsRelease) {
  const merkle::Hash produced = merkle::Sha256("another binary");
  const RebuildStatement rebuild =
      RebuildOf(Release(), "rebuild.example.org", produced).value();
  const std::string leaf =
      SignRebuildStatement(rebuild, *Key("rebuild.example.org")).value();
  const EntryDigests digests = DigestsOfEntry(leaf);
  EXPECT_EQ(digests.artifact, produced);
  EXPECT_EQ(digests.release_key, ReleaseKey(rebuild));
  // Listed under the rebuilder's name by nobody: the vendor index lists
  // releases only.
  EXPECT_EQ(digests.vendor_key, std::nullopt);
}

TEST(EntryDigestsTest, AnythingElseHasNone) {
  for (absl::string_view leaf :
       {absl::string_view("entry-0"),
        absl::string_view("vitrine/rebuild/v1\nrebuilder x\n\n\xe2\x80\x94 x "
                          "AAAA\n")}) {
    const EntryDigests digests = DigestsOfEntry(leaf);
    EXPECT_EQ(digests.artifact, std::nullopt);
    EXPECT_EQ(digests.release_key, std::nullopt);
    EXPECT_EQ(digests.vendor_key, std::nullopt);
  }
}

}  // namespace
}  // namespace vitrine::note
