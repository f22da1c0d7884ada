#include "log/server/vendor_registry.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/note/keys.h"

namespace vitrine::server {
namespace {

using ::testing::ElementsAre;
using ::vitrine::testing::StatusIs;

// A vendor's verifier key from a fixed seed, so failures reproduce.
std::string VendorKey(const std::string& name, char seed_byte) {
  const std::string skey =
      note::FormatSignerKey(name, note::SignatureType::kEd25519,
                            std::string(32, seed_byte))
          .value();
  return note::VerifierKeyOf(skey).value();
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good());
}

TEST(VendorRegistryTest, OpenMissingFile) {
  EXPECT_THAT(VendorRegistry::Open(TempPath("no-such-vendors")),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(VendorRegistryTest, OpenNamesThePathOnBadContent) {
  const std::string path = TempPath("bad-vendors");
  WriteFile(path, "garbage\n");
  EXPECT_THAT(VendorRegistry::Open(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ": vendor file line 1"));
}

TEST(VendorRegistryTest, ReloadSwapsAndFailedReloadKeepsTheOld) {
  const std::string path = TempPath("vendors-reload");
  const std::string acme = VendorKey("example.com/acme", 1);
  const std::string tools = VendorKey("example.org/tools", 2);
  WriteFile(path, acme + "\n");
  ASSERT_OK_AND_ASSIGN(auto registry, VendorRegistry::Open(path));
  std::shared_ptr<const VendorKeys> first = registry->Snapshot();
  EXPECT_THAT(first->vendors, ElementsAre("example.com/acme"));

  WriteFile(path, absl::StrCat(acme, "\n", tools, "\n"));
  ASSERT_OK(registry->Reload());
  EXPECT_THAT(registry->Snapshot()->vendors,
              ElementsAre("example.com/acme", "example.org/tools"));
  // A request that took the old snapshot still holds it, unchanged.
  EXPECT_THAT(first->vendors, ElementsAre("example.com/acme"));

  WriteFile(path, absl::StrCat(tools, "\nbroken\n"));
  EXPECT_THAT(registry->Reload(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "keeping the previous vendor, supervisor and rebuilder keys"));
  EXPECT_EQ(registry->Snapshot()->verifiers.size(), 2u);

  std::remove(path.c_str());
  EXPECT_THAT(registry->Reload(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(registry->Snapshot()->verifiers.size(), 2u);
}

TEST(VendorRegistryTest, RebuildersAreASiblingFileReloadedWithTheVendors) {
  const std::string vendors = TempPath("vendors-with-rebuilders");
  const std::string rebuilders = TempPath("rebuilders");
  WriteFile(vendors, VendorKey("example.com/acme", 1) + "\n");
  ASSERT_OK_AND_ASSIGN(auto registry,
                       VendorRegistry::Open(vendors, "", rebuilders));
  EXPECT_EQ(registry->RebuilderSnapshot()->verifiers.size(), 0u);  // absent

  WriteFile(rebuilders, VendorKey("rebuild.example.org", 4) + "\n");
  ASSERT_OK(registry->Reload());
  EXPECT_THAT(registry->RebuilderSnapshot()->vendors,
              ElementsAre("rebuild.example.org"));
  EXPECT_THAT(registry->Snapshot()->vendors, ElementsAre("example.com/acme"));

  WriteFile(rebuilders, "not a key\n");
  EXPECT_THAT(registry->Reload(),
              StatusIs(absl::StatusCode::kInvalidArgument, "line 1"));
  EXPECT_THAT(registry->RebuilderSnapshot()->vendors,
              ElementsAre("rebuild.example.org"));
}

// Readers keep taking snapshots while the file is reloaded: every snapshot
// they see is one whole version of the file.
TEST(VendorRegistryTest, SnapshotsDuringReloadsAreWhole) {
  const std::string path = TempPath("vendors-concurrent");
  const std::string a = VendorKey("example.com/a", 1);
  const std::string b = VendorKey("example.com/b", 2);
  const std::string c = VendorKey("example.com/c", 3);
  WriteFile(path, a + "\n");
  ASSERT_OK_AND_ASSIGN(auto registry, VendorRegistry::Open(path));

  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::shared_ptr<const VendorKeys> keys = registry->Snapshot();
        const size_t n = keys->verifiers.size();
        if ((n != 1 && n != 3) || keys->vendors.size() != n) bad.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    // Written elsewhere and renamed in, as an operator's editor would.
    const std::string next = path + ".new";
    WriteFile(next, i % 2 == 0 ? absl::StrCat(a, "\n", b, "\n", c, "\n")
                               : a + "\n");
    ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
    ASSERT_OK(registry->Reload());
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace vitrine::server
