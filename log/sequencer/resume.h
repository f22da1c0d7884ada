// How a sequencer takes over a store at startup: it verifies what is stored
// (the signed checkpoint is this log's, the tiles recompute its root, every
// full tile hashes to its parent's entry and matches its stored interior,
// nothing lies beyond it) and
// rebuilds the in-memory right edge from it; a new store gets the signed
// checkpoint of the empty tree. A monitor's verified copy of a log
// (monitor/follow) resumes the same way, by origin, without the log's signer.
//
//   VITRINE_ASSIGN_OR_RETURN(
//       ResumedLog log,
//       ResumeLog(*store, *signer, log_keys, /*verify_full_tiles=*/true));
//   // log.range and log.edge continue the tree of log.checkpoint.size.
//
// Not thread-safe with respect to other writers of the store: call it
// before the sequencer's thread starts.
#ifndef VITRINE_LOG_SEQUENCER_RESUME_H_
#define VITRINE_LOG_SEQUENCER_RESUME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/merkle/compact_range.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"
#include "log/note/signer.h"
#include "log/sequencer/tile_edge.h"
#include "log/storage/store.h"

namespace vitrine::sequencer {

// A verified log, ready to be extended.
struct ResumedLog {
  note::Checkpoint checkpoint;  // the latest signed checkpoint
  std::string signed_note;      // exactly as stored
  merkle::CompactRange range;   // [0, checkpoint.size)
  TileEdge edge;                // the partial tiles of that tree
};

// Returns the verified state of `store`, for the log whose key is `signer`
// (its name is the origin) and whose public keys are `log_keys`. Status
// codes as Sequencer::Start.
absl::StatusOr<ResumedLog> ResumeLog(storage::Store& store,
                                     const note::Signer& signer,
                                     const note::VerifierSet& log_keys,
                                     bool verify_full_tiles);

// Returns the verified state of `store` for the log named `origin`, as the
// overload above, except that a store with no checkpoint (and no entries) is
// returned as the empty tree with an empty signed_note and left unchanged:
// for a copy of a log kept by someone who cannot sign for it.
absl::StatusOr<ResumedLog> ResumeLog(storage::Store& store,
                                     absl::string_view origin,
                                     const note::VerifierSet& log_keys,
                                     bool verify_full_tiles);

}  // namespace vitrine::sequencer

#endif  // VITRINE_LOG_SEQUENCER_RESUME_H_
