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

std::string WithCosignatures(absl::string_view log_note,
                             absl::string_view cosigned) {
  const size_t log_blank = log_note.find("\n\n");
  const size_t cosigned_blank = cosigned.find("\n\n");
  if (log_blank == absl::string_view::npos ||
      cosigned_blank == absl::string_view::npos ||
      log_note.substr(0, log_blank) != cosigned.substr(0, cosigned_blank) ||
      log_note.back() != '\n') {
    return std::string(log_note);
  }
  // Whole signature lines of `cosigned` the log's note does not carry.
  const absl::string_view log_lines = log_note.substr(log_blank + 1);
  std::string served(log_note);
  for (absl::string_view rest = cosigned.substr(cosigned_blank + 2); !rest.empty();) {
    const size_t end = rest.find('\n');
    if (end == absl::string_view::npos) break;  // not a note's last line
    const absl::string_view line = rest.substr(0, end + 1);
    rest.remove_prefix(end + 1);
    if (log_lines.find(absl::StrCat("\n", line)) == absl::string_view::npos) {
      served.append(line.data(), line.size());
    }
  }
  return served;
}

std::string ServedNote(const MirroredLog& log, const VerifiedHead& head) {
  if (!log.cosigned || head.signed_note.empty()) return head.signed_note;
  const std::optional<std::string> cosigned = log.cosigned(log.copy->origin());
  if (!cosigned.has_value()) return head.signed_note;
  return WithCosignatures(head.signed_note, *cosigned);
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
