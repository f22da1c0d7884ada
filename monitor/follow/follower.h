// The follower: keeps a monitor's VerifiedCopy of one log up to date with
// the log's signed checkpoints, auditing everything in between (DESIGN.md
// "The monitor").
//
//   FollowerOptions options;
//   options.target = "log.example.com:7400";
//   options.log_vkey = log_vkey;
//   options.vendor_keys_file = "monitor/vendors";
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Follower> follower,
//       Follower::Create(options, copy.get(), alarm.get(),
//                        [&](std::shared_ptr<const VerifiedHead> head) {
//                          witness.Cosign(*head);   // the monitor's part
//                        }));
//   follower->Start();
//   ...
//   follower->Stop();   // prompt: cancels the stream and calls in flight
//
// How it follows: through the Log service's WatchCheckpoints stream, from
// the verified size; when the stream fails (or the log lacks it), by polling
// GetCheckpoint every poll_interval, trying the stream again after
// watch_retry_interval. For each checkpoint:
//   - it must verify under the log key (note::OpenCheckpoint), else it is
//     refused and counted (bad_checkpoint_signatures): not evidence, anyone
//     can send bytes;
//   - the same size as the verified head with another root: evidence
//     SAME_SIZE_DIFFERENT_ROOTS (first_note = the head's, second = new);
//   - smaller (the log's latest went back): its root is compared with the
//     copy's root at that size: different - INCONSISTENT (first_note = the
//     new, smaller one; second_note = the head; prefix_root and
//     consistency_proof from the copy, which holds the larger tree); equal -
//     ROLLBACK (first_note = the head, second_note = the new one);
//   - larger: a consistency proof from the verified size is asked of the log
//     and checked (a failure is counted and kept for the explanation; the
//     entries decide), the entries [verified, new) are fetched with
//     GetEntries (entries_per_fetch per call, the next call overlapping the
//     checks of the current chunk), every statement is checked
//     (StatementChecker: counted by verdict, never fatal), and the leaves
//     are appended to the copy, which recomputes the root: a mismatch is
//     ENTRIES_MISMATCH evidence (first_note = the head's note, prefix_range
//     = the copy's range at the verified size, entries = the leaves served,
//     second_note = the new checkpoint) and the copy does not move; on
//     success the vendor watch gets its lines, then on_verified the head.
// Once evidence exists for the log (alarm->Halted(origin), also from an
// earlier run or from gossip), the follower verifies nothing more: it never
// builds on a history that conflicts with another (stats().halted).
//
// A failed commit of the copy (a full disk, EIO) is the monitor's trouble,
// never the log's: no evidence, and checkpoints keep being checked against
// the verified head. Before fetching entries the follower asks the copy to
// take writes again (VerifiedCopy::Recover, rate-limited there), so it
// fetches nothing while it cannot store it, and catches up by itself, in
// the same process, once the store takes writes again; until then
// last_error and copy_write_failure say why. If the failed commit turns out
// to have landed, that head is reported (stats, on_verified) like any other.
//
// Memory: a gap is held until its root is checked, since the copy may only
// hold verified entries (the store's every commit carries a checkpoint;
// resuming requires it): about the leaf bytes plus ~100 bytes per entry,
// twice over while the store's batch is built. A gap larger than
// max_pending_entries is crossed in steps: the log is asked for the
// checkpoint it signed at the largest size within max_pending_entries of
// the verified one (GetCheckpoint at_most_size), which is verified and
// committed like any other, and so on. Only when the log signed no size in
// such a window (or does not answer at_most_size) is the gap refused
// (last_error says so) rather than risking the process.
//
// Thread-safety: Start and Stop from one thread; stats() from any thread.
// on_verified runs on the follower's thread.
#ifndef VITRINE_MONITOR_FOLLOW_FOLLOWER_H_
#define VITRINE_MONITOR_FOLLOW_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/disk_reserve.h"
#include "monitor/alarm.h"
#include "monitor/follow/statement_check.h"
#include "monitor/follow/vendor_watch.h"
#include "monitor/follow/verified_copy.h"
#include "monitor/verified_log.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace vitrine::monitor {

namespace internal {
class LogConnection;  // Hides the gRPC channel and stub from this header.
}  // namespace internal

struct FollowerOptions {
  // The log's gRPC address ("host:port"), or a mirror's: another
  // vitrine-monitor serving its verified copy of the log (issue 16). Every
  // checkpoint is verified against log_vkey and every entry against it
  // whoever relays them, so a mirror can delay but not deceive; what the
  // follower asks of it is GetCheckpoint (with at_most_size for large
  // gaps), GetConsistencyProof and GetEntries, and WatchCheckpoints when
  // served (else it polls). Evidence names this address as its source.
  // One address, not a list with failover: a checkpoint smaller than the
  // verified head is taken as the log going back (ROLLBACK evidence,
  // above), which two sources at different sizes would raise falsely.
  // Required.
  std::string target;
  // The log's verifier key (C2SP vkey); must be the copy's. Required.
  std::string log_vkey;
  // TLS with these PEM roots when set (empty: the system's roots);
  // plaintext when unset - everything is verified against the log key
  // anyway (as client/log_client.h).
  std::optional<std::string> tls_root_certs;
  // The vendor keys the monitor trusts (vendor-registry format). Required.
  std::string vendor_keys_file;
  // The rebuilder keys it trusts (same format, issue 15): rebuild
  // statements by others are counted unknown_rebuilder and reported by
  // the watch as untrusted. Empty: none.
  std::string rebuilder_keys_file;
  // A missing rebuilder_keys_file means none rather than an error (for a
  // default path the operator may not have created).
  bool rebuilder_keys_optional = false;
  // Verify every statement's vendor (or rebuilder) signature (the
  // catch-up's main cost); off only to measure the rest.
  bool check_vendor_signatures = true;
  // Threads for statement checks; 0 means one per core.
  int check_threads = 0;
  // The free-space reserve of the copy's file system (issue 14), or null.
  // While it is breached no catch-up starts: the error says why (stats'
  // last_error, /healthz) and the next poll tries again.
  const DiskReserve* disk = nullptr;
  // Vendors whose statements go to vendor_watch_file as JSON lines; none
  // means no watch file.
  std::vector<std::string> watched_vendors;
  std::string vendor_watch_file;
  // Entries per GetEntries call: the log's limit is 10000 (larger values
  // are lowered to it); bigger calls mean fewer round trips.
  uint64_t entries_per_fetch = 1000;
  // The largest gap between the verified size and a new checkpoint held in
  // memory for one verification (see "Memory" above).
  uint64_t max_pending_entries = uint64_t{1} << 20;
  // How often GetCheckpoint is polled while the stream is down.
  absl::Duration poll_interval = absl::Seconds(1);
  // How long after a failed stream it is tried again.
  absl::Duration watch_retry_interval = absl::Seconds(10);
  // Follow the WatchCheckpoints stream at all (false: poll only).
  bool watch = true;
  // Deadline of each unary call and of each GetEntries stream.
  absl::Duration deadline = absl::Seconds(30);
  // Names this monitor in evidence (observed_by).
  std::string monitor_name = "vitrine-monitor";
  // Print refusals, evidence and changes of error to stderr.
  bool log_to_stderr = true;
  // Opens each of those lines ("<program>: <origin>: ...") and the vendor
  // watch's alarms: the binary that follows ("vitrine-rebuilder" there).
  std::string program = "vitrine-monitor";
};

struct FollowerStats {
  uint64_t verified_size = 0;
  uint64_t checkpoints_verified = 0;  // appended to the copy
  uint64_t entries_fetched = 0;       // leaves downloaded, all attempts
  // Statements by verdict (never fatal).
  uint64_t bad_grammar = 0;
  uint64_t unknown_vendor = 0;
  uint64_t bad_vendor_signature = 0;
  uint64_t unknown_rebuilder = 0;
  uint64_t bad_rebuilder_signature = 0;
  // Trusted rebuilds that contradicted a watched release (VendorWatch).
  uint64_t rebuild_mismatches = 0;
  // Checkpoints refused: not signed by the log key, or malformed.
  uint64_t bad_checkpoint_signatures = 0;
  // Consistency proofs from the log that did not verify.
  uint64_t failed_proofs = 0;
  uint64_t evidence_raised = 0;
  std::string last_error;  // empty when the last attempt succeeded
  // Why the verified copy takes no writes (a commit failed: a full disk,
  // EIO; VerifiedCopy::WriteFailure), empty when it does: the monitor's
  // own trouble, unlike last_error, which may be the log's.
  std::string copy_write_failure;
  bool halted = false;     // evidence exists for this log: no more advances
  bool watching = false;   // the WatchCheckpoints stream is open
};

class Follower {
 public:
  using OnVerified = std::function<void(std::shared_ptr<const VerifiedHead>)>;

  // `copy` and `alarm` are not owned and must outlive the follower.
  // InvalidArgument for bad options (or a key other than the copy's);
  // errors of reading the vendor keys or opening the watch file.
  static absl::StatusOr<std::unique_ptr<Follower>> Create(
      FollowerOptions options, VerifiedCopy* copy, Alarm* alarm,
      OnVerified on_verified = nullptr);
  ~Follower();  // Stops.

  // Starts following on the follower's own thread. Once: a stopped
  // follower is not restarted (create another on the same copy).
  void Start();
  // Stops following and joins the thread; returns promptly (cancels the
  // stream and the calls in flight). Idempotent.
  void Stop();

  // Processes one signed checkpoint `signed_note` from `source` as
  // described above, on the caller's thread (the follower's loop does this
  // for each checkpoint it receives; call it only while not Started).
  // OK when the copy reached it or already held it; FailedPrecondition
  // when it is refused as evidence or the log is halted; the checkpoint's
  // verification or transport error otherwise.
  absl::Status Process(const std::string& signed_note);

  FollowerStats stats() const;

  // Rereads the vendor and rebuilder keys files (StatementChecker::Reload),
  // from any thread; the next batch of statements is checked with the new
  // keys.
  absl::Status ReloadVendorKeys();

 private:
  Follower(FollowerOptions options, VerifiedCopy* copy, Alarm* alarm,
           OnVerified on_verified, std::unique_ptr<StatementChecker> checker,
           std::unique_ptr<VendorWatch> watch,
           std::unique_ptr<internal::LogConnection> log);

  void Loop();
  // Follows the stream until it ends (error) or Stop.
  absl::Status WatchOnce();
  absl::Status PollOnce();
  // Sleeps up to `duration`, waking for Stop.
  void Wait(absl::Duration duration);
  bool stopping() const;
  bool CheckHalted();
  // Asks the copy to take writes again (VerifiedCopy::Recover) and reports
  // a head it published meanwhile (a failed commit that landed).
  absl::Status RecoverCopy();
  void SetError(const absl::Status& status);
  void Log(absl::string_view message) const;

  // follower_catch_up.cc: the larger-checkpoint path.
  absl::Status CatchUp(const VerifiedHead& head,
                       const note::VerifiedCheckpoint& checkpoint,
                       const std::string& signed_note);
  absl::Status RaiseEvidence(vitrine::v1::Evidence evidence);
  vitrine::v1::Evidence NewEvidence(vitrine::v1::Evidence::Kind kind,
                                    std::string first_note,
                                    std::string second_note,
                                    std::string explanation) const;

  const FollowerOptions options_;
  VerifiedCopy* const copy_;
  Alarm* const alarm_;
  const OnVerified on_verified_;
  const std::unique_ptr<StatementChecker> checker_;
  const std::unique_ptr<VendorWatch> watch_;  // null when none
  const std::unique_ptr<internal::LogConnection> log_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  FollowerStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_FOLLOWER_H_
