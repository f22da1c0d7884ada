// The rebuilder's report files, one JSON object per line, for operators and
// their alerting to tail: mismatches (the alarm) and failed builds.
//
//   A rebuild whose digest differs from the release's (mismatch file):
//   {"origin":"example.com/log","release_index":41,"vendor":"example.com/acme",
//    "artifact":"acme-cli.tar.gz","version":"1.4.2",
//    "source":"https://git.example.com/acme/cli/tree/v1.4.2",
//    "expected_sha256":"9f86...","produced_sha256":"3c1d...",
//    "build_log":"/var/lib/vitrine/rebuilder/logs/41.log"}
//
//   A build that failed or timed out (failures file):
//   {"origin":"example.com/log","release_index":42,"vendor":"example.com/acme",
//    "artifact":"acme-cli.tar.gz","version":"1.4.3","source":"...",
//    "outcome":"failed","reason":"exit status 2",
//    "build_log":"/var/lib/vitrine/rebuilder/logs/42.log"}
//
// (each on one line; outcome is "failed" or "timed_out").
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<ReportFile> alarms,
//                            ReportFile::Open(data + "/mismatches.jsonl"));
//   VITRINE_RETURN_IF_ERROR(alarms->Append(FormatMismatchLine(...)));
//
// Each line is fsynced before Append returns. A line is written before the
// rebuilder records the release as handled, so a crash in between may
// write it twice (release_index tells), never lose it. A torn last line
// left by a crash is ended with a newline at Open.
//
// Status codes: common/file.h's for the OS's answers.
// Thread-safety: Format* are pure; Append calls are serialised.
#ifndef VITRINE_REBUILDER_REPORT_FILE_H_
#define VITRINE_REBUILDER_REPORT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "log/merkle/hash.h"
#include "log/note/statement.h"

namespace vitrine::rebuilder {

// Returns the mismatch line (newline included) for `release`, logged at
// `index` in `origin`, rebuilt to `produced`, with its build log.
std::string FormatMismatchLine(absl::string_view origin, uint64_t index,
                               const note::Statement& release, const merkle::Hash& produced,
                               absl::string_view build_log);

// Returns the failure line (newline included); `outcome` is "failed" or
// "timed_out".
std::string FormatFailureLine(absl::string_view origin, uint64_t index,
                              const note::Statement& release, absl::string_view outcome,
                              absl::string_view reason, absl::string_view build_log);

class ReportFile {
 public:
  // Opens `path` for appending, creating it (mode 0644).
  static absl::StatusOr<std::unique_ptr<ReportFile>> Open(std::string path);
  ~ReportFile();

  // Appends `line` (one whole line, newline included) and fsyncs it.
  absl::Status Append(absl::string_view line);

  const std::string& path() const { return path_; }

 private:
  ReportFile(std::string path, int fd);

  const std::string path_;
  absl::Mutex mu_;
  const int fd_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_REPORT_FILE_H_
