// The rebuilder's worker: reads the verified copy of the log in index order
// from the progress store's cursor, and rebuilds each release it is meant
// to (DESIGN.md "Rebuilders").
//
//   RebuildWorker worker(options, parts);   // parts: the pieces below
//   worker.Start();
//   ... the follower verified a new checkpoint: worker.Notify() ...
//   worker.Stop();   // kills a running recipe; that release is redone later
//
// Which entries: a release statement (never a rebuild statement) of one of
// options.vendors that has a source line and whose vendor signature
// verifies under the vendor keys (set_vendor_keys). Others are passed over
// (counted when they are the configured vendors' releases without a source
// or without a valid signature, with a log line for the latter).
//
// For each such release at leaf index i, in order:
//   1. wait while max_pending signed statements wait for the log, or the
//      data file system is below its reserve (no build starts then);
//   2. run the recipe (recipe_runner.h) in <work_dir>/<i>, log in
//      <build_log_dir>/<i>.log;
//   3. failed or timed out: a line in the failures file, a log line, the
//      release recorded as failed (never retried);
//      built: a digest other than the release's is a mismatch - a line in
//      the mismatch file and an ALARM log line - then, match or not, the
//      rebuild statement is signed, recorded as pending, and queued with
//      the submitter; a matching build's folder is removed unless
//      keep_work;
//   4. cancelled (Stop): nothing is recorded, the cursor stays at i, and
//      the next start builds it again - its result was never signed.
// The cursor passes entries that need nothing in the same write as the
// next record, or at the end of each read.
//
// Log lines (stderr; values from the log escaped):
//   vitrine-rebuilder: rebuilding release <i>: <vendor> <artifact> <version> from <source>
//   vitrine-rebuilder: rebuilt release <i>: sha256 <hex> matches (<duration>)
//   vitrine-rebuilder: ALARM: release <i> (<vendor> <artifact> <version>): rebuilt
//       sha256 <produced>, the release says <expected>; build log <path>;
//       recorded in <mismatch file>
//   vitrine-rebuilder: rebuild failed: release <i> (<vendor> <artifact> <version>):
//       <reason>; build log <path>
//   vitrine-rebuilder: not rebuilding release <i>: <why its signature failed>
//   vitrine-rebuilder: worker: <error>   (its own trouble, on change; retried)
//
// Thread-safety: Start and Stop from one thread; the rest from any.
#ifndef VITRINE_REBUILDER_REBUILD_WORKER_H_
#define VITRINE_REBUILDER_REBUILD_WORKER_H_

#include <cstdint>
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
#include "common/metrics.h"
#include "log/note/signer.h"
#include "log/note/statement.h"
#include "log/note/vendor_keys.h"
#include "rebuilder/progress_store.h"
#include "rebuilder/recipe_runner.h"
#include "rebuilder/report_file.h"
#include "rebuilder/submitter.h"

namespace vitrine::rebuilder {

// The log entries the worker may read: those of the verified copy.
class EntrySource {
 public:
  virtual ~EntrySource() = default;
  // The size of the latest verified tree.
  virtual uint64_t VerifiedSize() const = 0;
  // The leaves [begin, end), end at most VerifiedSize().
  virtual absl::StatusOr<std::vector<std::string>> Entries(uint64_t begin,
                                                           uint64_t end) const = 0;
};

struct RebuildWorkerOptions {
  std::string origin;                // the log's, for the report lines
  std::vector<std::string> vendors;  // whose releases are rebuilt
  std::string work_dir;              // job folders: <work_dir>/<leaf index>
  std::string build_log_dir;         // build logs: <build_log_dir>/<leaf index>.log
  bool keep_work = false;            // keep matching builds' folders too
  // Signed statements waiting for the log beyond which no build starts.
  size_t max_pending = 1000;
  // Entries read from the copy at a time.
  uint64_t entries_per_read = 256;
  // How long it waits for Notify before looking at the copy again, and
  // before retrying after its own trouble.
  absl::Duration idle_wait = absl::Seconds(1);
  bool log_to_stderr = true;
};

// What the worker works with; none owned, all must outlive it.
struct RebuildWorkerParts {
  const EntrySource* entries = nullptr;
  RecipeRunner* runner = nullptr;
  const note::Signer* signer = nullptr;  // the rebuilder's key (its name)
  ProgressStore* store = nullptr;
  Submitter* submitter = nullptr;
  ReportFile* mismatches = nullptr;
  ReportFile* failures = nullptr;
  const DiskReserve* disk = nullptr;     // optional
  Histogram* build_seconds = nullptr;    // optional: each build's duration
};

struct RebuildWorkerStats {
  uint64_t releases_seen = 0;       // releases it rebuilt or will (since start)
  uint64_t skipped_no_source = 0;   // its vendors' releases without a source
  uint64_t skipped_unverified = 0;  // ... whose vendor signature failed
  uint64_t matches = 0;
  uint64_t mismatches = 0;
  uint64_t failed = 0;
  uint64_t timed_out = 0;
  std::optional<uint64_t> building;  // the release being built now
  std::string last_error;            // its own trouble; empty when none
};

class RebuildWorker {
 public:
  RebuildWorker(RebuildWorkerOptions options, RebuildWorkerParts parts,
                std::shared_ptr<const note::VendorKeys> vendor_keys);
  ~RebuildWorker();  // Stops.

  void Start();
  // Wakes the worker: the copy grew.
  void Notify();
  // Stops: cancels the recipe runner (for good) and joins. Idempotent.
  void Stop();

  // Replaces the vendor keys (SIGHUP); the next release is checked with
  // them.
  void set_vendor_keys(std::shared_ptr<const note::VendorKeys> keys);

  RebuildWorkerStats stats() const;

 private:
  void Loop();
  // Processes entries from the cursor up to the verified size.
  absl::Status CatchUp();
  // Returns the release at `index` if it is one to rebuild.
  std::optional<note::Statement> Select(uint64_t index, const std::string& leaf);
  // Waits for room and disk space; false when stopping.
  absl::StatusOr<bool> WaitToBuild();
  // Rebuilds one release and records what became of it.
  absl::Status Rebuild(uint64_t index, const note::Statement& release);
  absl::Status Report(uint64_t index, const note::Statement& release,
                      const RecipeJob& job, const RecipeResult& result);
  absl::Status SignAndQueue(uint64_t index, const note::Statement& release,
                            const merkle::Hash& produced);
  bool stopping() const;
  void Log(const std::string& line) const;
  void SetError(const absl::Status& status);

  const RebuildWorkerOptions options_;
  const RebuildWorkerParts parts_;
  const std::set<std::string, std::less<>> vendors_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const note::VendorKeys> vendor_keys_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  RebuildWorkerStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_REBUILD_WORKER_H_
