// The logs a monitor serves reads of from its verified copies (DESIGN.md
// "The monitor": a verified copy is also read capacity), and the answers
// that need nothing but a copy: which copy a request's origin means, and
// the checkpoint to serve. The gRPC side is mirror_read_service.h.
//
//   MirroredLogs logs({{copy.get(), "log.example.com:7400"}});
//   VITRINE_ASSIGN_OR_RETURN(const MirroredLog* log, logs.Find(origin));
//   VITRINE_ASSIGN_OR_RETURN(vitrine::v1::Checkpoint checkpoint,
//                            CheckpointOf(*log->copy, at_most_size));
//
// Selection by origin (log.proto GetCheckpointRequest.origin):
//   - a named origin is its copy, or NotFound naming it (and the origins
//     served) - as vitrine-log answers another log's name;
//   - an empty origin is the only copy when there is one; with several it
//     is InvalidArgument naming them: the request is ambiguous, and
//     NotFound would wrongly say the log is not here; with none, NotFound.
//
// Thread-safety: immutable after construction; thread-safe. The copies
// must outlive it.
#ifndef VITRINE_MONITOR_MIRROR_MIRRORED_LOGS_H_
#define VITRINE_MONITOR_MIRROR_MIRRORED_LOGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "monitor/follow/verified_copy.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::monitor {

// Returns this monitor's witness's latest cosigned note for a log (C2SP
// tlog-cosignature; monitor/witness Witness::Latest), or nullopt when it
// cosigned none or must not vouch for the log (halted by evidence).
using CosignedNoteFn =
    std::function<std::optional<std::string>(absl::string_view origin)>;

struct MirroredLog {
  // The verified copy served; never null, outlives the MirroredLogs.
  const VerifiedCopy* copy = nullptr;
  // The log's own gRPC address (the follower's target): where writes go,
  // named in the answers a monitor cannot give.
  std::string log_address;
  // The witness's cosigned notes; empty: notes are served as stored.
  CosignedNoteFn cosigned;
};

class MirroredLogs {
 public:
  explicit MirroredLogs(std::vector<MirroredLog> logs);

  // Returns the log `origin` names (see "Selection by origin").
  absl::StatusOr<const MirroredLog*> Find(absl::string_view origin) const;

  // Returns where each log takes writes and the RPCs a monitor does not
  // serve: "the log \"o\" at host:port" (joined by ", " when several), or
  // "the log itself" when none is configured.
  std::string LogAddresses() const;

  const std::vector<MirroredLog>& logs() const { return logs_; }

 private:
  // The served origins, quoted, for messages.
  std::string Origins() const;

  const std::vector<MirroredLog> logs_;
};

// Returns `log_note` (a checkpoint note exactly as the log signed it) with
// the signature lines of `cosigned` that it lacks appended, when
// `cosigned` is a note of the same checkpoint text; `log_note` unchanged
// otherwise. The log's bytes stay a prefix, so whoever checks only the
// log's signature sees the log's note, and a witness policy naming this
// monitor finds its cosignature (the issue: "the log's own signed
// checkpoints plus the cosignatures the mirror holds").
std::string WithCosignatures(absl::string_view log_note,
                             absl::string_view cosigned);

// Returns the note a mirror serves for `head` of `log`: WithCosignatures
// of the head's note and the witness's latest cosigned note, if any.
std::string ServedNote(const MirroredLog& log, const VerifiedHead& head);

// Returns the checkpoint `copy` serves, exactly as the log signed it: the
// latest verified one when at_most_size is 0 or at least its size, else the
// one stored for the largest size <= at_most_size. The copy holds the
// checkpoints this monitor verified, a subset of those the log signed, so
// the answer may be smaller than the log's own (still signed and
// verifiable). NotFound before the copy has verified any checkpoint, and
// when it holds none at or below at_most_size; storage codes otherwise.
absl::StatusOr<vitrine::v1::Checkpoint> CheckpointOf(const VerifiedCopy& copy,
                                                     uint64_t at_most_size);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_MIRROR_MIRRORED_LOGS_H_
