#include "rebuilder/report_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/json_string.h"

namespace vitrine::rebuilder {
namespace {

// The fields both lines open with.
std::string ReleaseFields(absl::string_view origin, uint64_t index,
                          const note::Statement& release) {
  std::string out =
      absl::StrCat("{\"origin\":", JsonString(origin), ",\"release_index\":", index);
  AppendJsonStringField(&out, "vendor", release.vendor);
  AppendJsonStringField(&out, "artifact", release.artifact);
  AppendJsonStringField(&out, "version", release.version);
  AppendJsonStringField(&out, "source", release.source.value_or(""));
  return out;
}

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, absl::StrCat("writing ", path));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

std::string FormatMismatchLine(absl::string_view origin, uint64_t index,
                               const note::Statement& release, const merkle::Hash& produced,
                               absl::string_view build_log) {
  std::string line = ReleaseFields(origin, index, release);
  AppendJsonStringField(&line, "expected_sha256", release.sha256.ToHex());
  AppendJsonStringField(&line, "produced_sha256", produced.ToHex());
  AppendJsonStringField(&line, "build_log", build_log);
  line += "}\n";
  return line;
}

std::string FormatFailureLine(absl::string_view origin, uint64_t index,
                              const note::Statement& release, absl::string_view outcome,
                              absl::string_view reason, absl::string_view build_log) {
  std::string line = ReleaseFields(origin, index, release);
  AppendJsonStringField(&line, "outcome", outcome);
  AppendJsonStringField(&line, "reason", reason);
  AppendJsonStringField(&line, "build_log", build_log);
  line += "}\n";
  return line;
}

absl::StatusOr<std::unique_ptr<ReportFile>> ReportFile::Open(std::string path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("opening ", path));
  std::unique_ptr<ReportFile> file(new ReportFile(std::move(path), fd));
  // A crash mid-line left a torn line: end it, so the next one stays whole.
  struct stat st;
  char last = '\n';
  if (::fstat(fd, &st) == 0 && st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) == 1 &&
      last != '\n') {
    absl::MutexLock lock(&file->mu_);
    if (absl::Status ended = WriteAll(fd, "\n", file->path_); !ended.ok()) return ended;
  }
  return file;
}

ReportFile::ReportFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

ReportFile::~ReportFile() { ::close(fd_); }

absl::Status ReportFile::Append(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  if (absl::Status written = WriteAll(fd_, line, path_); !written.ok()) return written;
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, absl::StrCat("syncing ", path_));
  return absl::OkStatus();
}

}  // namespace vitrine::rebuilder
