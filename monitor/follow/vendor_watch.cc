#include "monitor/follow/vendor_watch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "log/note/rebuild_statement.h"

namespace vitrine::monitor {
namespace {

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

absl::StatusOr<std::unique_ptr<VendorWatch>> VendorWatch::Open(
    std::string path, std::vector<std::string> vendors, std::string program) {
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
  std::unique_ptr<VendorWatch> watch(new VendorWatch(
      std::move(path),
      std::set<std::string, std::less<>>(vendors.begin(), vendors.end()),
      std::move(program), fd));
  if (absl::Status read = watch->ReadBack(); !read.ok()) return read;
  return watch;
}

absl::Status VendorWatch::ReadBack() {
  absl::MutexLock lock(&mu_);
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
    for (size_t end; (end = pending.find('\n', begin)) != std::string::npos;
         begin = end + 1) {
      std::optional<WatchLine> line =
          ParseWatchLine(absl::string_view(pending).substr(begin, end - begin));
      // Contradictions among old lines were reported when they were found.
      if (line.has_value()) Remember(line->origin, line->watched);
    }
    pending.erase(0, begin);
  }
  return absl::OkStatus();
}

VendorWatch::~VendorWatch() { ::close(fd_); }

std::vector<WatchedStatement> VendorWatch::Select(
    uint64_t start, absl::Span<const std::string> leaves,
    absl::Span<const LeafCheck> checks) const {
  std::vector<WatchedStatement> selected;
  for (size_t i = 0; i < checks.size() && i < leaves.size(); ++i) {
    const LeafCheck& check = checks[i];
    WatchedStatement watched;
    if (check.statement.has_value() && check.verdict == LeafVerdict::kOk &&
        vendors_.count(check.statement->vendor) > 0) {
      watched.release = check.statement;
    } else if (check.rebuild.has_value() &&
               (check.verdict == LeafVerdict::kOk ||
                check.verdict == LeafVerdict::kUnknownRebuilder) &&
               vendors_.count(check.rebuild->vendor) > 0) {
      watched.rebuild = check.rebuild;
      watched.trusted = check.verdict == LeafVerdict::kOk;
    } else {
      continue;
    }
    watched.index = start + i;
    watched.leaf_hash = merkle::HashLeaf(leaves[i]);
    selected.push_back(std::move(watched));
  }
  return selected;
}

std::vector<RebuildMismatch> VendorWatch::Remember(
    absl::string_view origin, const WatchedStatement& watched) {
  std::vector<RebuildMismatch> found;
  if (watched.release.has_value()) {
    const note::Statement& release = *watched.release;
    // A release without a source names nothing a rebuilder could rebuild.
    if (!release.source.has_value() || vendors_.count(release.vendor) == 0) {
      return found;
    }
    ReleaseHistory& history = history_[{
        std::string(origin), note::ReleaseKey(release.vendor, release.artifact,
                                              release.version, *release.source)}];
    for (const auto& [index, rebuild] : history.trusted_rebuilds) {
      if (rebuild.sha256 != release.sha256) {
        found.push_back({watched.index, index, rebuild, release.sha256});
      }
    }
    history.releases.emplace_back(watched.index, release.sha256);
  } else if (watched.rebuild.has_value() && watched.trusted &&
             vendors_.count(watched.rebuild->vendor) > 0) {
    const note::RebuildStatement& rebuild = *watched.rebuild;
    ReleaseHistory& history =
        history_[{std::string(origin), note::ReleaseKey(rebuild)}];
    for (const auto& [index, sha256] : history.releases) {
      if (sha256 != rebuild.sha256) {
        found.push_back({index, watched.index, rebuild, sha256});
      }
    }
    history.trusted_rebuilds.emplace_back(watched.index, rebuild);
  }
  return found;
}

absl::Status VendorWatch::Record(absl::string_view origin,
                                 absl::Span<const WatchedStatement> statements,
                                 uint64_t checkpoint_size) {
  if (statements.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  std::string lines;
  for (const WatchedStatement& watched : statements) {
    lines += FormatWatchLine(origin, watched, checkpoint_size);
    for (const RebuildMismatch& mismatch : Remember(origin, watched)) {
      lines += FormatMismatchLine(origin, mismatch, checkpoint_size);
      // Raised before the file is written: a full disk must not hide it.
      ++mismatches_;
      std::fputs(FormatMismatchAlarm(program_, origin, mismatch).c_str(), stderr);
    }
  }
  const std::string what = absl::StrCat("writing ", path_);
  if (absl::Status written = WriteAll(fd_, lines, what); !written.ok()) {
    return written;
  }
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, what);
  return absl::OkStatus();
}

uint64_t VendorWatch::rebuild_mismatches() const {
  absl::MutexLock lock(&mu_);
  return mismatches_;
}

}  // namespace vitrine::monitor
