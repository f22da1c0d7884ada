// The log's side of witnessing (DESIGN.md format 4, c2sp.org/tlog-witness):
// pushes the log's checkpoints to its configured witnesses, merges their
// cosignatures, and stores and publishes the latest checkpoint that a
// quorum of them cosigned - what GetCheckpoint(witnessed), GetBundle
// (witnessed) and HTTP /checkpoint serve.
//
//   WitnessedHead head;
//   VITRINE_ASSIGN_OR_RETURN(
//       std::unique_ptr<WitnessPusher> pusher,
//       WitnessPusher::Start(store.get(), sequencer.get(), log_verifier,
//                            &head, &metrics,
//                            {.witnesses = config.witnesses, .quorum = 2}));
//   ... head.Latest() ...   // the latest witnessed checkpoint, or nullptr
//   pusher->Stop();         // before the sequencer and the store go
//
// How it works: one thread works in ROUNDS. A round takes the log's latest
// published checkpoint and pushes it, in parallel, to every witness that
// has not cosigned it yet and is not backing off, each call with its own
// deadline (options.timeout). The request names the size the witness is
// believed to hold (0 at first, or the stored witnessed checkpoint's size
// for a witness that cosigned it) with a consistency proof from it; a witness
// that answers ABORTED with the size it holds (trailer
// "vitrine-witness-size") is asked again at once with a proof from that
// size. A witness that fails otherwise (UNAVAILABLE, deadline, a refusal)
// is retried in later rounds after an exponential backoff (options
// min_backoff doubling up to max_backoff). A round ends when every call
// answered or its deadline passed. Cosignature lines are kept only when
// they verify under the witness's configured key (lines of other keys are
// ignored). When at least `quorum` distinct witnesses cosigned that
// checkpoint, the merged note is verified as a client would
// (note::OpenCosignedCheckpoint), stored (Store::PutWitnessedCheckpoint)
// and published. While a round runs the log may move on: the next round
// takes the newest checkpoint (checkpoints are coalesced, never queued).
// When no checkpoint is new and every witness cosigned the latest, the
// thread sleeps.
//
// Appends never wait for witnesses: the pusher only reads published states
// and the store, and writes the witnessed family, which Commit does not
// wait for.
//
// At Start the stored witnessed checkpoint, if any, is verified against
// the configured keys and quorum and published at once; one that no longer
// meets them (the configuration changed) is not served until a new one is.
//
// Metrics: vitrine_witness_pushes_total{witness, code} (every answer,
// ABORTED ones included) and vitrine_witnessed_tree_size.
//
// Thread-safety: Start and Stop from one thread; everything else happens
// on the pusher's thread and gRPC's threads. The store, sequencer, head and
// metrics must outlive the pusher.
#ifndef VITRINE_LOG_SERVER_WITNESS_PUSHER_H_
#define VITRINE_LOG_SERVER_WITNESS_PUSHER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "log/note/signer.h"
#include "log/sequencer/sequencer.h"
#include "log/server/config.h"
#include "log/server/witnessed_head.h"
#include "log/storage/store.h"

namespace vitrine::server {

struct WitnessPusherOptions {
  // The witnesses: type 0x04 vkeys and gRPC addresses. At least one, no
  // name twice (a quorum counts names).
  std::vector<WitnessAddress> witnesses;
  // Distinct witnesses that must cosign: 1..witnesses.size().
  size_t quorum = 1;
  // Deadline of one push to one witness (the ABORTED retry included).
  absl::Duration timeout = absl::Seconds(5);
  // Backoff of a failed witness: the first retry after min_backoff, then
  // doubling up to max_backoff, so a dead witness costs one call per few
  // seconds and a returning one is noticed within max_backoff.
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // PEM roots to reach the witnesses over TLS; unset: plaintext (the
  // cosignatures are verified either way; TLS keeps the exchange private).
  std::optional<std::string> tls_root_certs;
};

class WitnessPusher {
 public:
  // Verifies the options, publishes the stored witnessed checkpoint (if it
  // still meets the witnesses and quorum) into `head`, and starts the
  // pusher's thread. InvalidArgument for bad options; storage errors as
  // the store reports them.
  static absl::StatusOr<std::unique_ptr<WitnessPusher>> Start(
      storage::Store* store, sequencer::Sequencer* sequencer,
      std::shared_ptr<const note::Verifier> log_verifier, WitnessedHead* head,
      MetricsRegistry* metrics, WitnessPusherOptions options);

  // Stops (see Stop).
  ~WitnessPusher();

  // Cancels the calls in flight and joins the thread; after it the pusher
  // touches neither the store nor the head. Idempotent.
  void Stop();

 private:
  struct Rep;
  explicit WitnessPusher(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vitrine::server

#endif  // VITRINE_LOG_SERVER_WITNESS_PUSHER_H_
