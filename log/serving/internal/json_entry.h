// The JSON read API's entry object (json_api.h): one log entry as a script
// or the log explorer reads it, written by hand (common/json_string.h).
//
//   std::string json = EntryJson(5, leaf);
//   // {"index":5,"kind":"release","entry":"<b64>","leaf_hash":"<b64>",
//   //  "statement":{"vendor":...,"artifact":...,"version":...,
//   //  "sha256":"<hex>","source":...},"signatures":[{"name":...,
//   //  "key_id":"<8 hex>"}]}
//
// `entry` is the leaf exactly as logged (standard padded base64) and
// `leaf_hash` its RFC 9162 leaf hash: what a reader verifies. `kind`,
// `statement` and `signatures` are parsed from those bytes for convenience,
// vouched for by nothing: "release" or "rebuild" when the leaf is a note
// whose text parses as that statement (note/statement.h,
// note/rebuild_statement.h), with `statement` its fields (no "source" when
// a release has none; "rebuilder" for rebuilds); "unknown" otherwise, with
// "statement":null. `signatures` lists the note's signature lines (name and
// key ID, unverified), empty when the leaf is no note.
//
// Thread-safe (pure functions).
#ifndef VITRINE_LOG_SERVING_INTERNAL_JSON_ENTRY_H_
#define VITRINE_LOG_SERVING_INTERNAL_JSON_ENTRY_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace vitrine::serving::internal {

// Returns the entry object of the leaf `leaf` at `index` (see above).
std::string EntryJson(uint64_t index, absl::string_view leaf);

}  // namespace vitrine::serving::internal

#endif  // VITRINE_LOG_SERVING_INTERNAL_JSON_ENTRY_H_
