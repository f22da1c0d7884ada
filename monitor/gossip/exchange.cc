#include "monitor/gossip/exchange.h"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log_escape.h"
#include "common/status_macros.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "monitor/witness/canonical_note.h"

namespace vitrine::monitor {
namespace {

std::string NoteOf(const VerifiedLog& log, const VerifiedHead& head,
                   const NoteToSend& note_to_send) {
  return note_to_send ? note_to_send(log.origin(), head)
                      : CanonicalHeadNote(log, head);
}

// Returns the origin a note claims, before anything is verified: only to
// pick the log to verify it against.
absl::StatusOr<std::string> ClaimedOrigin(absl::string_view signed_note) {
  VITRINE_ASSIGN_OR_RETURN(note::Note parsed, note::ParseNote(signed_note));
  VITRINE_ASSIGN_OR_RETURN(note::Checkpoint checkpoint,
                           note::ParseCheckpoint(parsed.text));
  return checkpoint.origin;
}

}  // namespace

std::string CanonicalHeadNote(const VerifiedLog& log,
                              const VerifiedHead& head) {
  return CanonicalNoteByKeys(head.signed_note, log.log_keys());
}

absl::Status CheckExchangeLimits(
    absl::string_view monitor,
    const google::protobuf::RepeatedPtrField<vitrine::v1::GossipCheckpoint>&
        checkpoints,
    const ExchangeLimits& limits) {
  if (monitor.size() > limits.max_monitor_name_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("monitor name of ", monitor.size(),
                     " bytes, the limit is ", limits.max_monitor_name_bytes));
  }
  if (static_cast<size_t>(checkpoints.size()) > limits.max_checkpoints) {
    return absl::ResourceExhaustedError(
        absl::StrCat(checkpoints.size(), " checkpoints, the limit is ",
                     limits.max_checkpoints));
  }
  for (int i = 0; i < checkpoints.size(); ++i) {
    if (checkpoints[i].note().size() > limits.max_note_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "checkpoint ", i, ": a note of ", checkpoints[i].note().size(),
          " bytes, the limit is ", limits.max_note_bytes));
    }
  }
  return absl::OkStatus();
}

std::vector<vitrine::v1::GossipCheckpoint> HeadsToSend(
    absl::Span<VerifiedLog* const> logs, const NoteToSend& note_to_send) {
  std::vector<vitrine::v1::GossipCheckpoint> heads;
  for (const VerifiedLog* log : logs) {
    const std::shared_ptr<const VerifiedHead> head = log->Latest();
    if (head->checkpoint.size == 0) continue;
    vitrine::v1::GossipCheckpoint checkpoint;
    checkpoint.set_note(NoteOf(*log, *head, note_to_send));
    heads.push_back(std::move(checkpoint));
  }
  return heads;
}

absl::StatusOr<vitrine::v1::GossipCheckpoint> HeadWithProof(
    const VerifiedLog& log, const VerifiedHead& head, uint64_t their_size,
    const NoteToSend& note_to_send) {
  vitrine::v1::GossipCheckpoint checkpoint;
  checkpoint.set_note(NoteOf(log, head, note_to_send));
  const uint64_t size = head.checkpoint.size;
  if (their_size >= size) return checkpoint;
  VITRINE_ASSIGN_OR_RETURN(merkle::Hash old_root, log.RootAt(their_size));
  VITRINE_ASSIGN_OR_RETURN(std::vector<merkle::Hash> proof,
                           log.ConsistencyProof(their_size, size));
  checkpoint.set_proof_old_size(their_size);
  checkpoint.set_proof_old_root(std::string(old_root.AsStringView()));
  for (const merkle::Hash& hash : proof) {
    checkpoint.add_consistency_proof(std::string(hash.AsStringView()));
  }
  return checkpoint;
}

std::vector<CheckedCheckpoint> CheckReceived(
    absl::Span<VerifiedLog* const> logs, Alarm& alarm,
    const google::protobuf::RepeatedPtrField<vitrine::v1::GossipCheckpoint>&
        received,
    absl::string_view source, absl::string_view monitor_name,
    const LogConsistencyByOrigin& log_consistency,
    const VerificationBudget& budget, const PeerLogLine& log_line) {
  std::vector<CheckedCheckpoint> checked;
  // Each distinct checkpoint of the message, and the index of its result
  // (-1: skipped, another origin).
  std::map<std::string, int> seen;
  for (const vitrine::v1::GossipCheckpoint& theirs : received) {
    std::string key = theirs.SerializeAsString();
    if (auto it = seen.find(key); it != seen.end()) {
      if (it->second >= 0) checked.push_back(checked[it->second]);
      continue;
    }
    int& index = seen[std::move(key)];
    index = -1;
    absl::StatusOr<std::string> origin = ClaimedOrigin(theirs.note());
    if (!origin.ok()) {
      PeerCheckResult rejected;
      rejected.kind = PeerCheckKind::kRejected;
      rejected.detail =
          absl::StrCat("not a checkpoint note: ", origin.status().message());
      if (budget.rejected) budget.rejected();
      index = static_cast<int>(checked.size());
      checked.push_back({"", std::move(rejected)});
      continue;
    }
    const VerifiedLog* log = nullptr;
    for (const VerifiedLog* candidate : logs) {
      if (candidate->origin() == *origin) log = candidate;
    }
    if (log == nullptr) continue;  // A log this monitor does not follow.
    if (budget.before) {
      if (!budget.before().ok()) break;
    }
    LogConsistencyFn consistency;
    if (log_consistency) {
      consistency = [&log_consistency, &origin](uint64_t old_size,
                                                uint64_t new_size) {
        return log_consistency(*origin, old_size, new_size);
      };
    }
    absl::StatusOr<PeerCheckResult> result =
        CheckPeerCheckpoint(*log, alarm, theirs, source, monitor_name,
                            consistency, budget.verified_notes);
    if (!result.ok()) {
      const std::string line = absl::StrCat(
          "vitrine-monitor: gossip: cannot check a checkpoint of ",
          EscapeForLog(*origin), " from ", source, ": ",
          EscapeForLog(result.status().ToString(), 1024));
      if (log_line) {
        log_line(line);
      } else {
        std::fprintf(stderr, "%s\n", line.c_str());
      }
      PeerCheckResult unjudged;
      unjudged.kind = PeerCheckKind::kAheadUnverified;
      unjudged.detail =
          absl::StrCat("could not check here: ", result.status().ToString());
      result = std::move(unjudged);
    }
    if (result->kind == PeerCheckKind::kRejected && budget.rejected) {
      budget.rejected();
    }
    index = static_cast<int>(checked.size());
    checked.push_back({*origin, *std::move(result)});
  }
  return checked;
}

}  // namespace vitrine::monitor
