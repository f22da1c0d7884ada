// LogClient: a gRPC client of the Vitrine Log service (proto/vitrine/v1/
// log.proto) that hands the caller nothing it has not verified against a
// checkpoint signed by the pinned log key (DESIGN.md "Clients").
//
//   LogClientOptions options;
//   options.state = state.get();   // optional ClientState, outlives client
//   VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<LogClient> log,
//       LogClient::Create("log.example.com:8443", log_vkey, options));
//   VITRINE_ASSIGN_OR_RETURN(std::vector<AddOutcome> added,
//                            log->Add({signed_statement}));
//   if (added[0].bundle.ok()) WriteBundleFile(path, *added[0].bundle);
//   // A release bundle carrying the rebuild statements about it:
//   VITRINE_ASSIGN_OR_RETURN(std::vector<v1::Bundle> found,
//                            log->FindByDigest(sha256));
//   VITRINE_ASSIGN_OR_RETURN(uint64_t newest, NewestReleaseIndex(found, sha256));
//   VITRINE_ASSIGN_OR_RETURN(v1::Bundle bundle,
//                            ReleaseBundleWithRebuilds(found, newest));
//   VITRINE_ASSIGN_OR_RETURN(note::VerifiedCheckpoint head,
//                            log->GetCheckpoint());
//
// What "verified" means, for every answer:
//   - a checkpoint verifies under the pinned key and its origin is the key's
//     name (note::OpenCheckpoint); one asked for as witnessed
//     (GetCheckpoint(true), GetBundle(..., true)) must also carry the
//     options' witness quorum (note::OpenCosignedCheckpoint);
//   - it is consistent with the last checkpoint this client saw (kept in
//     memory, seeded from and written to options.state): a larger one is
//     accepted only after a consistency proof (GetConsistencyProof, then
//     merkle::VerifyConsistency) and becomes the last seen; a smaller one
//     only after a consistency proof to the last seen (bundles may carry an
//     older checkpoint than one seen since); the same size must have the
//     same root (else kFork, DataLoss);
//   - the latest checkpoint (GetCheckpoint, WatchCheckpoints) may never be
//     smaller than the last seen (kRollback, FailedPrecondition); the latest
//     witnessed one (GetCheckpoint(true)) may, since it lags the log's
//     latest, but must then be proven a prefix of the last seen;
//   - bundles: their checkpoint as above, their inclusion proof against it
//     (CheckInclusion in verifier.h), and the statement is the one asked
//     for (Add: byte for byte, or the same text for a duplicate;
//     FindByDigest: a release or rebuild statement naming the digest, or a
//     rebuild statement about a release of the same answer; by leaf hash:
//     HashLeaf(statement) matches). The vendor's and rebuilders' signatures
//     are NOT judged here - that is the endpoint's policy (VerifyBundle);
//     the log checked them against its registries.
//   - entries: see GetEntries.
// Failures of verification carry verifier.h's Refusal codes; errors of the
// log or the transport keep the gRPC code as an absl code (same numbers),
// message prefixed with the method ("GetCheckpoint: ...").
//
// Every call sets a deadline (options.deadline from its start).
//
// Several endpoints (issue 16): a log can be read through mirrors (a
// vitrine-monitor serving its verified copy) as well as from itself. Given
// a list ("log first, mirrors after", or any order), each call runs whole -
// fetch and every check above - against one endpoint, and moves on to the
// next when that endpoint is down (UNAVAILABLE, DEADLINE_EXCEEDED), does
// not serve the call (UNIMPLEMENTED; FAILED_PRECONDITION, a mirror's
// answer to Add, naming the log, or to a witnessed checkpoint it lacks),
// is overloaded (RESOURCE_EXHAUSTED, reads only), or answers with
// something that fails verification (any Refusal: a forged proof, a
// checkpoint not signed by the pinned key, a rollback below what this
// client saw, a fork).
// Other answers (NOT_FOUND, OUT_OF_RANGE, ...) are returned as the
// endpoint gave them: absence cannot be verified, and a mirror that lags
// the log may not hold the newest entries yet. A call starts at the
// endpoint that last answered (reads and writes each keep their own), so a
// dead log costs one failed attempt, not one per call. When every
// endpoint fails, the status lists each with its reason; its code and
// Refusal are those of the first refusal if any (client/internal/
// failover.h has the exact rule). One endpoint behaves exactly as before.
//
// Thread-safe: calls may run concurrently from many threads; consistency
// checks are serialised so the last-seen checkpoint only moves forward.
#ifndef VITRINE_CLIENT_LOG_CLIENT_H_
#define VITRINE_CLIENT_LOG_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/client_state.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "proto/vitrine/v1/bundle.pb.h"

namespace vitrine::v1 {
class GetBundleRequest;
}  // namespace vitrine::v1

namespace vitrine::client {

namespace internal {
class LogStub;   // Hides the gRPC stub and channel from this header.
class Failover;  // Which endpoint a call goes to (internal/failover.h).
}  // namespace internal

struct LogClientOptions {
  // Per-call deadline: long enough for an Add of 1000 statements to wait
  // for the log's durable commit; a hung log fails calls instead of hanging
  // the caller.
  absl::Duration deadline = absl::Seconds(30);
  // Optional, not owned, must outlive the client: the last checkpoint seen
  // is read from it at Create and written at every advance.
  ClientState* state = nullptr;
  // TLS: when set, the channel uses TLS with these PEM root certificates
  // (an empty string means the system's roots). Unset: plaintext, for
  // loopback and tests - the answers are verified anyway, but TLS keeps
  // what a client asks for private.
  std::optional<std::string> tls_root_certs;
  // Witness keys (type 0x04 vkeys) and quorum that checkpoints asked for
  // as witnessed must carry (GetCheckpoint(true), GetBundle(..., true)).
  // Add answers with the log's newest checkpoint, which witnesses have not
  // seen yet, so the quorum does not apply there.
  std::vector<std::string> witness_vkeys;
  size_t witness_quorum = 0;
  // Largest answer accepted (GetEntries of 10000 statements of 16 KiB).
  int max_receive_message_size = 256 << 20;
  // GetEntries ranges not starting at 0 are checked with one inclusion
  // proof per entry; longer ranges are refused (InvalidArgument) rather
  // than costing thousands of calls. Ranges from 0 have no limit here.
  uint64_t max_entries_checked_one_by_one = 1024;
  // With several endpoints: told of each one a call moved on from, with
  // its failure (a Refusal for a lying mirror), on the calling thread - a
  // mirror that lies is news even when the next endpoint answered. Unset:
  // such failures show only when every endpoint fails.
  std::function<void(const std::string& endpoint, const absl::Status& failure)>
      on_failover;
};

// One statement's answer from Add.
struct AddOutcome {
  // The verified bundle, or the log's reason for refusing this statement.
  absl::StatusOr<vitrine::v1::Bundle> bundle;
  // Already logged: the bundle has its old index, and the statement as
  // first logged (the same text; its signature lines may differ).
  bool duplicate = false;
};

// A verified inclusion proof.
struct InclusionProof {
  uint64_t leaf_index = 0;
  note::VerifiedCheckpoint checkpoint;  // The tree it is in.
  std::vector<merkle::Hash> proof;
};

// A verified consistency proof between two verified checkpoints.
struct ConsistencyProof {
  note::Checkpoint old_checkpoint;
  note::VerifiedCheckpoint new_checkpoint;
  std::vector<merkle::Hash> proof;
};

// Verified entries [start, start + leaves.size()).
struct Entries {
  uint64_t start = 0;
  std::vector<std::string> leaves;  // Signed statements exactly as logged.
  note::VerifiedCheckpoint checkpoint;  // They are in this tree.
};

class LogClient {
 public:
  // Connects (lazily) to `target` ("host:port") and pins `log_vkey` (a type
  // 0x01 vkey; its name is the log's origin). InvalidArgument for a bad key
  // or options; DataLoss for unreadable state.
  static absl::StatusOr<std::unique_ptr<LogClient>> Create(
      const std::string& target, absl::string_view log_vkey,
      LogClientOptions options = {});
  // The same for one log served at several endpoints (the log and its
  // mirrors, "host:port" each, tried as the header comment says), all
  // verified against `log_vkey`. InvalidArgument for an empty list, an
  // empty or repeated address.
  static absl::StatusOr<std::unique_ptr<LogClient>> Create(
      const std::vector<std::string>& targets, absl::string_view log_vkey,
      LogClientOptions options = {});
  ~LogClient();

  const std::string& origin() const { return origin_; }

  // Returns the endpoint the next read starts at: the one that last
  // answered a read (the first given, before any).
  const std::string& ReadEndpoint() const;

  // Returns the log's latest checkpoint (witnessed: the latest with the
  // witness quorum), verified and consistent with the last seen.
  absl::StatusOr<note::VerifiedCheckpoint> GetCheckpoint(
      bool witnessed = false);

  // Submits signed statements; one outcome per statement, in order. The
  // call fails only when the request does (transport, oversized request)
  // or when the log answers with a bundle that does not verify (then the
  // whole call fails with that Refusal: the log is misbehaving).
  absl::StatusOr<std::vector<AddOutcome>> Add(
      absl::Span<const std::string> statements);

  // Returns the verified bundle of the leaf at `leaf_index`, or of the leaf
  // whose hash is `leaf_hash`, against the latest (witnessed) checkpoint.
  absl::StatusOr<vitrine::v1::Bundle> GetBundle(uint64_t leaf_index,
                                                bool witnessed = false);
  absl::StatusOr<vitrine::v1::Bundle> GetBundleByLeafHash(
      const merkle::Hash& leaf_hash, bool witnessed = false);

  // Returns the verified bundles (the log proves them all against its
  // latest checkpoint) of every release and rebuild statement naming
  // `artifact_sha256`, and of every rebuild statement about one of those
  // releases whatever digest it names (so that a contradicting rebuild is
  // found too). NotFound when none. A statement of neither kind, or one
  // that belongs to none of these, fails the call (kStatementMalformed,
  // kArtifactMismatch): the log is misbehaving. Use NewestReleaseIndex and
  // ReleaseBundleWithRebuilds below to make a bundle of the answer.
  absl::StatusOr<std::vector<vitrine::v1::Bundle>> FindByDigest(
      const merkle::Hash& artifact_sha256);

  // Returns `bundle` (a release bundle, possibly carrying rebuilds) proven
  // anew against the log's latest witnessed checkpoint: the release and
  // each rebuild fetched with GetBundle(index, true), leaving out the
  // rebuilds logged after that checkpoint. OutOfRange when it does not
  // cover the release yet; Unavailable when a newer witnessed checkpoint
  // landed between the calls three times running.
  absl::StatusOr<vitrine::v1::Bundle> ReproveWitnessed(
      const vitrine::v1::Bundle& bundle);

  // Returns a verified proof that `leaf_hash` is in the latest tree.
  absl::StatusOr<InclusionProof> GetInclusionProof(
      const merkle::Hash& leaf_hash);

  // Returns a verified proof that the log's latest tree extends
  // `old_checkpoint`, a checkpoint of this log that the caller verified
  // (for example one from a bundle or ClientState).
  absl::StatusOr<ConsistencyProof> GetConsistencyProof(
      const note::Checkpoint& old_checkpoint);

  // Returns the entries [start, end) of the latest tree, verified:
  //   - start == 0: their leaf hashes are folded into the root of the tree
  //     of size `end` and one consistency proof from `end` to the latest
  //     checkpoint is verified (one extra call, any length);
  //   - start > 0: one inclusion proof per entry against the latest
  //     checkpoint (at most options.max_entries_checked_one_by_one).
  // The log streams at most 10000 entries per call; longer ranges are read
  // in several calls. OutOfRange when end is beyond the latest checkpoint.
  absl::StatusOr<Entries> GetEntries(uint64_t start, uint64_t end);

  // Streams checkpoints larger than `after_size` as the log signs them;
  // each is verified and consistency-checked before `on_checkpoint` sees it.
  // Returns OK when `on_checkpoint` returns false, the status of the stream
  // when it ends (UNAVAILABLE when the log shuts down), the first
  // verification failure, or DeadlineExceeded at `until`. With several
  // endpoints, a stream that fails (the log went away, a mirror lied) goes
  // on at the next endpoint, after the last size delivered.
  absl::Status WatchCheckpoints(
      uint64_t after_size, absl::Time until,
      const std::function<bool(const note::VerifiedCheckpoint&)>&
          on_checkpoint);

  // Returns the last checkpoint this client saw (and verified), if any.
  std::optional<note::Checkpoint> LastSeen() const;

 private:
  LogClient(std::string origin, note::VerifierSet log_keys,
            note::VerifierSet witness_keys, LogClientOptions options,
            std::vector<std::unique_ptr<internal::LogStub>> stubs,
            std::unique_ptr<internal::Failover> failover);

  // Runs `attempt` (a whole verified call) on one endpoint after another
  // (internal/failover.h); `write` for Add.
  absl::Status OnEndpoints(
      absl::string_view method, bool write,
      absl::FunctionRef<absl::Status(internal::LogStub&)> attempt);
  // The calls on one endpoint.
  absl::StatusOr<note::VerifiedCheckpoint> CheckpointFrom(
      internal::LogStub& stub, bool witnessed);
  absl::StatusOr<std::vector<AddOutcome>> AddTo(
      internal::LogStub& stub, absl::Span<const std::string> statements);
  absl::StatusOr<InclusionProof> InclusionProofFrom(
      internal::LogStub& stub, const merkle::Hash& leaf_hash);
  absl::StatusOr<std::vector<vitrine::v1::Bundle>> FindByDigestFrom(
      internal::LogStub& stub, const merkle::Hash& artifact_sha256);
  absl::StatusOr<Entries> EntriesFrom(internal::LogStub& stub, uint64_t start,
                                      uint64_t end);

  // Verifies a checkpoint note from the log (signature, origin, and the
  // witness quorum when `witnessed`).
  absl::StatusOr<note::VerifiedCheckpoint> OpenFromLog(
      absl::string_view signed_note, bool witnessed) const;
  // Fetches and verifies the consistency proof between two checkpoints.
  absl::StatusOr<std::vector<merkle::Hash>> ProveConsistency(
      internal::LogStub& stub, const note::Checkpoint& older,
      const note::Checkpoint& newer);
  // Makes `checkpoint` consistent with the last seen (rules above). A
  // checkpoint smaller than `min_size` is a rollback: callers of the
  // latest checkpoint pass the last seen size from before their call
  // (a concurrent call may have moved it since, which is no rollback).
  absl::Status Reconcile(internal::LogStub& stub,
                         const note::VerifiedCheckpoint& checkpoint,
                         uint64_t min_size);
  // Returns the size of the last checkpoint seen, 0 if none.
  uint64_t LastSeenSize() const;
  // Verifies a bundle from the log; returns its opened checkpoint.
  absl::StatusOr<note::VerifiedCheckpoint> VerifyLogBundle(
      internal::LogStub& stub, const vitrine::v1::Bundle& bundle,
      bool witnessed);
  absl::StatusOr<vitrine::v1::Bundle> FetchBundle(
      internal::LogStub& stub, const vitrine::v1::GetBundleRequest& request);
  // Checks entries against `head` (GetEntries' two methods).
  absl::Status CheckEntries(internal::LogStub& stub, uint64_t start,
                            absl::Span<const std::string> leaves,
                            const note::VerifiedCheckpoint& head);

  const std::string origin_;
  const note::VerifierSet log_keys_;
  const note::VerifierSet witness_keys_;
  const LogClientOptions options_;
  // One per endpoint, in the order given; never empty.
  const std::vector<std::unique_ptr<internal::LogStub>> stubs_;
  const std::unique_ptr<internal::Failover> failover_;

  // Held across the consistency-proof call of Reconcile so that the last
  // seen checkpoint moves forward one verified step at a time.
  absl::Mutex reconcile_mu_;
  mutable absl::Mutex mu_;
  std::optional<note::Checkpoint> last_seen_ ABSL_GUARDED_BY(mu_);
};

// Making one bundle of a FindByDigest answer (issue 15). Pure functions:
// they read only the bundles given, which FindByDigest has verified.

// Returns the leaf index of the newest (highest-index) release statement
// naming `artifact_sha256` in `found`; NotFound when there is none (an
// answer may hold only rebuild statements). kStatementMalformed for a
// statement of neither kind.
absl::StatusOr<uint64_t> NewestReleaseIndex(
    absl::Span<const vitrine::v1::Bundle> found,
    const merkle::Hash& artifact_sha256);

// Returns `release`, a release statement's bundle, with its `rebuilds`
// replaced by every rebuild statement among `bundles` about that release
// (note::SameRelease: same vendor, artifact, version and source, whatever
// digest it names), each leaf once, in leaf order; other statements are
// skipped. Bundle.rebuilds are proven against the bundle's checkpoint, so
// a rebuild to attach whose bundle has another checkpoint note is
// kBundleMalformed; `release` not a release statement is
// kStatementMalformed.
absl::StatusOr<vitrine::v1::Bundle> AttachRebuilds(
    vitrine::v1::Bundle release, absl::Span<const vitrine::v1::Bundle> bundles);

// Returns the bundle of the release statement at `release_index` in
// `found` with the rebuilds of `found` attached (AttachRebuilds); NotFound
// when `found` has no release statement at that index.
absl::StatusOr<vitrine::v1::Bundle> ReleaseBundleWithRebuilds(
    absl::Span<const vitrine::v1::Bundle> found, uint64_t release_index);

}  // namespace vitrine::client

#endif  // VITRINE_CLIENT_LOG_CLIENT_H_
