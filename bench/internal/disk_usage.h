// What a folder holds on disk and how much of it the page cache holds: for
// benchmarks that copy a store, whose speed depends on both.
//
//   const FolderUsage usage = MeasureFolder("/tmp/bench/log/store");
//   printf("%.1f%% cached\n", 100.0 * usage.cached_bytes / usage.bytes);
//
// Thread-safety: plain functions; they read the file system only.
#ifndef VITRINE_BENCH_INTERNAL_DISK_USAGE_H_
#define VITRINE_BENCH_INTERNAL_DISK_USAGE_H_

#include <cstdint>
#include <string>

namespace vitrine::bench {

struct FolderUsage {
  uint64_t files = 0;         // regular files under the folder
  uint64_t bytes = 0;         // their sizes, summed
  uint64_t cached_bytes = 0;  // of those bytes, pages resident in the page
                              // cache (mincore), when asked for
};

// Walks `dir` recursively (zeros when it does not exist). With
// `page_cache`, maps each file read-only and asks mincore(2) which pages
// are resident, without reading them.
FolderUsage MeasureFolder(const std::string& dir, bool page_cache = false);

// The counters of the block device a path lives on (/proc/diskstats).
struct DeviceCounters {
  std::string device;  // e.g. "vda"; empty when not found
  uint64_t read_bytes = 0;
  uint64_t written_bytes = 0;
  uint64_t busy_ms = 0;  // time with at least one I/O in flight
};

// Reads the counters of the device holding `path` (by its st_dev).
DeviceCounters DeviceCountersOf(const std::string& path);

// Returns the bytes process `pid` has caused to be written to storage so
// far (write_bytes in /proc/<pid>/io), or 0 when unreadable.
uint64_t DiskWriteBytesOf(int pid);

}  // namespace vitrine::bench

#endif  // VITRINE_BENCH_INTERNAL_DISK_USAGE_H_
