#include "client/file_digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/file.h"

namespace vitrine::client {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

absl::StatusOr<merkle::Hash> HashFile(const std::string& path) {
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    return ErrnoStatus(errno, absl::StrCat("open ", path));
  }
  struct stat st;
  if (::fstat(file.fd, &st) != 0) {
    return ErrnoStatus(errno, absl::StrCat("stat ", path));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is a folder"));
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 init failed");
  }
  // 256 KiB reads: large enough that syscalls cost little next to hashing.
  auto buffer = std::make_unique<unsigned char[]>(256 * 1024);
  while (true) {
    const ssize_t n = ::read(file.fd, buffer.get(), 256 * 1024);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, absl::StrCat("read ", path));
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx.get(), buffer.get(), static_cast<size_t>(n)) !=
        1) {
      return absl::InternalError("SHA-256 update failed");
    }
  }
  merkle::Hash digest;
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 ||
      length != merkle::kHashSize) {
    return absl::InternalError("SHA-256 final failed");
  }
  return digest;
}

}  // namespace vitrine::client
