// A free-space reserve on a data file system (issue 14): writes stop with a
// clear refusal while there is still room, before RocksDB or a state file
// can fail half-way on a full disk, and reads go on.
//
//   DiskReserve reserve("/var/lib/vitrine/log", /*min_free_bytes=*/-1);
//   if (absl::Status room = reserve.Check(); !room.ok()) {
//     return room;  // ResourceExhausted: "disk nearly full: 812 MiB free ..."
//   }
//
// min_free_bytes < 0 means the default: max(1 GiB, 5% of the file system);
// 0 turns the reserve off. The free space counted is what an unprivileged
// writer may use (statvfs f_bavail): root's reserved blocks do not count.
// Check measures at most every `refresh` (a statvfs costs a system call) and
// answers from the last measurement in between. A file system that cannot
// be measured does not stop writes: the failure is reported by Last() (and
// so by /healthz and /metrics), and the write path meets the real error if
// there is one.
//
// Thread-safe.
#ifndef VITRINE_COMMON_DISK_RESERVE_H_
#define VITRINE_COMMON_DISK_RESERVE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace vitrine {

// Space on one file system, in bytes.
struct DiskSpace {
  uint64_t free_bytes = 0;   // usable by an unprivileged writer
  uint64_t total_bytes = 0;  // the file system's size
};

// Measures the file system holding `path` (statvfs). Unavailable with the
// errno text when it cannot.
absl::StatusOr<DiskSpace> MeasureFileSystem(const std::string& path);

// The default reserve for a file system of `total_bytes`:
// max(1 GiB, 5% of it), but never above half of it, so a small file system
// (a test's, a container's) can still be written to.
uint64_t DefaultReserveBytes(uint64_t total_bytes);

struct DiskReserveOptions {
  // Bytes that must stay free; < 0: DefaultReserveBytes; 0: no reserve.
  int64_t min_free_bytes = -1;
  // How often Check measures the file system again.
  absl::Duration refresh = absl::Milliseconds(250);
  // Measures the file system; tests replace it.
  std::function<absl::StatusOr<DiskSpace>(const std::string&)> measure =
      MeasureFileSystem;
  std::function<absl::Time()> now = absl::Now;
};

class DiskReserve {
 public:
  DiskReserve(std::string path, DiskReserveOptions options = {});

  DiskReserve(const DiskReserve&) = delete;
  DiskReserve& operator=(const DiskReserve&) = delete;

  // OK while at least the reserve is free (or the reserve is off, or the
  // file system cannot be measured); otherwise ResourceExhausted
  // "disk nearly full: N bytes free on PATH, reserve M".
  absl::Status Check() const;

  struct Reading {
    bool measured = false;     // false until a measurement succeeded
    DiskSpace space;           // the last successful measurement
    uint64_t reserve_bytes = 0;
    absl::Status status;       // Check's answer, or why measuring failed
  };
  // The last measurement, taken now if it is older than `refresh`.
  Reading Last() const;

  const std::string& path() const { return path_; }

 private:
  Reading Refresh() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const DiskReserveOptions options_;
  mutable absl::Mutex mu_;
  mutable Reading last_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time measured_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_DISK_RESERVE_H_
