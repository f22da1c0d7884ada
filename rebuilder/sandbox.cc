#include "rebuilder/sandbox.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vitrine::rebuilder {
namespace {

// Top-level folders a build needs from the host, read-only. /etc carries
// the resolver configuration, CA certificates and passwd that git and
// compilers read; everything else of the host stays out of sight.
constexpr const char* kSystemDirs[] = {"/usr", "/bin",   "/sbin",   "/lib",
                                       "/lib32", "/lib64", "/libx32", "/etc"};

}  // namespace

std::optional<std::string> FindBwrap() {
  for (const char* path : {"/usr/bin/bwrap", "/bin/bwrap"}) {
    if (::access(path, X_OK) == 0) return std::string(path);
  }
  return std::nullopt;
}

std::vector<std::string> BwrapArgv(const std::string& bwrap, const std::string& job_dir,
                                   const std::string& cwd, bool network,
                                   const std::vector<std::string>& read_only) {
  std::vector<std::string> argv = {bwrap, "--die-with-parent", "--unshare-all"};
  if (network) argv.push_back("--share-net");
  for (const char* dir : kSystemDirs) {
    struct stat st;
    if (::lstat(dir, &st) != 0) continue;  // not on this host (/libx32)
    if (S_ISLNK(st.st_mode)) {
      // Merged /usr: recreate the link rather than binding its target
      // twice, so /bin/sh resolves the same way inside.
      char target[PATH_MAX];
      const ssize_t n = ::readlink(dir, target, sizeof(target) - 1);
      if (n <= 0) continue;
      argv.insert(argv.end(), {"--symlink", std::string(target, static_cast<size_t>(n)), dir});
    } else if (S_ISDIR(st.st_mode)) {
      argv.insert(argv.end(), {"--ro-bind", dir, dir});
    }
  }
  // /tmp first: folders below /tmp are then bound over the tmpfs.
  argv.insert(argv.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
  for (const std::string& dir : read_only) argv.insert(argv.end(), {"--ro-bind", dir, dir});
  argv.insert(argv.end(), {"--bind", job_dir, job_dir, "--chdir", cwd});
  return argv;
}

}  // namespace vitrine::rebuilder
