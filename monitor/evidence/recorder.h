// The monitor's Alarm (monitor/alarm.h): every piece of evidence is checked,
// written once to an evidence file in one folder, logged as an "ALARM:"
// line on stderr, counted for /metrics, and halts cosigning for its log.
// The folder is the halt's memory: Open re-reads it, so a log halted before
// a restart stays halted.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<EvidenceRecorder> alarm,
//                            EvidenceRecorder::Open(state_dir + "/evidence"));
//   absl::StatusOr<std::string> path = alarm->Raise(std::move(evidence));
//   if (alarm->Halted(origin)) ... cosign nothing more for that log ...
//   for (const AlarmCount& c : alarm->Counts()) ... export as a metric ...
//
// Raise refuses evidence that CheckEvidence does not confirm
// (InvalidArgument, logged loudly, nothing halted): a monitor part that
// builds such evidence has a bug, and a bug must not silence a log. Two
// raises of the same conflict (kind, origin and the texts of both notes,
// whatever cosignatures the notes carry) write one file: the second returns
// the first's path. When the file cannot be written the log is halted all
// the same and the error returned (alarm.h).
//
// Thread-safety: thread-safe; raises are serialised (they are rare).
#ifndef VITRINE_MONITOR_EVIDENCE_RECORDER_H_
#define VITRINE_MONITOR_EVIDENCE_RECORDER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "monitor/alarm.h"
#include "proto/vitrine/v1/evidence.pb.h"

namespace vitrine::monitor {

// The number of distinct pieces of evidence held for one (origin, kind),
// those found by Open included, so the alarm metric survives restarts.
struct AlarmCount {
  std::string origin;
  vitrine::v1::Evidence::Kind kind = vitrine::v1::Evidence::KIND_UNSPECIFIED;
  uint64_t count = 0;

  friend bool operator==(const AlarmCount& a, const AlarmCount& b) {
    return a.origin == b.origin && a.kind == b.kind && a.count == b.count;
  }
};

class EvidenceRecorder final : public Alarm {
 public:
  // Creates `dir` (and its parents) if missing, then reads every
  // *.evidence.json in it: each one that CheckEvidence confirms halts its
  // origin; any other is reported on stderr and ignored (a damaged file
  // must not stop the monitor, and proves nothing). Errors only for the
  // folder itself (ErrnoStatus codes).
  static absl::StatusOr<std::unique_ptr<EvidenceRecorder>> Open(
      const std::string& dir);

  // Alarm (see the file comment for the rules).
  absl::StatusOr<std::string> Raise(vitrine::v1::Evidence evidence) override;
  bool Halted(absl::string_view origin) const override;

  // Returns the evidence counts, sorted by origin then kind.
  std::vector<AlarmCount> Counts() const;
  // Returns the halted origins, sorted.
  std::vector<std::string> HaltedOrigins() const;

  const std::string& dir() const { return dir_; }

 private:
  explicit EvidenceRecorder(std::string dir) : dir_(std::move(dir)) {}

  // Remembers verified evidence stored at `path`.
  void Remember(const vitrine::v1::Evidence& evidence, const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  mutable absl::Mutex mu_;
  // Conflict key (EvidenceKey in recorder.cc) -> file path.
  std::map<std::string, std::string> files_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, int>, uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> halted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_EVIDENCE_RECORDER_H_
