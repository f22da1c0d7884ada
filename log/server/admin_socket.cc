#include "log/server/admin_socket.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file.h"

namespace vitrine::server {

absl::StatusOr<UnixSocketAddress> UnixSocketAddress::For(
    const std::string& socket_path) {
  const size_t slash = socket_path.rfind('/');
  const std::string folder =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : socket_path.substr(0, slash));
  const std::string name =
      slash == std::string::npos ? socket_path : socket_path.substr(slash + 1);
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("socket path ", socket_path, " names no file"));
  }
  const int fd = open(folder.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening folder ", folder));
  return UnixSocketAddress(fd, socket_path,
                           absl::StrCat("unix:/proc/self/fd/", fd, "/", name));
}

UnixSocketAddress::UnixSocketAddress(int folder_fd, std::string path,
                                     std::string target)
    : folder_fd_(folder_fd), path_(std::move(path)), target_(std::move(target)) {}

UnixSocketAddress::UnixSocketAddress(UnixSocketAddress&& other) noexcept
    : folder_fd_(std::exchange(other.folder_fd_, -1)),
      path_(std::move(other.path_)),
      target_(std::move(other.target_)) {}

UnixSocketAddress& UnixSocketAddress::operator=(UnixSocketAddress&& other) noexcept {
  if (this != &other) {
    if (folder_fd_ >= 0) close(folder_fd_);
    folder_fd_ = std::exchange(other.folder_fd_, -1);
    path_ = std::move(other.path_);
    target_ = std::move(other.target_);
  }
  return *this;
}

UnixSocketAddress::~UnixSocketAddress() {
  if (folder_fd_ >= 0) close(folder_fd_);
}

}  // namespace vitrine::server
