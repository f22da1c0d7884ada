#include "monitor/mirror/mirrored_logs.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "log/serving/origin.h"

namespace vitrine::monitor {

using serving::QuoteOrigin;

MirroredLogs::MirroredLogs(std::vector<MirroredLog> logs)
    : logs_(std::move(logs)) {}

absl::StatusOr<const MirroredLog*> MirroredLogs::Find(
    absl::string_view origin) const {
  if (origin.empty()) {
    if (logs_.size() == 1) return &logs_[0];
    if (logs_.empty()) {
      return absl::NotFoundError("this monitor serves no log");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("this monitor serves ", logs_.size(), " logs (",
                     Origins(), "): name one in origin"));
  }
  for (const MirroredLog& log : logs_) {
    if (log.copy->origin() == origin) return &log;
  }
  return absl::NotFoundError(absl::StrCat("no log ", QuoteOrigin(origin),
                                          " here: this monitor serves ",
                                          logs_.empty() ? "none" : Origins()));
}

std::string MirroredLogs::LogAddresses() const {
  if (logs_.empty()) return "the log itself";
  return absl::StrJoin(logs_, ", ", [](std::string* out, const MirroredLog& log) {
    absl::StrAppend(out, "the log ", QuoteOrigin(log.copy->origin()), " at ",
                    log.log_address);
  });
}

std::string MirroredLogs::Origins() const {
  return absl::StrJoin(logs_, ", ", [](std::string* out, const MirroredLog& log) {
    out->append(QuoteOrigin(log.copy->origin()));
  });
}

absl::StatusOr<vitrine::v1::Checkpoint> CheckpointOf(const VerifiedCopy& copy,
                                                     uint64_t at_most_size) {
  const std::shared_ptr<const VerifiedHead> head = copy.Latest();
  if (head->signed_note.empty()) {
    return absl::NotFoundError(
        absl::StrCat("this monitor has verified no checkpoint of ",
                     QuoteOrigin(copy.origin()), " yet"));
  }
  vitrine::v1::Checkpoint checkpoint;
  if (at_most_size == 0 || at_most_size >= head->checkpoint.size) {
    checkpoint.set_note(head->signed_note);
    checkpoint.set_size(head->checkpoint.size);
    return checkpoint;
  }
  // Below the head: every stored checkpoint there was verified before it
  // (one the follower is committing right now is larger than the head).
  absl::StatusOr<std::optional<storage::StoredCheckpoint>> stored =
      copy.store().CheckpointAtMost(at_most_size);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "this monitor holds no checkpoint of ", QuoteOrigin(copy.origin()),
        " at or below size ", at_most_size));
  }
  checkpoint.set_note((*stored)->signed_note);
  checkpoint.set_size((*stored)->size);
  return checkpoint;
}

}  // namespace vitrine::monitor
