// Fork-safe restore (issue 14). A store restored from a backup is older than
// what the log has published since: checkpoints for larger sizes are out
// there, signed, cosigned by witnesses, held by monitors and in vendors'
// bundles. If the log signed new entries at those sizes it would sign a
// second root for a size - a fork that every witness and monitor proves
// against it, forever. So `vitrine-log restore` marks the store, and the next
// start recovers before the sequencer signs anything:
//
//   1. Each configured witness is asked for the largest checkpoint it holds
//      for this log (Witness.GetLatestCheckpoint), verified against the
//      log's key and the witness's. At least n - q + 1 of the n witnesses
//      must answer (q the quorum): every witnessed checkpoint was cosigned
//      by q of them, so any n - q + 1 include one that cosigned the latest.
//   2. Each configured mirror (a monitor's verified copy) is asked for its
//      latest checkpoint too, verified against the log's key: monitors
//      follow the log closely and may hold a checkpoint the witnesses
//      have not seen yet.
//   3. The largest of these is the target. The missing entries are fetched
//      from the mirrors (GetEntries), in steps of at most
//      max_entries_per_step between checkpoints the log signed
//      (GetCheckpoint at_most_size), and each step is appended only if the
//      entries hash to that checkpoint's root (monitor/follow's
//      VerifiedCopy, the monitor's own path): a lying mirror can withhold,
//      never change, and the next mirror is tried.
//   4. Every checkpoint heard of must then match the recovered tree at its
//      size; one that does not means the log forked before (DataLoss).
//
// The store then ends at the target, with the log's own signed note, and
// the sequencer resumes from it as after any restart. Without witnesses the
// recovery refuses (nothing says what was published), as it does when
// entries are missing and no mirror has them; the operator may pass
// --accept_fork_risk to serve anyway, knowingly.
//
//   if (IsMarkedRestored(config.StorePath())) {
//     VITRINE_ASSIGN_OR_RETURN(RecoveryReport report,
//                              RecoverRestoredStore(options));
//     VITRINE_RETURN_IF_ERROR(ClearRestoredMark(config.StorePath()));
//   }
//
// Thread-safety: call before the store is opened by anyone else (the copy
// holds its lock while recovering).
#ifndef VITRINE_LOG_SERVER_RESTORE_RECOVERY_H_
#define VITRINE_LOG_SERVER_RESTORE_RECOVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/server/config.h"
#include "log/storage/store.h"

namespace vitrine::server {

// The file `vitrine-log restore` leaves in the store folder (RocksDB
// ignores names it does not use), so that the mark travels with the store.
inline constexpr char kRestoredMarkName[] = "RESTORED-FROM-BACKUP";

// Writes the mark (what was restored, and why the log must recover), synced.
absl::Status MarkRestored(const std::string& store_path,
                          const storage::BackupInfo& restored);
// True when the store at `store_path` carries the mark.
bool IsMarkedRestored(const std::string& store_path);
// Removes the mark, synced: the store is the log's own again.
absl::Status ClearRestoredMark(const std::string& store_path);

struct RecoveryOptions {
  std::string store_path;
  // The log's verifier key (C2SP vkey); its name is the origin.
  std::string log_vkey;
  std::vector<WitnessAddress> witnesses;
  size_t witness_quorum = 0;  // 1..witnesses.size()
  std::vector<std::string> mirrors;  // host:port of Log services
  std::optional<std::string> witness_tls_roots;  // PEM; plaintext without
  std::optional<std::string> mirror_tls_roots;
  // Deadline of one call to a witness or a mirror.
  absl::Duration timeout = absl::Seconds(10);
  // Most entries held in memory at once: a larger gap is crossed through
  // checkpoints the log signed in between. An entry over a statement's 16
  // KiB fails the mirror that sent it, so a step holds at most 1.6 GB from
  // a lying mirror (about 50 MB from an honest one).
  uint64_t max_entries_per_step = 100000;
};

struct RecoveryReport {
  uint64_t restored_size = 0;   // the backup's tree size
  uint64_t recovered_size = 0;  // the size the store ends at
  uint64_t entries_fetched = 0;
  size_t witnesses_answered = 0;
  std::string target_from;      // who held the largest checkpoint
};

// Brings the marked store up to the largest checkpoint the witnesses and
// mirrors hold (above). Unavailable when too few witnesses answer;
// FailedPrecondition when there is no witness, or entries are missing and
// no mirror is configured or none could serve them (each mirror's error is
// named); DataLoss when a checkpoint heard of conflicts with the recovered
// tree; the store's errors otherwise. Entries appended before a failure
// stay (each step is verified); running it again continues.
absl::StatusOr<RecoveryReport> RecoverRestoredStore(const RecoveryOptions& options);

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_RESTORE_RECOVERY_H_
