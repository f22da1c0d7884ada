#include "bench/internal/disk_usage.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace vitrine::bench {
namespace {

// Returns the bytes of `path` (of `size` bytes) resident in the page cache.
uint64_t CachedBytes(const std::string& path, uint64_t size) {
  if (size == 0) return 0;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return 0;
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint64_t pages = (size + page - 1) / page;
  std::vector<unsigned char> resident(pages);
  uint64_t cached = 0;
  if (mincore(map, size, resident.data()) == 0) {
    for (uint64_t p = 0; p < pages; ++p) {
      if (resident[p] & 1) cached += (p + 1 == pages) ? size - p * page : page;
    }
  }
  munmap(map, size);
  return cached;
}

}  // namespace

FolderUsage MeasureFolder(const std::string& dir, bool page_cache) {
  FolderUsage usage;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(dir, error), end;
       !error && it != end; it.increment(error)) {
    std::error_code file_error;
    if (!it->is_regular_file(file_error)) continue;
    const uintmax_t size = it->file_size(file_error);
    if (file_error) continue;
    ++usage.files;
    usage.bytes += size;
    if (page_cache) usage.cached_bytes += CachedBytes(it->path().string(), size);
  }
  return usage;
}

DeviceCounters DeviceCountersOf(const std::string& path) {
  DeviceCounters counters;
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return counters;
  const std::string wanted = absl::StrCat(major(info.st_dev), " ", minor(info.st_dev));
  std::ifstream in("/proc/diskstats");
  for (std::string line; std::getline(in, line);) {
    // major minor name reads merged sectors-read ms writes merged
    // sectors-written ms in-flight busy-ms ... (Documentation/iostats).
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 13 || absl::StrCat(fields[0], " ", fields[1]) != wanted) continue;
    uint64_t sectors_read = 0, sectors_written = 0, busy = 0;
    if (!absl::SimpleAtoi(fields[5], &sectors_read) ||
        !absl::SimpleAtoi(fields[9], &sectors_written) || !absl::SimpleAtoi(fields[12], &busy)) {
      return counters;
    }
    counters.device = fields[2];
    counters.read_bytes = sectors_read * 512;  // diskstats sectors are 512 B
    counters.written_bytes = sectors_written * 512;
    counters.busy_ms = busy;
    return counters;
  }
  return counters;
}

uint64_t DiskWriteBytesOf(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/io"));
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "write_bytes:")) {
      return std::strtoull(line.c_str() + 12, nullptr, 10);
    }
  }
  return 0;
}

}  // namespace vitrine::bench
