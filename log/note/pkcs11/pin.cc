// ReadPin (pkcs11_key.h): the PIN from a private file or the environment.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file.h"
#include "log/note/pkcs11/pkcs11_key.h"

namespace vitrine::note::pkcs11 {
namespace {

constexpr size_t kMaxPinFileSize = 4096;

// Returns the first line of `text`, without "\n" or "\r\n".
std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::StatusOr<std::string> ReadPinFile(const std::string& path) {
  // O_NOFOLLOW is not used: a link to a private file is fine; the mode
  // checked is the file's own, through the descriptor that is read.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return ErrnoStatus(errno, absl::StrCat("opening PIN file ", path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoStatus(error, absl::StrCat("reading PIN file ", path));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("PIN file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrFormat(
        "PIN file %s is accessible by group or others (mode %04o): "
        "chmod 600 it",
        path, st.st_mode & 07777));
  }
  if (st.st_size > static_cast<off_t>(kMaxPinFileSize)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        "PIN file ", path, " is over ", kMaxPinFileSize, " bytes"));
  }
  std::string text(kMaxPinFileSize + 1, '\0');
  size_t size = 0;
  while (size < text.size()) {
    const ssize_t n = read(fd, &text[size], text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return ErrnoStatus(error, absl::StrCat("reading PIN file ", path));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  close(fd);
  if (size > kMaxPinFileSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PIN file ", path, " is over ", kMaxPinFileSize, " bytes"));
  }
  text.resize(size);
  std::string pin = FirstLine(text);
  std::fill(text.begin(), text.end(), '\0');
  if (pin.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("PIN file ", path, " holds an empty first line"));
  }
  return pin;
}

}  // namespace

absl::StatusOr<std::string> ReadPin(const std::string& pin_file,
                                    const std::string& pin_env) {
  if (pin_file.empty() == pin_env.empty()) {
    return absl::InvalidArgumentError(
        "give the token's PIN by exactly one of a PIN file and an "
        "environment variable");
  }
  if (!pin_file.empty()) return ReadPinFile(pin_file);
  const char* value = std::getenv(pin_env.c_str());
  if (value == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "environment variable ", pin_env, " (the token's PIN) is not set"));
  }
  if (*value == '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        "environment variable ", pin_env, " (the token's PIN) is empty"));
  }
  return std::string(value);
}

}  // namespace vitrine::note::pkcs11
