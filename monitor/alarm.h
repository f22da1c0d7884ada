// Where a monitor's parts report proof that a log misbehaved. The
// implementation (monitor/evidence) writes a self-contained evidence file,
// raises the alarm metric, logs it, and from then on the monitor cosigns
// nothing more for that log (Halted), also after a restart.
//
//   if (mine != theirs) {
//     vitrine::v1::Evidence evidence = ...;   // both notes, the proof
//     alarm.Raise(std::move(evidence)).IgnoreError();
//     return absl::FailedPreconditionError("split view");
//   }
//
// Thread-safety: both methods may be called from any thread.
#ifndef VITRINE_MONITOR_ALARM_H_
#define VITRINE_MONITOR_ALARM_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/vitrine/v1/evidence.pb.h"

namespace vitrine::monitor {

class Alarm {
 public:
  virtual ~Alarm() = default;

  // Records `evidence` (its origin names the log) and halts cosigning for
  // that log. Returns the evidence file's path. Evidence identical to one
  // already recorded is not written twice (the existing path is returned).
  // Even when writing fails, the log is halted (and the error returned).
  virtual absl::StatusOr<std::string> Raise(vitrine::v1::Evidence evidence) = 0;

  // True once evidence was raised for `origin` (now or before a restart):
  // the monitor must not cosign any checkpoint of that log again.
  virtual bool Halted(absl::string_view origin) const = 0;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_ALARM_H_
