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
// The files are common/line_file.h's: each line is fsynced before Append
// returns, a torn last line left by a crash is ended with a newline at
// Open. A line is written before the rebuilder records the release as
// handled, so a crash in between may write it twice (release_index tells),
// never lose it.
//
// Thread-safety: Format* are pure; LineFile's methods are thread-safe.
#ifndef VITRINE_REBUILDER_REPORT_FILE_H_
#define VITRINE_REBUILDER_REPORT_FILE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/line_file.h"
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

// The mismatch and failures files.
using ReportFile = LineFile;

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_REPORT_FILE_H_
