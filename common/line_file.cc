#include "common/line_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/status_macros.h"

namespace vitrine {

absl::StatusOr<std::unique_ptr<LineFile>> LineFile::Open(std::string path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", path));
  std::unique_ptr<LineFile> file(new LineFile(std::move(path), fd));
  // A crash mid-line left a torn line: end it, so the next one starts whole.
  struct stat st;
  char last = '\n';
  if (::fstat(fd, &st) == 0 && st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) == 1 &&
      last != '\n') {
    VITRINE_RETURN_IF_ERROR(WriteAll(fd, "\n", absl::StrCat("writing ", file->path_)));
  }
  return file;
}

LineFile::~LineFile() { ::close(fd_); }

absl::Status LineFile::Append(absl::string_view lines) {
  absl::MutexLock lock(&mu_);
  VITRINE_RETURN_IF_ERROR(WriteAll(fd_, lines, absl::StrCat("writing ", path_)));
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, absl::StrCat("syncing ", path_));
  return absl::OkStatus();
}

absl::Status LineFile::ReadLines(
    const std::function<void(absl::string_view line)>& visit) const {
  std::string pending;  // the start of a line the last chunk cut
  std::string chunk(1 << 16, '\0');
  for (off_t offset = 0;;) {
    const ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("reading ", path_));
    if (n == 0) break;
    offset += n;
    pending.append(chunk.data(), static_cast<size_t>(n));
    size_t begin = 0;
    for (size_t end; (end = pending.find('\n', begin)) != std::string::npos; begin = end + 1) {
      visit(absl::string_view(pending).substr(begin, end - begin));
    }
    pending.erase(0, begin);
  }
  return absl::OkStatus();
}

}  // namespace vitrine
