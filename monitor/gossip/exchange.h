// The two halves of a gossip Exchange that the service (answering) and the
// gossiper (asking) share: what a monitor sends for each log it follows,
// and how it checks the checkpoints it receives (peer_check.h).
//
//   std::vector<vitrine::v1::GossipCheckpoint> mine = HeadsToSend(logs, {});
//   for (const CheckedCheckpoint& checked :
//        CheckReceived(logs, alarm, answer.checkpoints(), source, "monitor-a",
//                      {}))
//     counts.Add(checked.result.kind);
//
// Thread-safe when the logs and the alarm are.
#ifndef VITRINE_MONITOR_GOSSIP_EXCHANGE_H_
#define VITRINE_MONITOR_GOSSIP_EXCHANGE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "monitor/alarm.h"
#include "monitor/gossip/peer_check.h"
#include "monitor/verified_log.h"
#include "proto/vitrine/v1/gossip.pb.h"

namespace vitrine::monitor {

// The note sent for a log's head. It must be canonical (issue 11,
// monitor/witness/canonical_note.h): the checkpoint text, the log's
// signature line(s) and only cosignatures this monitor verified or made,
// so nothing a peer or a pusher padded a note with is passed on. By default
// CanonicalHeadNote; the monitor returns its witness's Latest(), which adds
// its own cosignature.
using NoteToSend =
    std::function<std::string(const std::string& origin, const VerifiedHead&)>;

// Returns the head's signed note reduced to the text and the log's lines
// (the follower verified them): what gossip sends without a NoteToSend.
std::string CanonicalHeadNote(const VerifiedLog& log, const VerifiedHead& head);

// The log's consistency proof for the log named `origin` (LogConsistencyFn
// per log); may be empty.
using LogConsistencyByOrigin =
    std::function<absl::StatusOr<std::vector<merkle::Hash>>(
        const std::string& origin, uint64_t old_size, uint64_t new_size)>;

// Bounds on what one Exchange carries, for both directions.
struct ExchangeLimits {
  // Checkpoints per message (more: RESOURCE_EXHAUSTED): one per followed
  // log, and no monitor follows this many.
  size_t max_checkpoints = 64;
  // Bytes per note (more: RESOURCE_EXHAUSTED): a checkpoint with a hundred
  // cosignatures takes about 10 KiB.
  size_t max_note_bytes = 64 << 10;
  // Bytes of the sender's monitor name (more: INVALID_ARGUMENT).
  size_t max_monitor_name_bytes = 256;
};

// Returns OK when `checkpoints` and `monitor` are within `limits`
// (RESOURCE_EXHAUSTED or INVALID_ARGUMENT naming the limit otherwise).
absl::Status CheckExchangeLimits(
    absl::string_view monitor,
    const google::protobuf::RepeatedPtrField<vitrine::v1::GossipCheckpoint>&
        checkpoints,
    const ExchangeLimits& limits);

// Returns the latest head of each log that has verified anything (size 0
// heads are skipped), its note from `note_to_send` when set.
std::vector<vitrine::v1::GossipCheckpoint> HeadsToSend(
    absl::Span<VerifiedLog* const> logs, const NoteToSend& note_to_send);

// Returns `head` of `log` as sent (note_to_send as above), with the proof
// fields of gossip.proto from `their_size` when it is smaller than the
// head's: proof_old_size, proof_old_root = RootAt(their_size) and
// ConsistencyProof(their_size, head size).
absl::StatusOr<vitrine::v1::GossipCheckpoint> HeadWithProof(
    const VerifiedLog& log, const VerifiedHead& head, uint64_t their_size,
    const NoteToSend& note_to_send);

// One received checkpoint and what checking it found.
struct CheckedCheckpoint {
  // The origin the note claims (empty when it is not a checkpoint at all).
  std::string origin;
  PeerCheckResult result;
};

// Hooks around the signature verification of each received checkpoint,
// for a per-peer budget of failed verifications (common/peer_budget.h).
struct VerificationBudget {
  // Before a checkpoint's signature is verified: not OK stops the checking
  // (that checkpoint and the ones after it are not returned). Empty: none.
  std::function<absl::Status()> before;
  // After a checkpoint was rejected (its signature did not verify, or it
  // was not a checkpoint of a followed log's key at all). Empty: none.
  std::function<void()> rejected;
  // Checkpoints verified before, not verified again; null: none.
  VerifiedNotes* verified_notes = nullptr;
};

// Writes one log line (no newline) caused by a peer's message, so that the
// caller can limit them per peer (common/log_limiter.h).
using PeerLogLine = std::function<void(const std::string& line)>;

// Checks every received checkpoint whose origin is one of `logs` against
// that log (CheckPeerCheckpoint); checkpoints of other origins are skipped
// (not returned); notes that are not checkpoints come back kRejected. When
// this monitor's own copy cannot answer, the result is kAheadUnverified
// with the reason (it cannot judge), and the error goes to `log_line`
// (stderr when empty), escaped (common/log_escape.h). `source` is quoted
// as it is: the caller escapes what the peer supplied in it. A
// checkpoint identical to an earlier one of the same message (note and
// proof) is not checked again: it gets the earlier one's result, so 64
// copies of one checkpoint cost one verification.
std::vector<CheckedCheckpoint> CheckReceived(
    absl::Span<VerifiedLog* const> logs, Alarm& alarm,
    const google::protobuf::RepeatedPtrField<vitrine::v1::GossipCheckpoint>&
        received,
    absl::string_view source, absl::string_view monitor_name,
    const LogConsistencyByOrigin& log_consistency,
    const VerificationBudget& budget = {},
    const PeerLogLine& log_line = {});

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_GOSSIP_EXCHANGE_H_
