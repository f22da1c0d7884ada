#include "client/cli/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "absl/strings/str_cat.h"

namespace vitrine::cli {
namespace {

absl::Status ErrnoStatus(absl::string_view what, const std::string& path,
                         int error) {
  const std::string message = absl::StrCat(what, " ", path, ": ", strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string Folder(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open", path, errno);
  std::string content;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read", path, errno);
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view content) {
  // A unique temporary beside the target, so rename() stays on one file
  // system and a crash leaves either the old file or the new one.
  std::string temp = absl::StrCat(path, ".tmp.XXXXXX");
  Fd fd(mkstemp(temp.data()));
  if (fd.get() < 0) return ErrnoStatus("cannot create a file beside", path, errno);
  auto fail = [&](absl::string_view what) {
    const int error = errno;
    unlink(temp.c_str());
    return ErrnoStatus(what, temp, error);
  };
  if (fchmod(fd.get(), 0644) != 0) return fail("cannot chmod");
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n =
        write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    written += static_cast<size_t>(n);
  }
  if (fsync(fd.get()) != 0) return fail("cannot sync");
  if (close(fd.Release()) != 0) return fail("cannot close");
  if (rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  // The rename is durable only once the folder is synced.
  Fd folder(open(Folder(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.get() >= 0) fsync(folder.get());
  return absl::OkStatus();
}

std::string BaseName(absl::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace vitrine::cli
