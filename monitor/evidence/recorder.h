// The monitor's Alarm (monitor/alarm.h): every piece of evidence is checked,
// written once to an evidence file in one folder, logged as an "ALARM:"
// line on stderr, counted for /metrics, and halts cosigning for its log.
// The folders are the halt's memory: Open re-reads them, so a log halted
// before a restart stays halted.
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<EvidenceRecorder> alarm,
//                            EvidenceRecorder::Open(data + "/evidence",
//                                                   data + "/observed"));
//   absl::StatusOr<std::string> path = alarm->Raise(std::move(evidence));
//   if (alarm->Halted(origin)) ... cosign nothing more for that log ...
//   for (const AlarmCount& c : alarm->Counts()) ... export as a metric ...
//
// Raise refuses evidence that JudgeEvidence does not confirm
// (InvalidArgument, logged loudly, nothing halted): a monitor part that
// builds such evidence has a bug, and a bug must not silence a log. It
// accepts both verdicts: an OBSERVED rollback or entries mismatch was seen
// by this monitor itself. Two raises of the same conflict (kind, origin and
// the texts of both notes, whatever cosignatures the notes carry) write one
// file: the second returns the first's path. When the file cannot be
// written the log is halted all the same and the error returned (alarm.h).
//
// What halts after a restart (issue 11). Evidence files are meant to be
// shared and re-checked by others, and anyone can build an OBSERVED file
// from public checkpoints; so a file in the evidence folder halts its log
// only when it is PROVEN. An OBSERVED file halts it only when this monitor
// raised it: Raise then also writes `<evidence file name>.sha256` (the
// SHA-256 of the file's bytes, in hex) to the observations folder, local
// state that is never shared, and Open adopts an observation only when that
// record matches the file. Any other observation file is reported on stderr
// and halts nothing. Without an observations folder (""), the monitor's own
// observations halt only until the process ends.
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

// Who raises the alarms, as stderr lines say it: the program, and what a
// halt stops there.
struct AlarmVoice {
  std::string program = "vitrine-monitor";
  std::string halts = "cosigning";  // vitrine-rebuilder: "rebuilding"
};

class EvidenceRecorder final : public Alarm {
 public:
  // Creates `dir` and `observations_dir` (and their parents) if missing,
  // then reads every *.evidence.json in `dir`: each one that JudgeEvidence
  // finds PROVEN halts its origin, and each OBSERVED one that this monitor
  // recorded in `observations_dir` (see the file comment); any other is
  // reported on stderr and ignored (a damaged file must not stop the
  // monitor, and a foreign observation proves nothing). Errors only for the
  // folders themselves (ErrnoStatus codes).
  static absl::StatusOr<std::unique_ptr<EvidenceRecorder>> Open(
      const std::string& dir, const std::string& observations_dir = "",
      AlarmVoice voice = {});

  // Alarm (see the file comment for the rules).
  absl::StatusOr<std::string> Raise(vitrine::v1::Evidence evidence) override;
  bool Halted(absl::string_view origin) const override;

  // Returns the evidence counts, sorted by origin then kind.
  std::vector<AlarmCount> Counts() const;
  // Returns the halted origins, sorted.
  std::vector<std::string> HaltedOrigins() const;

  const std::string& dir() const { return dir_; }

 private:
  EvidenceRecorder(std::string dir, std::string observations_dir,
                   AlarmVoice voice)
      : dir_(std::move(dir)),
        observations_dir_(std::move(observations_dir)),
        program_(std::move(voice.program)),
        halts_(std::move(voice.halts)) {}

  // Records that this monitor raised the observation in the evidence file
  // at `path`; true when `path` holds such a recorded observation.
  absl::Status RecordOwnObservation(const std::string& path) const;
  bool IsOwnObservation(const std::string& path) const;

  // Remembers verified evidence stored at `path`.
  void Remember(const vitrine::v1::Evidence& evidence, const std::string& path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  const std::string observations_dir_;
  const std::string program_;  // opens its stderr lines
  const std::string halts_;    // what a halt stops, for the alarm line
  mutable absl::Mutex mu_;
  // Conflict key (EvidenceKey in recorder.cc) -> file path.
  std::map<std::string, std::string> files_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, int>, uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> halted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_EVIDENCE_RECORDER_H_
