#include "log/note/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file.h"
#include "common/status_macros.h"

namespace vitrine::note {
namespace {

// Key strings are under 200 bytes; anything much larger is not a key file.
constexpr size_t kMaxKeyFileSize = 4096;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status WriteAndSync(int fd, const std::string& path,
                          absl::string_view key, mode_t mode) {
  // The umask may have cleared bits of `mode` but never adds any; fchmod
  // makes the mode exact either way.
  if (fchmod(fd, mode) != 0)
    return ErrnoStatus(errno, absl::StrCat("chmod ", path));
  const std::string content = absl::StrCat(key, "\n");
  for (size_t done = 0; done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("cannot write ", path));
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0)
    return ErrnoStatus(errno, absl::StrCat("cannot sync ", path));
  return absl::OkStatus();
}

absl::Status WriteKeyFile(const std::string& path, absl::string_view key,
                          mode_t mode) {
  if (key.empty() || key.find_first_of("\r\n") != key.npos) {
    return absl::InvalidArgumentError("a key file holds one non-empty line");
  }
  Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0)
    return ErrnoStatus(errno, absl::StrCat("cannot create ", path));
  absl::Status written = WriteAndSync(fd.get(), path, key, mode);
  if (!written.ok()) {
    // Leave no partial key behind: O_EXCL would refuse the next attempt.
    unlink(path.c_str());
    return written;
  }
  // Sync the directory too, or a crash can lose the new name.
  const std::string dir = DirectoryOf(path);
  Fd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0)
    return ErrnoStatus(errno, absl::StrCat("cannot open ", dir));
  if (fsync(dir_fd.get()) != 0)
    return ErrnoStatus(errno, absl::StrCat("cannot sync ", dir));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadKeyFile(const std::string& path,
                                        bool must_be_private) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0)
    return ErrnoStatus(errno, absl::StrCat("cannot open ", path));
  // fstat of the open file, not stat of the path, so the checked file is
  // the one read even if the path is replaced meanwhile.
  struct stat info;
  if (fstat(fd.get(), &info) != 0)
    return ErrnoStatus(errno, absl::StrCat("cannot stat ", path));
  if (!S_ISREG(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (must_be_private && (info.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "signer key file %s has mode %04o: group or others can access it; "
        "run chmod 600 on it",
        path, info.st_mode & 07777));
  }
  if (static_cast<size_t>(info.st_size) > kMaxKeyFileSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is too large for a key file"));
  }
  std::string content(kMaxKeyFileSize + 1, '\0');
  size_t size = 0;
  while (size < content.size()) {
    const ssize_t n = read(fd.get(), &content[size], content.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("cannot read ", path));
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  content.resize(size);
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (content.empty() || size > kMaxKeyFileSize ||
      content.find_first_of("\r\n") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " does not hold exactly one key line"));
  }
  return content;
}

}  // namespace

absl::Status WriteSignerKeyFile(const std::string& path,
                                absl::string_view signer_key) {
  return WriteKeyFile(path, signer_key, 0600);
}

absl::StatusOr<std::string> ReadSignerKeyFile(const std::string& path) {
  return ReadKeyFile(path, /*must_be_private=*/true);
}

absl::Status WriteVerifierKeyFile(const std::string& path,
                                  absl::string_view verifier_key) {
  return WriteKeyFile(path, verifier_key, 0644);
}

absl::StatusOr<std::string> ReadVerifierKeyFile(const std::string& path) {
  return ReadKeyFile(path, /*must_be_private=*/false);
}

}  // namespace vitrine::note
