#include "monitor/follow/vendor_watch.h"

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "log/note/rebuild_statement.h"

namespace vitrine::monitor {

absl::StatusOr<std::unique_ptr<VendorWatch>> VendorWatch::Open(
    std::string path, std::vector<std::string> vendors, std::string program) {
  if (path.empty()) {
    return absl::InvalidArgumentError("vendor watch: empty file path");
  }
  absl::StatusOr<std::unique_ptr<LineFile>> file = LineFile::Open(std::move(path));
  if (!file.ok()) return file.status();
  std::unique_ptr<VendorWatch> watch(new VendorWatch(
      *std::move(file),
      std::set<std::string, std::less<>>(vendors.begin(), vendors.end()),
      std::move(program)));
  if (absl::Status read = watch->ReadBack(); !read.ok()) return read;
  return watch;
}

absl::Status VendorWatch::ReadBack() {
  absl::MutexLock lock(&mu_);
  return file_->ReadLines([this](absl::string_view text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::optional<WatchLine> line = ParseWatchLine(text);
    // Contradictions among old lines were reported when they were found.
    if (line.has_value()) Remember(line->origin, line->watched);
  });
}

VendorWatch::~VendorWatch() = default;

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
  return file_->Append(lines);
}

uint64_t VendorWatch::rebuild_mismatches() const {
  absl::MutexLock lock(&mu_);
  return mismatches_;
}

}  // namespace vitrine::monitor
