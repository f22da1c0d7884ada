// Client state: the last checkpoint this client saw for each log, kept in a
// folder so that a log that later shows this client a smaller tree
// (rollback) or another tree of the same size (fork) is refused, across
// restarts (issue 6, "Optional client state").
//
//   <dir>/<escaped origin>.checkpoint   one signed checkpoint note per log
//
// (the origin with every byte outside [A-Za-z0-9._-] written %XX, so
// "example.com/log" is "example.com%2Flog.checkpoint").
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<ClientState> state,
//                            ClientState::Open("/var/lib/updater/vitrine"));
//   std::optional<note::Checkpoint> seen = state->Get("example.com/log");
//   VITRINE_ASSIGN_OR_RETURN(VerifiedBundle ok,
//       VerifyBundle(digest, bundle, policy, seen ? &*seen : nullptr));
//   VITRINE_RETURN_IF_ERROR(state->Update(ok.checkpoint));
//
// Update refuses, with the Refusal codes of verifier.h:
//   - a checkpoint smaller than the stored one: kRollback,
//     FailedPrecondition (this client has seen a larger tree);
//   - the same size with a different root: kFork, DataLoss (two signed
//     heads for one size: evidence that the log equivocates; keep both).
// A larger checkpoint replaces the stored one. Update does NOT prove that
// it extends the stored one: callers pass only checkpoints they verified,
// and online callers (LogClient) verify a consistency proof first. An equal
// checkpoint is a no-op (no write).
//
// Writes are crash-safe: temporary file, fsync, rename, fsync of the folder
// (common/file.h): a crash leaves the old checkpoint or the new
// one. Open re-reads every file and parses it as a checkpoint note (it does
// not verify signatures again: the folder is the client's own, and whatever
// it holds can only make the client stricter); a damaged file is DataLoss
// naming it, so that an attacker who can corrupt it cannot silently reset
// the state to nothing. Files not ending in ".checkpoint" are ignored.
//
// Thread-safe: one mutex; Update serialises writers. Two processes sharing
// one folder each keep their own view; the last rename wins on disk.
#ifndef VITRINE_CLIENT_CLIENT_STATE_H_
#define VITRINE_CLIENT_CLIENT_STATE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "log/note/checkpoint.h"

namespace vitrine::client {

class ClientState {
 public:
  // Opens the state folder `dir`, creating it (mode 0700) if missing, and
  // loads every stored checkpoint. DataLoss for an unreadable checkpoint
  // file, Internal for other I/O errors.
  static absl::StatusOr<std::unique_ptr<ClientState>> Open(std::string dir);

  // Returns the last checkpoint seen for `origin`, if any.
  std::optional<note::Checkpoint> Get(absl::string_view origin) const;
  // Returns its signed note, byte for byte as stored (with cosignatures).
  std::optional<std::string> GetNote(absl::string_view origin) const;

  // Checks `checkpoint` against the stored one of its origin (CheckNotBehind
  // in verifier.h) without writing anything.
  absl::Status Check(const note::Checkpoint& checkpoint) const;

  // Records a verified checkpoint for its origin (rules above).
  absl::Status Update(const note::VerifiedCheckpoint& verified);

  const std::string& dir() const { return dir_; }

 private:
  struct Entry {
    note::Checkpoint checkpoint;
    std::string note;
  };
  explicit ClientState(std::string dir) : dir_(std::move(dir)) {}

  const std::string dir_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

// Returns the file name (without folder) that holds `origin`'s checkpoint.
std::string StateFileName(absl::string_view origin);

}  // namespace vitrine::client

#endif  // VITRINE_CLIENT_CLIENT_STATE_H_
