#include "common/disk_reserve.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace vitrine {

absl::StatusOr<DiskSpace> MeasureFileSystem(const std::string& path) {
  struct statvfs fs;
  if (statvfs(path.c_str(), &fs) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot measure the file system of ", path, ": ", std::strerror(errno)));
  }
  DiskSpace space;
  space.free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  space.total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  return space;
}

uint64_t DefaultReserveBytes(uint64_t total_bytes) {
  constexpr uint64_t kGiB = uint64_t{1} << 30;
  return std::min(std::max(kGiB, total_bytes / 20), total_bytes / 2);
}

DiskReserve::DiskReserve(std::string path, DiskReserveOptions options)
    : path_(std::move(path)), options_(std::move(options)) {}

DiskReserve::Reading DiskReserve::Refresh() const {
  const absl::Time now = options_.now();
  if (now - measured_at_ < options_.refresh) return last_;
  measured_at_ = now;
  absl::StatusOr<DiskSpace> space = options_.measure(path_);
  if (!space.ok()) {
    // Keep the last good figures; say why they are old.
    last_.status = space.status();
    return last_;
  }
  last_.measured = true;
  last_.space = *space;
  last_.reserve_bytes =
      options_.min_free_bytes < 0
          ? DefaultReserveBytes(space->total_bytes)
          : static_cast<uint64_t>(options_.min_free_bytes);
  if (space->free_bytes < last_.reserve_bytes) {
    last_.status = absl::ResourceExhaustedError(absl::StrCat(
        "disk nearly full: ", space->free_bytes, " bytes free on ", path_,
        ", reserve ", last_.reserve_bytes));
  } else {
    last_.status = absl::OkStatus();
  }
  return last_;
}

absl::Status DiskReserve::Check() const {
  if (options_.min_free_bytes == 0) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  const Reading reading = Refresh();
  // Unmeasurable is not full: let the write meet the real error, if any.
  if (absl::IsResourceExhausted(reading.status)) return reading.status;
  return absl::OkStatus();
}

DiskReserve::Reading DiskReserve::Last() const {
  absl::MutexLock lock(&mu_);
  return Refresh();
}

}  // namespace vitrine
