// The pieces of the `--json` outputs of `vitrine checkpoint`, `proof` and
// `entries`: one JSON object per answer (per entry for `entries`, as JSON
// Lines), written by hand with common/json_string, so a script reads the
// same facts the text output shows without parsing it.
//
//   std::string line = absl::StrCat("{\"tree\":", TreeJson(checkpoint),
//                                   ",\"proof\":", HashesJson(proof), "}\n");
//   // {"tree":{"origin":"example.com/log","size":2,"root":"..."},"proof":["..."]}
//
// Hashes of the tree (roots, proof hashes, leaf hashes) are standard padded
// base64, as in checkpoints and the C2SP and RFC 9162 formats; an
// artifact's SHA-256 stays lowercase hex, as in the statement's text.
// Key IDs are 8 lowercase hex digits, as in verifier keys.
//
// Thread-safe (pure functions).
#ifndef VITRINE_CLIENT_CLI_JSON_OUTPUT_H_
#define VITRINE_CLIENT_CLI_JSON_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "client/cli/flags.h"
#include "log/merkle/hash.h"
#include "log/note/checkpoint.h"
#include "log/note/note.h"

namespace vitrine::cli {

inline constexpr FlagSpec kJsonFlag{
    "json", "false", "print one JSON object instead of text (see the README)", true};

// Returns {"origin":...,"size":N,"root":"<base64>"}.
std::string TreeJson(const note::Checkpoint& checkpoint);

// Returns ["<base64>",...].
std::string HashesJson(absl::Span<const merkle::Hash> hashes);

// Returns [{"name":...,"key_id":"<8 hex digits>"},...], in note order.
std::string SignaturesJson(absl::Span<const note::Signature> signatures);

// Returns the object `vitrine checkpoint --json` prints, newline included:
// the tree's fields, "note" (the signed note as received), "witnessed"
// (whether the policy's witness quorum was required and met) and
// "cosignatures" (every signature line but the log's: witnesses, and with
// a mirror its own line).
std::string CheckpointJson(const note::VerifiedCheckpoint& head, bool witnessed);

// Returns the object `vitrine entries --json` prints for one entry, newline
// included: "index", "kind" ("release", "rebuild", or "invalid" with an
// "error"), the statement's fields, "signatures", and with `raw` the whole
// "note".
std::string EntryJson(uint64_t index, const std::string& leaf, bool raw);

}  // namespace vitrine::cli

#endif  // VITRINE_CLIENT_CLI_JSON_OUTPUT_H_
