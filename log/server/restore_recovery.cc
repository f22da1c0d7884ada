#include "log/server/restore_recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/file.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "log/note/checkpoint.h"
#include "log/note/cosignature.h"
#include "log/note/keys.h"
#include "log/note/note.h"
#include "log/note/statement.h"
#include "monitor/follow/verified_copy.h"
#include "proto/vitrine/v1/log.grpc.pb.h"
#include "proto/vitrine/v1/witness.grpc.pb.h"

namespace vitrine::server {
namespace {

// The log's GetEntries limit (log.proto): one call streams at most this many.
constexpr uint64_t kEntriesPerCall = 10000;

// A checkpoint some witness or mirror holds, verified against the log key.
struct HeardCheckpoint {
  note::Checkpoint checkpoint;
  std::string log_note;  // the checkpoint with the log's signature(s) only
  std::string from;      // "witness <name>" or "mirror <address>"
};

std::shared_ptr<grpc::ChannelCredentials> Credentials(
    const std::optional<std::string>& roots) {
  if (!roots.has_value()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *roots;
  return grpc::SslCredentials(ssl);
}

std::chrono::system_clock::time_point Deadline(absl::Duration timeout) {
  return absl::ToChronoTime(absl::Now() + timeout);
}

// The note reduced to the log's own verified signature lines: what the
// log's store holds for every size (cosignatures live apart, store.h).
std::string LogSignedNote(const note::VerifiedCheckpoint& opened) {
  return note::FormatNote(
      note::Note{opened.note.note.text, opened.note.verified});
}

class Recovery {
 public:
  Recovery(const RecoveryOptions& options, std::string origin,
           note::VerifierSet log_keys, std::unique_ptr<monitor::VerifiedCopy> copy)
      : options_(options),
        origin_(std::move(origin)),
        log_keys_(std::move(log_keys)),
        copy_(std::move(copy)) {
    for (const std::string& address : options.mirrors) {
      mirrors_.push_back(vitrine::v1::Log::NewStub(
          grpc::CreateChannel(address, Credentials(options.mirror_tls_roots))));
    }
  }

  absl::StatusOr<RecoveryReport> Run() {
    RecoveryReport report;
    report.restored_size = copy_->Latest()->checkpoint.size;
    VITRINE_RETURN_IF_ERROR(AskWitnesses(report));
    AskMirrors();
    const HeardCheckpoint* target = nullptr;
    for (const HeardCheckpoint& heard : heard_) {
      if (target == nullptr || heard.checkpoint.size > target->checkpoint.size) {
        target = &heard;
      }
    }
    if (target != nullptr && target->checkpoint.size > report.restored_size) {
      report.target_from = target->from;
      VITRINE_RETURN_IF_ERROR(FetchUpTo(*target, report));
    }
    VITRINE_RETURN_IF_ERROR(CheckEveryHeardCheckpoint());
    report.recovered_size = copy_->Latest()->checkpoint.size;
    return report;
  }

 private:
  // Step 1: the largest checkpoint each witness holds.
  absl::Status AskWitnesses(RecoveryReport& report) {
    std::vector<std::string> failures;
    for (const WitnessAddress& witness : options_.witnesses) {
      VITRINE_ASSIGN_OR_RETURN(note::VerifierKey key,
                               note::ParseVerifierKey(witness.vkey));
      const std::string who = absl::StrCat("witness ", key.name);
      auto stub = vitrine::v1::Witness::NewStub(grpc::CreateChannel(
          witness.address, Credentials(options_.witness_tls_roots)));
      grpc::ClientContext context;
      context.set_deadline(Deadline(options_.timeout));
      vitrine::v1::GetLatestCheckpointRequest request;
      request.set_origin(origin_);
      vitrine::v1::GetLatestCheckpointResponse response;
      const grpc::Status status = stub->GetLatestCheckpoint(&context, request, &response);
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
        ++report.witnesses_answered;  // it holds nothing for this log
        continue;
      }
      if (!status.ok()) {
        failures.push_back(absl::StrCat(who, " at ", witness.address, ": ",
                                        FromGrpcStatus(status).ToString()));
        continue;
      }
      // The log's signature and this witness's cosignature: a witness (or
      // whoever answers at its address) cannot make the log jump ahead to
      // a checkpoint the log never signed.
      note::VerifierSet witness_keys;
      VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                               note::NewVerifier(witness.vkey));
      VITRINE_RETURN_IF_ERROR(witness_keys.Add(std::move(verifier)));
      absl::StatusOr<note::CosignedCheckpoint> opened = note::OpenCosignedCheckpoint(
          response.checkpoint(), origin_, log_keys_, witness_keys, 1);
      if (!opened.ok()) {
        failures.push_back(absl::StrCat(who, " answered a checkpoint that does not verify: ",
                                        opened.status().ToString()));
        continue;
      }
      ++report.witnesses_answered;
      heard_.push_back({opened->checkpoint.checkpoint,
                        LogSignedNote(opened->checkpoint), who});
    }
    const size_t n = options_.witnesses.size();
    const size_t needed = n - options_.witness_quorum + 1;
    if (report.witnesses_answered < needed) {
      return absl::UnavailableError(absl::StrCat(
          "restored store: ", report.witnesses_answered, " of ", n,
          " witnesses answered, ", needed,
          " must (with quorum ", options_.witness_quorum,
          ") to know the largest witnessed checkpoint; not signing anything. ",
          absl::StrJoin(failures, "; ")));
    }
    return absl::OkStatus();
  }

  // Step 2: the mirrors' latest checkpoints. An unreachable mirror only
  // matters if its entries are needed.
  void AskMirrors() {
    for (size_t i = 0; i < mirrors_.size(); ++i) {
      absl::StatusOr<HeardCheckpoint> heard = MirrorCheckpoint(i, 0);
      if (heard.ok()) {
        heard_.push_back(*std::move(heard));
      } else {
        mirror_errors_.push_back(heard.status().ToString());
      }
    }
  }

  // The checkpoint mirror `i` holds: its latest, or with at_most_size the
  // one of the largest size <= it.
  absl::StatusOr<HeardCheckpoint> MirrorCheckpoint(size_t i, uint64_t at_most_size) {
    const std::string who = absl::StrCat("mirror ", options_.mirrors[i]);
    grpc::ClientContext context;
    context.set_deadline(Deadline(options_.timeout));
    vitrine::v1::GetCheckpointRequest request;
    request.set_origin(origin_);
    request.set_at_most_size(at_most_size);
    vitrine::v1::GetCheckpointResponse response;
    const grpc::Status status = mirrors_[i]->GetCheckpoint(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(FromGrpcStatus(status).code(),
                          absl::StrCat(who, ": ", status.error_message()));
    }
    absl::StatusOr<note::VerifiedCheckpoint> opened =
        note::OpenCheckpoint(response.checkpoint().note(), origin_, log_keys_);
    if (!opened.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          who, " answered a checkpoint that does not verify: ",
          opened.status().message()));
    }
    return HeardCheckpoint{opened->checkpoint, LogSignedNote(*opened), who};
  }

  // The leaves [begin, end) from mirror `i`.
  absl::StatusOr<std::vector<std::string>> MirrorEntries(size_t i, uint64_t begin,
                                                         uint64_t end) {
    const std::string who = absl::StrCat("mirror ", options_.mirrors[i]);
    std::vector<std::string> leaves;
    leaves.reserve(end - begin);
    for (uint64_t start = begin; start < end;) {
      const uint64_t stop = std::min(end, start + kEntriesPerCall);
      grpc::ClientContext context;
      context.set_deadline(Deadline(options_.timeout));
      vitrine::v1::GetEntriesRequest request;
      request.set_origin(origin_);
      request.set_start(start);
      request.set_end(stop);
      auto reader = mirrors_[i]->GetEntries(&context, request);
      vitrine::v1::Entry entry;
      while (reader->Read(&entry)) {
        std::string wrong;
        if (entry.index() != begin + leaves.size() || entry.index() >= stop) {
          wrong = absl::StrCat("entry ", entry.index(), " where ",
                               begin + leaves.size(), " was due");
        } else if (entry.leaf().size() > note::kMaxStatementNoteSize) {
          // The log never logged a statement this large: a mirror that
          // sends one is lying, and must not make recovery hold gigabytes.
          wrong = absl::StrCat("entry ", entry.index(), " of ", entry.leaf().size(),
                               " bytes, over the ", note::kMaxStatementNoteSize,
                               " a statement may have");
        }
        if (!wrong.empty()) {
          context.TryCancel();
          reader->Finish().ok();
          return absl::InvalidArgumentError(absl::StrCat(who, " sent ", wrong));
        }
        leaves.push_back(std::move(*entry.mutable_leaf()));
      }
      const grpc::Status status = reader->Finish();
      if (!status.ok()) {
        return absl::Status(FromGrpcStatus(status).code(),
                            absl::StrCat(who, ": entries [", start, ", ", stop,
                                         "): ", status.error_message()));
      }
      if (begin + leaves.size() != stop) {
        return absl::UnavailableError(absl::StrCat(
            who, " ended entries [", start, ", ", stop, ") at ",
            begin + leaves.size()));
      }
      start = stop;
    }
    return leaves;
  }

  // Step 3: steps of verified entries up to `target`.
  absl::Status FetchUpTo(const HeardCheckpoint& target, RecoveryReport& report) {
    if (mirrors_.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "restored store: ", target.from, " holds checkpoint ",
          target.checkpoint.size, " but the backup ends at ",
          report.restored_size,
          " and no mirror is configured to fetch the missing entries from: "
          "add `mirror = <monitor host:port>`, or pass --accept_fork_risk to "
          "sign new entries at sizes already published (a fork)"));
    }
    std::vector<std::string> errors = mirror_errors_;
    size_t mirror = 0;
    while (copy_->Latest()->checkpoint.size < target.checkpoint.size) {
      const uint64_t start = copy_->Latest()->checkpoint.size;
      absl::Status step = Step(mirror, start, target, report);
      if (step.ok()) continue;
      errors.push_back(step.ToString());
      // A damaged store is ours, not the mirror's: stop.
      if (step.code() == absl::StatusCode::kDataLoss) return step;
      if (++mirror == mirrors_.size()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "restored store: no mirror could serve entries [", start, ", ",
            target.checkpoint.size, ") of ", target.from, "'s checkpoint: ",
            absl::StrJoin(errors, "; "),
            "; not signing anything (or pass --accept_fork_risk)"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Step(size_t mirror, uint64_t start, const HeardCheckpoint& target,
                    RecoveryReport& report) {
    HeardCheckpoint step = target;
    if (target.checkpoint.size - start > options_.max_entries_per_step) {
      VITRINE_ASSIGN_OR_RETURN(
          step, MirrorCheckpoint(mirror, start + options_.max_entries_per_step));
      if (step.checkpoint.size <= start) {
        return absl::FailedPreconditionError(absl::StrCat(
            step.from, " holds no checkpoint in (", start, ", ",
            start + options_.max_entries_per_step, "] to cross the gap in steps"));
      }
    }
    VITRINE_ASSIGN_OR_RETURN(
        std::vector<std::string> leaves,
        MirrorEntries(mirror, start, step.checkpoint.size));
    VITRINE_ASSIGN_OR_RETURN(note::VerifiedCheckpoint opened,
                             note::OpenCheckpoint(step.log_note, origin_, log_keys_));
    absl::Status appended = copy_->Append(start, leaves, opened, step.log_note);
    if (monitor::IsRootMismatch(appended)) {
      // The mirror's fault, not the store's: the copy did not change.
      return absl::FailedPreconditionError(absl::StrCat(
          "mirror ", options_.mirrors[mirror], ": ", appended.message()));
    }
    VITRINE_RETURN_IF_ERROR(appended);
    report.entries_fetched += leaves.size();
    std::fprintf(stderr, "vitrine-log: restore recovery: %llu of %llu entries\n",
                 static_cast<unsigned long long>(step.checkpoint.size),
                 static_cast<unsigned long long>(target.checkpoint.size));
    return absl::OkStatus();
  }

  // Step 4: one root per size, whoever held it.
  absl::Status CheckEveryHeardCheckpoint() {
    for (const HeardCheckpoint& heard : heard_) {
      absl::StatusOr<merkle::Hash> root = copy_->RootAt(heard.checkpoint.size);
      if (!root.ok()) return root.status();
      if (*root != heard.checkpoint.root) {
        return absl::DataLossError(absl::StrCat(
            "restored store: ", heard.from, " holds checkpoint ",
            heard.checkpoint.size,
            " whose root differs from the recovered tree's: the log signed two "
            "histories before; not signing anything"));
      }
    }
    return absl::OkStatus();
  }

  const RecoveryOptions& options_;
  const std::string origin_;
  const note::VerifierSet log_keys_;
  std::unique_ptr<monitor::VerifiedCopy> copy_;
  std::vector<std::unique_ptr<vitrine::v1::Log::Stub>> mirrors_;
  std::vector<HeardCheckpoint> heard_;
  std::vector<std::string> mirror_errors_;
};

}  // namespace

absl::Status MarkRestored(const std::string& store_path,
                          const storage::BackupInfo& restored) {
  return WriteFileAtomically(
      absl::StrCat(store_path, "/", kRestoredMarkName),
      absl::StrCat("restored from backup ", restored.id, " (taken at ",
                   restored.timestamp, "), tree size ", restored.tree_size,
                   ".\nThe log published more since: at its next start it asks "
                   "its witnesses and mirrors for what it lacks before it signs "
                   "anything (vitrine-log restore).\n"),
      0644);
}

bool IsMarkedRestored(const std::string& store_path) {
  return PathExists(absl::StrCat(store_path, "/", kRestoredMarkName));
}

absl::Status ClearRestoredMark(const std::string& store_path) {
  const std::string path = absl::StrCat(store_path, "/", kRestoredMarkName);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, absl::StrCat("removing ", path));
  }
  const int folder = open(store_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder < 0) return ErrnoStatus(errno, absl::StrCat("opening ", store_path));
  const int synced = fsync(folder);
  const int error = errno;
  close(folder);
  if (synced != 0) return ErrnoStatus(error, absl::StrCat("fsync ", store_path));
  return absl::OkStatus();
}

absl::StatusOr<RecoveryReport> RecoverRestoredStore(const RecoveryOptions& options) {
  if (options.witnesses.empty()) {
    return absl::FailedPreconditionError(
        "restored store: no witness is configured, so nothing says which "
        "checkpoints the log published after the backup; signing at those "
        "sizes again would fork the log. Configure the witnesses (and "
        "mirrors), or pass --accept_fork_risk to serve anyway");
  }
  if (options.witness_quorum < 1 || options.witness_quorum > options.witnesses.size()) {
    return absl::InvalidArgumentError("witness_quorum outside 1..witnesses");
  }
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Verifier> verifier,
                           note::NewVerifier(options.log_vkey));
  const std::string origin = verifier->Name();
  note::VerifierSet log_keys;
  VITRINE_RETURN_IF_ERROR(log_keys.Add(std::move(verifier)));
  storage::StoreOptions store_options;
  store_options.create_if_missing = false;
  VITRINE_ASSIGN_OR_RETURN(
      std::unique_ptr<monitor::VerifiedCopy> copy,
      monitor::VerifiedCopy::Open(options.store_path, options.log_vkey, store_options));
  Recovery recovery(options, origin, std::move(log_keys), std::move(copy));
  return recovery.Run();
}

}  // namespace vitrine::server
