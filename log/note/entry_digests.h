// The digests under which a log finds an entry (FindByDigest), shared by
// the log's sequencer, fsck and a monitor's verified copy, so that every
// copy of a log indexes the same entries under the same keys.
//
//   EntryDigests digests = DigestsOfEntry(leaf);
//   batch.AddEntry(index, leaf, HashLeaf(leaf), digests.artifact,
//                  statement_id, digests.release_key);
//
//   - A release statement (statement.h) is found by its artifact's sha256.
//   - A rebuild statement (rebuild_statement.h) is found by the sha256 it
//     produced, and by the ReleaseKey of the release it rebuilt, so that a
//     lookup of a release also finds rebuilds that got another digest.
//   - Any other entry is found by neither.
//
// Thread-safe (pure functions).
#ifndef VITRINE_LOG_NOTE_ENTRY_DIGESTS_H_
#define VITRINE_LOG_NOTE_ENTRY_DIGESTS_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"

namespace vitrine::note {

struct EntryDigests {
  std::optional<merkle::Hash> artifact;     // the statement's sha256 line
  std::optional<merkle::Hash> release_key;  // rebuild statements only
};

// Returns the digests of a statement whose note text is `text`.
EntryDigests DigestsOfText(absl::string_view text);

// Returns the digests of the leaf `leaf` (a whole signed note; anything
// that is not one has none).
EntryDigests DigestsOfEntry(absl::string_view leaf);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_ENTRY_DIGESTS_H_
