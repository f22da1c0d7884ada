#include "rebuilder/internal/job_folder.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"

namespace vitrine::rebuilder {
namespace {

namespace fs = std::filesystem;

absl::Status FromErrorCode(const std::error_code& error, absl::string_view what) {
  return ErrnoStatus(error.value(), what);
}

// Lets the owner write every folder below `path` (and `path`), so that
// their entries can be removed.
void MakeFoldersWritable(const std::string& path) {
  std::error_code ignored;
  fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ignored);
  fs::recursive_directory_iterator it(path, ignored);
  for (; it != fs::recursive_directory_iterator(); it.increment(ignored)) {
    std::error_code error;
    if (it->is_directory(error) && !it->is_symlink(error)) {
      // Before the iterator descends into it: a folder without read or
      // execute permission becomes readable first.
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, error);
    }
    if (ignored) break;
  }
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

}  // namespace

absl::string_view ParentDir(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status RemoveTree(const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
  if (!error) return absl::OkStatus();
  MakeFoldersWritable(path);
  error.clear();
  fs::remove_all(path, error);
  if (error) return FromErrorCode(error, absl::StrCat("removing ", path));
  return absl::OkStatus();
}

absl::StatusOr<JobFolders> PrepareJobFolders(const std::string& dir) {
  VITRINE_RETURN_IF_ERROR(RemoveTree(dir));
  JobFolders folders{absl::StrCat(dir, "/build"), absl::StrCat(dir, "/output")};
  VITRINE_RETURN_IF_ERROR(MakeDirs(folders.build, 0700));
  VITRINE_RETURN_IF_ERROR(MakeDirs(folders.output, 0700));
  return folders;
}

absl::StatusOr<std::string> FindArtifact(const std::string& output, absl::string_view artifact) {
  const bool joinable = !artifact.empty() && artifact != "." && artifact != ".." &&
                        artifact.find('/') == absl::string_view::npos;
  if (joinable) {
    const std::string named = absl::StrCat(output, "/", artifact);
    if (IsRegularFile(named)) return named;
  }
  std::unique_ptr<DIR, DirCloser> dir(::opendir(output.c_str()));
  if (dir == nullptr) return ErrnoStatus(errno, absl::StrCat("reading ", output));
  std::vector<std::string> files;
  while (const struct dirent* entry = ::readdir(dir.get())) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (IsRegularFile(absl::StrCat(output, "/", name))) files.push_back(name);
  }
  if (files.size() == 1) return absl::StrCat(output, "/", files[0]);
  if (files.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no artifact: the output folder holds no regular file (wanted \"",
                     artifact, "\")"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "no artifact: the output folder holds ", files.size(), " regular files and none is \"",
      artifact, "\""));
}

}  // namespace vitrine::rebuilder
