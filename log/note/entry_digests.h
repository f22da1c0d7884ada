// The digests under which a log finds an entry (FindByDigest, and a
// vendor's release listing), shared by the log's sequencer, fsck and a
// monitor's verified copy, so that every copy of a log indexes the same
// entries under the same keys.
//
//   EntryDigests digests = DigestsOfEntry(leaf);
//   batch.AddEntry(index, leaf, HashLeaf(leaf), digests.artifact,
//                  statement_id, digests.release_key, digests.vendor_key);
//
//   - A release statement (statement.h) is found by its artifact's sha256,
//     and listed under its vendor's VendorKey.
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
  std::optional<merkle::Hash> vendor_key;   // release statements only
};

// Returns the key under which a log lists the release statements of
// `vendor` (the vendor index, storage/store.h): SHA-256 of
// "vitrine/vendor/v1\n", the name and "\n". A fixed-size key keeps the
// index's layout the digest index's (key || index), and the prefix keeps
// it apart from artifact digests and release keys.
merkle::Hash VendorKey(absl::string_view vendor);

// Returns the digests of a statement whose note text is `text`.
EntryDigests DigestsOfText(absl::string_view text);

// Returns the digests of the leaf `leaf` (a whole signed note; anything
// that is not one has none).
EntryDigests DigestsOfEntry(absl::string_view leaf);

}  // namespace vitrine::note

#endif  // VITRINE_LOG_NOTE_ENTRY_DIGESTS_H_
