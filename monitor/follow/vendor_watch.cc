#include "monitor/follow/vendor_watch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/file.h"

namespace vitrine::monitor {
namespace {

// Returns `value` as a JSON string literal (RFC 8259 section 7).
std::string JsonString(absl::string_view value) {
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

// Writes all of `data` to `fd`.
absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

std::string FormatWatchLine(absl::string_view origin,
                            const WatchedStatement& watched,
                            uint64_t checkpoint_size) {
  const note::Statement& s = watched.statement;
  std::string line = absl::StrCat(
      "{\"origin\":", JsonString(origin), ",\"index\":", watched.index,
      ",\"vendor\":", JsonString(s.vendor), ",\"artifact\":",
      JsonString(s.artifact), ",\"version\":", JsonString(s.version),
      ",\"sha256\":", JsonString(s.sha256.ToHex()));
  if (s.source.has_value()) {
    absl::StrAppend(&line, ",\"source\":", JsonString(*s.source));
  }
  absl::StrAppend(&line, ",\"leaf_hash\":", JsonString(watched.leaf_hash.ToHex()),
                  ",\"checkpoint_size\":", checkpoint_size, "}\n");
  return line;
}

absl::StatusOr<std::unique_ptr<VendorWatch>> VendorWatch::Open(
    std::string path, std::vector<std::string> vendors) {
  if (path.empty()) {
    return absl::InvalidArgumentError("vendor watch: empty file path");
  }
  const int fd =
      ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", path));
  // End a line torn by a crash, so that the next one stays whole.
  struct stat st;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, st.st_size - 1) != 1) last = '\n';
    if (last != '\n') {
      absl::Status ended = WriteAll(fd, "\n", absl::StrCat("writing ", path));
      if (!ended.ok()) {
        ::close(fd);
        return ended;
      }
    }
  }
  return std::unique_ptr<VendorWatch>(new VendorWatch(
      std::move(path),
      std::set<std::string, std::less<>>(vendors.begin(), vendors.end()), fd));
}

VendorWatch::~VendorWatch() { ::close(fd_); }

std::vector<WatchedStatement> VendorWatch::Select(
    uint64_t start, absl::Span<const std::string> leaves,
    absl::Span<const LeafCheck> checks) const {
  std::vector<WatchedStatement> selected;
  for (size_t i = 0; i < checks.size() && i < leaves.size(); ++i) {
    const LeafCheck& check = checks[i];
    if (check.verdict != LeafVerdict::kOk || !check.statement.has_value() ||
        vendors_.find(check.statement->vendor) == vendors_.end()) {
      continue;
    }
    selected.push_back(
        WatchedStatement{start + i, *check.statement, merkle::HashLeaf(leaves[i])});
  }
  return selected;
}

absl::Status VendorWatch::Record(absl::string_view origin,
                                 absl::Span<const WatchedStatement> statements,
                                 uint64_t checkpoint_size) {
  if (statements.empty()) return absl::OkStatus();
  std::string lines;
  for (const WatchedStatement& watched : statements) {
    lines += FormatWatchLine(origin, watched, checkpoint_size);
  }
  absl::MutexLock lock(&mu_);
  const std::string what = absl::StrCat("writing ", path_);
  if (absl::Status written = WriteAll(fd_, lines, what); !written.ok()) {
    return written;
  }
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, what);
  return absl::OkStatus();
}

}  // namespace vitrine::monitor
