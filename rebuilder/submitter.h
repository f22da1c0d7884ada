// Sends the rebuilder's signed rebuild statements to the log in batches,
// and records the log's answer for each (DESIGN.md "Rebuilders").
//
//   SubmitterOptions options;
//   options.batch_size = 100;
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Submitter> submitter,
//       Submitter::Create(options, store.get(),
//                         [&](absl::Span<const std::string> notes) {
//                           return log_client->Add(notes);
//                         }));
//   submitter->Start();                       // sends what a restart found
//   VITRINE_RETURN_IF_ERROR(store->RecordPending(41, note));
//   submitter->Enqueue({41, note});           // after it is persisted
//   ...
//   submitter->Stop(/*flush=*/true);
//
// Exactly once: a statement reaches the submitter only once the progress
// store holds it as pending, and it leaves only when the log answered with
// its entry - new, or a duplicate of the same text logged before (signed
// notes are deterministic: Ed25519, one signer), so sending it again after
// a crash, whether or not the first send landed, logs nothing twice. Each
// batch is made durable (ProgressStore::Sync) before it is sent.
//
// When a batch goes: as soon as batch_size statements wait, or batch_delay
// after the oldest of them was queued (a lone release is not held long),
// never during the back-off after a failure. A failed call keeps every
// statement; a statement the log refuses (not registered yet, rate
// limited, ...) stays too, while the others of its batch are done. Both are
// retried after a back-off that doubles from retry_min to retry_max and
// resets after a call the log answered in full. Batches take the waiting
// statements in index order from where the previous batch stopped, wrapping
// around, so a statement refused again and again does not hold up the rest.
//
// Log lines (stderr, values from the log escaped):
//   vitrine-rebuilder: logged release <i>'s rebuild statement at leaf <l>
//       [(already logged)]
//   vitrine-rebuilder: submit: release <i> refused: <status>   (on change)
//   vitrine-rebuilder: submit: <status>                         (on change)
//
// Thread-safety: every method from any thread; Start and Stop once each.
#ifndef VITRINE_REBUILDER_SUBMITTER_H_
#define VITRINE_REBUILDER_SUBMITTER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/log_client.h"
#include "rebuilder/progress_store.h"

namespace vitrine::rebuilder {

// The log's Add: one outcome per note, in order (LogClient::Add).
using AddFunction = std::function<absl::StatusOr<std::vector<client::AddOutcome>>(
    absl::Span<const std::string> notes)>;

struct SubmitterOptions {
  // Statements per Add call (the log takes at most 1000).
  size_t batch_size = 100;
  // Longest wait of a queued statement for its batch to fill.
  absl::Duration batch_delay = absl::Seconds(1);
  // Back-off after a failed call or a refusal: doubles from min to max.
  absl::Duration retry_min = absl::Seconds(1);
  absl::Duration retry_max = absl::Seconds(60);
  // Print the log lines above.
  bool log_to_stderr = true;
};

struct SubmitterStats {
  uint64_t pending = 0;           // waiting for the log's answer
  uint64_t logged_new = 0;        // answered with a new entry
  uint64_t logged_duplicate = 0;  // answered with an entry logged before
  uint64_t refused = 0;           // refusals of one statement (retried)
  uint64_t failed_calls = 0;      // Add calls that failed as a whole
  uint64_t batches = 0;           // Add calls made
  // The last call's trouble (a failed call, a refusal, a store error);
  // empty once a call was answered in full, or before any.
  std::string last_error;
};

class Submitter {
 public:
  // Queues the store's pending statements (a restart's). `store` is not
  // owned and must outlive the submitter. The store's errors.
  static absl::StatusOr<std::unique_ptr<Submitter>> Create(SubmitterOptions options,
                                                           ProgressStore* store,
                                                           AddFunction add);
  ~Submitter();  // Stop(false)

  // Starts sending on the submitter's own thread.
  void Start();

  // Queues a statement the store already holds as pending.
  void Enqueue(PendingStatement statement);

  // Blocks until fewer than `limit` statements wait (true), or `timeout`
  // passes or the submitter stops (false).
  bool WaitForRoom(size_t limit, absl::Duration timeout);

  // Sends every waiting statement once, in batches, now (no delay, no
  // back-off) on the caller's thread; returns the first trouble. For
  // tests and for Stop's last flush.
  absl::Status Flush();

  // Stops the thread (a call in flight finishes first: at most the Add's
  // deadline). With `flush`, and when the last call was answered in full,
  // sends what still waits once more. What stays waiting is in the store.
  // Idempotent.
  void Stop(bool flush);

  SubmitterStats stats() const;

 private:
  Submitter(SubmitterOptions options, ProgressStore* store, AddFunction add,
            std::vector<PendingStatement> pending);

  void Loop();
  // Returns up to batch_size waiting statements from next_start_ on.
  std::vector<PendingStatement> TakeBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends one batch and records the answers; returns the first trouble.
  absl::Status Send(const std::vector<PendingStatement>& batch) ABSL_LOCKS_EXCLUDED(mu_);
  void SetError(const std::string& error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SubmitterOptions options_;
  ProgressStore* const store_;
  const AddFunction add_;

  absl::Mutex send_mu_;  // one Send at a time: the thread's or Flush's
  mutable absl::Mutex mu_;
  absl::CondVar changed_;  // a statement queued or left, or Stop
  std::map<uint64_t, std::string> waiting_ ABSL_GUARDED_BY(mu_);
  // Statements queued since the last batch was taken, and when the first
  // of them came: a batch waits batch_delay from that first one, even when
  // statements arrived while the previous batch was being sent.
  size_t fresh_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time oldest_fresh_ ABSL_GUARDED_BY(mu_);
  uint64_t next_start_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_);
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  SubmitterStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace vitrine::rebuilder

#endif  // VITRINE_REBUILDER_SUBMITTER_H_
