// The vendor watch's file format (vendor_watch.h): one JSON object per
// line, in the order the log holds the entries, each naming its kind last
// so that the release lines written before issue 15 still read the same.
//
//   A release statement of a watched vendor (source only when it has one):
//   {"origin":"example.com/log","index":41,"vendor":"example.com/acme",
//    "artifact":"acme-cli.tar.gz","version":"1.4.2","sha256":"9f86...",
//    "source":"https://git.example.com/acme/cli","leaf_hash":"5e1c...",
//    "checkpoint_size":42,"kind":"release"}
//
//   A rebuild statement naming a watched vendor; trusted when its
//   signature verified under a rebuilder key the monitor trusts:
//   {"origin":"example.com/log","index":57,"rebuilder":"rebuild.example/r1",
//    "trusted":true,"vendor":"example.com/acme","artifact":"acme-cli.tar.gz",
//    "version":"1.4.2","source":"https://git.example.com/acme/cli",
//    "sha256":"<what the rebuild produced>","leaf_hash":"77a0...",
//    "checkpoint_size":60,"kind":"rebuild"}
//
//   A trusted rebuild that contradicts a release (same vendor, artifact,
//   version and source; another digest), after the later of the two:
//   {"origin":"example.com/log","release_index":41,"rebuild_index":57,
//    "rebuilder":"rebuild.example/r1","vendor":"example.com/acme",
//    "artifact":"acme-cli.tar.gz","version":"1.4.2",
//    "source":"https://git.example.com/acme/cli",
//    "expected_sha256":"9f86...","produced_sha256":"3c1d...",
//    "checkpoint_size":60,"kind":"rebuild_mismatch"}
//
// (each on one line). Lines without "kind" are release lines of older
// monitors. Pure functions, thread-safe.
#ifndef VITRINE_MONITOR_FOLLOW_WATCH_LINES_H_
#define VITRINE_MONITOR_FOLLOW_WATCH_LINES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "log/merkle/hash.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::monitor {

// One entry of a watched vendor, kept from checking until the batch that
// holds it is committed. Exactly one of release and rebuild is set.
struct WatchedStatement {
  uint64_t index = 0;
  std::optional<note::Statement> release;
  std::optional<note::RebuildStatement> rebuild;
  // For a rebuild: its signature verified under a rebuilder key the
  // monitor trusts (LeafVerdict::kOk). Only such rebuilds can contradict a
  // release; others are reported, never flagged.
  bool trusted = false;
  merkle::Hash leaf_hash;
};

// A trusted rebuild whose digest differs from that of a logged release of
// the same vendor, artifact, version and source.
struct RebuildMismatch {
  uint64_t release_index = 0;
  uint64_t rebuild_index = 0;
  note::RebuildStatement rebuild;  // its sha256 is the produced digest
  merkle::Hash expected;           // the release's sha256
};

// Returns the JSON line (newline included) for `watched` (format above).
std::string FormatWatchLine(absl::string_view origin,
                            const WatchedStatement& watched,
                            uint64_t checkpoint_size);

// Returns the "rebuild_mismatch" JSON line (newline included).
std::string FormatMismatchLine(absl::string_view origin,
                               const RebuildMismatch& mismatch,
                               uint64_t checkpoint_size);

// Returns the one stderr line (newline included) that raises the alarm for
// `mismatch`: "<program>: ALARM: log <origin>: rebuild mismatch: ..."
// (program: "vitrine-monitor"). Every value is escaped
// (common/log_escape.h): they come from log entries, which must not be
// able to write lines of their own.
std::string FormatMismatchAlarm(absl::string_view program,
                                absl::string_view origin,
                                const RebuildMismatch& mismatch);

// A release or rebuild line read back, with the log it came from.
struct WatchLine {
  std::string origin;
  WatchedStatement watched;
};

// Parses a release or rebuild line written by FormatWatchLine (or a
// release line without "kind"); nullopt for anything else: mismatch lines,
// torn or foreign lines. It reads back what this monitor wrote, so it
// checks types, not the statement grammar.
std::optional<WatchLine> ParseWatchLine(absl::string_view line);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_FOLLOW_WATCH_LINES_H_
