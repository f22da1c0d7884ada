// The witness of vitrine-monitor (DESIGN.md format 4): c2sp.org/tlog-witness
// add-checkpoint as a library. A log sends each new checkpoint with the size
// it believes the witness holds and a consistency proof from there; the
// witness checks the log's signature and the proof against the checkpoint it
// last cosigned for that origin, persists the new checkpoint, and only then
// returns its cosignature (c2sp.org/tlog-cosignature, cosignature/v1).
//
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<Witness> witness,
//       Witness::Open(std::move(signer), witness_vkey, {log_vkey},
//                     "/var/lib/vitrine-monitor/witness", &alarm));
//   uint64_t held = 0;
//   absl::StatusOr<std::vector<std::string>> lines =
//       witness->AddCheckpoint(old_size, proof, signed_note, &held);
//   // lines: {"— monitor.example w/ITq...\n"}, to append to the note.
//
// Status codes (proto/vitrine/v1/witness.proto; tlog-witness HTTP codes):
//   InvalidArgument  malformed note or checkpoint (over 1 MiB or over 100
//                    signature lines included: note::NoteLimits), two
//                    signature lines by one log key (checked before any
//                    signature is verified, so a note costs at most one
//                    Ed25519 verification per log key), a proof hash not 32
//                    bytes, more than 63 proof hashes, old_size > the
//                    checkpoint's size, or a consistency proof that does not
//                    verify against the held checkpoint [400/422];
//   NotFound         the checkpoint's origin is not a configured log [404];
//   PermissionDenied no valid signature by a configured key of that origin
//                    (a forged signature by such a key included); lines by
//                    unknown keys, e.g. other witnesses, are ignored [403];
//   Aborted          old_size is not the size held for the origin;
//                    *held_size says which it is [409];
//   FailedPrecondition  same size as the held checkpoint with another root
//                    (the pair is raised as SAME_SIZE_DIFFERENT_ROOTS
//                    evidence on the Alarm), or the origin is halted: the
//                    Alarm holds evidence against the log, or this witness
//                    saw a conflict since Open [409];
//   others           signing (e.g. Unavailable from an HSM) or persisting
//                    (common/file codes) failed: nothing was cosigned.
//
// A checkpoint smaller than the held one is necessarily refused: old_size
// must equal the held size, and old_size <= size. Same size and same root is
// cosigned again without touching the state (the log may have lost the
// answer).
//
// Canonical notes (issue 11): the witness keeps, stores and serves only the
// checkpoint text, the log's verified signature line(s) and its own
// cosignature (canonical_note.h). Lines by other keys - other witnesses'
// cosignatures it cannot verify, or junk a sender padded a genuine
// checkpoint with - are dropped before anything is stored, so a pushed
// note can never grow the state file, Latest() or what gossip sends.
//
// State: one file per configured origin in state_dir, named
// hex(SHA-256(origin)) + ".checkpoint" (any origin bytes give a safe name),
// holding the log's signed note in canonical form. It is written with
// WriteFileAtomically (fsync'd, renamed, folder fsync'd) before the
// cosignature is returned, so a crash after the answer can never make the
// witness forget a checkpoint it vouched for and then cosign a fork of it.
//
// Thread-safety: thread-safe. Each origin has its own writer mutex held from
// the size check to the end of the write, so two concurrent requests for one
// origin are serialised and the later one sees the earlier one's state (it
// gets Aborted, never rolls the state back: the race tlog-witness describes).
// Different origins proceed in parallel. Latest() reads a published snapshot
// and never waits for a writer's fsync.
#ifndef VITRINE_MONITOR_WITNESS_WITNESS_H_
#define VITRINE_MONITOR_WITNESS_WITNESS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/disk_reserve.h"
#include "log/merkle/hash.h"
#include "log/note/signer.h"
#include "monitor/alarm.h"
#include "monitor/verified_log.h"

namespace vitrine::monitor {

namespace internal {
struct OriginState;
}  // namespace internal

// The most consistency proof hashes a request may carry (tlog-witness
// add-checkpoint bounds the proof at 63 lines; a real proof has about
// log2(size) of them).
inline constexpr size_t kMaxProofHashes = 63;

class Witness {
 public:
  // Opens the witness. `witness_signer` must be a type 0x04 (cosignature/v1)
  // signer and `witness_vkey` its verifier key (checked by signing a probe:
  // InvalidArgument on a mismatch). `log_vkeys` are type 0x01 vkeys; a key's
  // name is its log's origin, and an origin may have several keys (key
  // rotation); InvalidArgument for a bad or duplicate key. `state_dir` is
  // created (one level) if missing. Its state files are loaded and verified
  // against the keys: DataLoss for a file that does not hold a checkpoint
  // of its origin validly signed by one of them (the witness refuses to
  // start rather than forget what it cosigned), common/file codes when one
  // cannot be read; a file of an origin no longer configured is ignored
  // with a line on stderr (and kept, in case the log comes back). Each loaded
  // checkpoint is cosigned once for Latest(), so a signer failure fails
  // Open. `alarm` may be null (no evidence is written then, but conflicts
  // still halt the origin until the witness is reopened); if not, it must
  // outlive the witness.
  static absl::StatusOr<std::unique_ptr<Witness>> Open(
      std::unique_ptr<note::Signer> witness_signer, std::string witness_vkey,
      std::vector<std::string> log_vkeys, std::string state_dir,
      Alarm* alarm);

  // Opens the witness with the signer and vkey of a signer key string
  // (note/keys.h "PRIVATE+KEY+..."), e.g. read from the monitor's key file.
  static absl::StatusOr<std::unique_ptr<Witness>> OpenWithKey(
      absl::string_view witness_signer_key, std::vector<std::string> log_vkeys,
      std::string state_dir, Alarm* alarm);

  ~Witness();
  Witness(const Witness&) = delete;
  Witness& operator=(const Witness&) = delete;

  // tlog-witness add-checkpoint: checks `checkpoint_note` (the log's signed
  // note, other witnesses' cosignatures allowed) and the consistency proof
  // `proof` (raw 32-byte hashes as received) from `old_size`, persists it,
  // and returns this witness's cosignature line(s) ("— <name> <base64>\n").
  // Codes as above; on Aborted sets *held_size (which must not be null).
  absl::StatusOr<std::vector<std::string>> AddCheckpoint(
      uint64_t old_size, absl::Span<const std::string> proof,
      absl::string_view checkpoint_note, uint64_t* held_size);

  // Cosigns a checkpoint the monitor verified itself (its audit path):
  // takes the consistency proof from the held size to the checkpoint's size
  // from `verified` and goes through AddCheckpoint's checks. Aborted, with
  // nothing changed, when the witness already holds a larger checkpoint;
  // InvalidArgument when the note is not of `verified`'s origin; the codes
  // of `verified.ConsistencyProof` (e.g. OutOfRange beyond its latest size)
  // otherwise. If another request advances the held size meanwhile, retries
  // from the new size (a few times).
  absl::StatusOr<std::vector<std::string>> CosignVerified(
      absl::string_view checkpoint_note, const VerifiedLog& verified);

  // Returns the latest cosigned checkpoint of `origin` in canonical form:
  // the checkpoint text, the log's signature line(s) and this witness's
  // cosignature, for gossip and serving. nullopt for
  // an origin not configured or not cosigned yet.
  std::optional<std::string> Latest(absl::string_view origin) const;

  // Returns the size held for `origin` (0 before its first checkpoint);
  // NotFound for an origin not configured.
  absl::StatusOr<uint64_t> HeldSize(absl::string_view origin) const;

  // Sets the free-space reserve of the state folder's file system (issue
  // 14); null (the default) means none. While it is breached, a checkpoint
  // that would change the held state is refused ResourceExhausted, before
  // anything is cosigned: a cosignature goes out only once its state is on
  // disk. Call before serving; `disk` must outlive the witness.
  void set_disk_reserve(const DiskReserve* disk) { disk_ = disk; }

  // The witness's verifier key (type 0x04 vkey) and key name.
  const std::string& verifier_key() const { return verifier_key_; }
  const std::string& name() const { return name_; }

 private:
  Witness(std::unique_ptr<note::Signer> signer, std::string verifier_key,
          std::string state_dir, Alarm* alarm);

  absl::Status LoadState();
  internal::OriginState* Find(absl::string_view origin) const;
  // AddCheckpoint once the proof is hashes.
  absl::StatusOr<std::vector<std::string>> Add(
      uint64_t old_size, absl::Span<const merkle::Hash> proof,
      absl::string_view checkpoint_note, uint64_t* held_size);

  const std::unique_ptr<note::Signer> signer_;
  const std::string verifier_key_;
  const std::string name_;
  const std::string state_dir_;
  Alarm* const alarm_;  // May be null; outlives the witness.
  const DiskReserve* disk_ = nullptr;  // May be null; set before serving.
  // Fixed after Open: the configured origins.
  std::map<std::string, std::unique_ptr<internal::OriginState>, std::less<>>
      origins_;
};

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_WITNESS_WITNESS_H_
