// An append-only file of lines - JSON lines that operators and their
// alerting tail: the monitor's vendor watch file, the rebuilder's mismatch
// and failure files - kept whole across crashes, line by line.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<LineFile> file,
//                            LineFile::Open("/var/lib/vitrine/watch.jsonl"));
//   VITRINE_RETURN_IF_ERROR(file->ReadLines([&](absl::string_view line) {
//     ... what an earlier run wrote ...
//   }));
//   VITRINE_RETURN_IF_ERROR(file->Append("{\"index\":41}\n"));
//
// Durability: Append returns once its bytes are fsynced. A crash in the
// middle of one may leave a torn last line (no final newline): Open ends
// it with a newline, so the next line starts whole and a reader skips
// just the torn one.
//
// Status codes: common/file.h's (ErrnoStatus) for the OS's answers.
// Thread-safety: every method may be called from any thread; appends are
// serialised.
#ifndef VITRINE_COMMON_LINE_FILE_H_
#define VITRINE_COMMON_LINE_FILE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace vitrine {

class LineFile {
 public:
  // Opens `path` for appending, creating it (mode 0644), and ends a torn
  // last line (above).
  static absl::StatusOr<std::unique_ptr<LineFile>> Open(std::string path);
  ~LineFile();
  LineFile(const LineFile&) = delete;
  LineFile& operator=(const LineFile&) = delete;

  // Appends `lines` (whole lines, each newline included) and fsyncs them.
  absl::Status Append(absl::string_view lines);

  // Calls `visit` with each whole line of the file, in order, without its
  // newline; a last line without one (being appended) is not visited. The
  // file is read in 64 KiB chunks: memory is about its longest line.
  absl::Status ReadLines(const std::function<void(absl::string_view line)>& visit) const;

  const std::string& path() const { return path_; }

 private:
  LineFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  const int fd_;  // O_APPEND, also read with pread
  absl::Mutex mu_;  // serialises Append
};

}  // namespace vitrine

#endif  // VITRINE_COMMON_LINE_FILE_H_
