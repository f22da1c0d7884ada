#include "rebuilder/sandbox.h"

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vitrine::rebuilder {
namespace {

// True when `argv` holds `a b c` as three consecutive arguments.
bool HasTriple(const std::vector<std::string>& argv, const std::string& a, const std::string& b,
               const std::string& c) {
  for (size_t i = 0; i + 2 < argv.size(); ++i) {
    if (argv[i] == a && argv[i + 1] == b && argv[i + 2] == c) return true;
  }
  return false;
}

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

TEST(SandboxTest, IsolatesAllButTheJobFolder) {
  const std::vector<std::string> argv =
      BwrapArgv("/usr/bin/bwrap", "/data/work/7", "/data/work/7/build", /*network=*/false);
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv[0], "/usr/bin/bwrap");
  EXPECT_TRUE(Has(argv, "--unshare-all"));
  EXPECT_TRUE(Has(argv, "--die-with-parent"));
  EXPECT_FALSE(Has(argv, "--share-net"));
  EXPECT_TRUE(HasTriple(argv, "--ro-bind", "/usr", "/usr"));
  EXPECT_TRUE(HasTriple(argv, "--ro-bind", "/etc", "/etc"));
  EXPECT_TRUE(HasTriple(argv, "--bind", "/data/work/7", "/data/work/7"));
  EXPECT_TRUE(HasTriple(argv, "--tmpfs", "/tmp", "--bind"));  // job bound after /tmp
  EXPECT_EQ(argv[argv.size() - 2], "--chdir");
  EXPECT_EQ(argv.back(), "/data/work/7/build");
  // Nothing else of the host is bound writable.
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--bind"), 1);
}

TEST(SandboxTest, ExtraFoldersAreReadOnly) {
  const std::vector<std::string> argv =
      BwrapArgv("bwrap", "/j", "/j/build", false, {"/srv/git", "/tmp/mirror"});
  EXPECT_TRUE(HasTriple(argv, "--ro-bind", "/srv/git", "/srv/git"));
  EXPECT_TRUE(HasTriple(argv, "--tmpfs", "/tmp", "--ro-bind"));  // below /tmp: after it
  EXPECT_TRUE(HasTriple(argv, "--ro-bind", "/tmp/mirror", "/tmp/mirror"));
  EXPECT_EQ(std::count(argv.begin(), argv.end(), "--bind"), 1);
}

TEST(SandboxTest, NetworkWhenAsked) {
  EXPECT_TRUE(Has(BwrapArgv("bwrap", "/j", "/j/build", /*network=*/true), "--share-net"));
}

TEST(SandboxTest, MergedUsrLinksAreRecreated) {
  struct stat st;
  if (::lstat("/bin", &st) != 0 || !S_ISLNK(st.st_mode)) {
    GTEST_SKIP() << "/bin is not a symbolic link on this host";
  }
  const std::vector<std::string> argv = BwrapArgv("bwrap", "/j", "/j/build", false);
  EXPECT_TRUE(HasTriple(argv, "--symlink", "usr/bin", "/bin"));
}

TEST(SandboxTest, FindsBwrapOnlyWhereItIs) {
  const std::optional<std::string> bwrap = FindBwrap();
  if (bwrap.has_value()) {
    EXPECT_TRUE(*bwrap == "/usr/bin/bwrap" || *bwrap == "/bin/bwrap") << *bwrap;
  } else {
    struct stat st;
    EXPECT_NE(::stat("/usr/bin/bwrap", &st), 0);
  }
}

}  // namespace
}  // namespace vitrine::rebuilder
