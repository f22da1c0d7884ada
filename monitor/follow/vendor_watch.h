// The vendor watch (DESIGN.md "The monitor"): for named vendors, every new
// entry logged under their name that the monitor verified, appended as one
// JSON object per line (watch_lines.h) to a file the vendor (or its
// alerting) tails, so that a vendor notices a release it did not make:
//   - each release statement of a watched vendor ("kind":"release");
//   - each rebuild statement naming a watched vendor (issue 15,
//     "kind":"rebuild"), whether or not the monitor trusts its rebuilder
//     ("trusted"), so the vendor sees every claim made about its releases;
//   - each contradiction: a rebuild by a trusted rebuilder of a logged
//     release (same vendor, artifact, version and source) that produced
//     another digest ("kind":"rebuild_mismatch"). It also raises an alarm:
//     an "ALARM:" line on stderr and rebuild_mismatches() (/metrics).
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<VendorWatch> watch,
//       VendorWatch::Open("monitor/acme.jsonl", {"example.com/acme"}));
//   std::vector<WatchedStatement> seen = watch->Select(start, leaves, checks);
//   ... the batch is verified and committed ...
//   VITRINE_RETURN_IF_ERROR(watch->Record(origin, seen, checkpoint.size));
//
// Finding contradictions: a rebuild is usually logged well after its
// release, in another batch, and names only its own digest. The watch
// remembers, per log and release key (note::ReleaseKey: vendor, artifact,
// version, source), the index and digest of each watched release and each
// trusted rebuild, so whichever comes second is compared with the first.
// That memory is rebuilt at Open by reading back the file's release and
// rebuild lines: watched vendors are few, their entries are what the file
// already lists, and it needs no store of its own nor a scan of the
// verified copy (whose digest index finds rebuilds by release key, but
// not the release a rebuild is about). The price: entries logged before a
// vendor was watched, or lost in a crash (below), or removed by rotating
// the file, are not compared; a contradiction is reported once, when
// found, and not again after a restart. Memory: about 200 bytes per
// remembered release or trusted rebuild.
//
// Lines are written once a batch is committed to the verified copy, and
// fsynced before Record returns. The follower resumes after the verified
// size, so a restart writes no line twice; a crash between the commit and
// Record loses that batch's lines (the copy still holds the statements). A
// torn last line left by a crash is ended with a newline at Open
// (common/line_file.h). Several logs' watches may share one file: lines
// name their origin.
//
// Status codes: Open - InvalidArgument for an empty path, the OS's answer
// (common/file's ErrnoStatus) for the file. Record - the same for writes;
// the alarms and the count come first, whatever the file does.
//
// Thread-safety: Select and rebuild_mismatches are thread-safe; Record
// calls are serialised.
#ifndef VITRINE_MONITOR_FOLLOW_VENDOR_WATCH_H_
#define VITRINE_MONITOR_FOLLOW_VENDOR_WATCH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/line_file.h"
#include "log/merkle/hash.h"
#include "monitor/follow/statement_check.h"
#include "monitor/follow/watch_lines.h"

namespace vitrine::monitor {

class VendorWatch {
 public:
  // Opens `path` for appending (creating it, mode 0644) for `vendors`,
  // and reads back the releases and trusted rebuilds it lists. `program`
  // opens the alarm lines (FormatMismatchAlarm).
  static absl::StatusOr<std::unique_ptr<VendorWatch>> Open(
      std::string path, std::vector<std::string> vendors,
      std::string program = "vitrine-monitor");
  ~VendorWatch();

  // Returns the entries of watched vendors among leaves [start, ...):
  // release statements whose check is LeafVerdict::kOk, rebuild statements
  // whose check is kOk (trusted) or kUnknownRebuilder (reported, not
  // trusted); `checks` parallels `leaves`.
  std::vector<WatchedStatement> Select(uint64_t start,
                                       absl::Span<const std::string> leaves,
                                       absl::Span<const LeafCheck> checks) const;

  // Appends one line per statement (`statements` in index order, of log
  // `origin`), each followed by the mismatch lines it reveals, raises the
  // alarm for each mismatch, and fsyncs the file.
  absl::Status Record(absl::string_view origin,
                      absl::Span<const WatchedStatement> statements,
                      uint64_t checkpoint_size);

  // Returns the contradictions found since Open, for every log.
  uint64_t rebuild_mismatches() const;

  const std::string& path() const { return file_->path(); }

 private:
  // What the watch remembers of one release (see "Finding contradictions").
  struct ReleaseHistory {
    std::vector<std::pair<uint64_t, merkle::Hash>> releases;  // index, sha256
    std::vector<std::pair<uint64_t, note::RebuildStatement>> trusted_rebuilds;
  };
  // Keyed by origin and note::ReleaseKey.
  using History = std::map<std::pair<std::string, merkle::Hash>, ReleaseHistory>;

  VendorWatch(std::unique_ptr<LineFile> file,
              std::set<std::string, std::less<>> vendors, std::string program)
      : file_(std::move(file)),
        vendors_(std::move(vendors)),
        program_(std::move(program)) {}

  // Reads back the file's release and rebuild lines into history_.
  absl::Status ReadBack();
  // Remembers `watched` and returns the mismatches it makes with what was
  // remembered before.
  std::vector<RebuildMismatch> Remember(absl::string_view origin,
                                        const WatchedStatement& watched)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<LineFile> file_;  // appends under mu_
  const std::set<std::string, std::less<>> vendors_;
  const std::string program_;
  mutable absl::Mutex mu_;
  History history_ ABSL_GUARDED_BY(mu_);
  uint64_t mismatches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_VENDOR_WATCH_H_
