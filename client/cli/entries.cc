// vitrine entries: the log's entries, verified, one line per release
// statement; a range, or --follow to keep printing as the log grows.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/cli/command.h"
#include "client/cli/json_output.h"
#include "client/cli/log_flags.h"
#include "client/cli/progress.h"
#include "log/note/note.h"
#include "log/note/rebuild_statement.h"
#include "log/note/statement.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    kLogFlag, kLogKeyFlag, kStateFlag, kTimeoutFlag, kJsonFlag,
    {"start", "0", "first index"},
    {"end", "", "end index, exclusive (default: the latest tree size)"},
    {"follow", "false", "after the range, print new entries as the log signs them", true},
    {"follow_seconds", "0", "with --follow: stop after this long (0: never)"},
    {"raw", "false", "print each statement note in full, then a blank line "
                     "(with --json: a \"note\" field)", true},
};

// Entries are fetched and verified in chunks: the log streams at most 10000
// per call, and ranges not starting at 0 cost one proof per entry.
constexpr uint64_t kChunk = 1000;

// How each entry is printed.
struct Format {
  bool raw = false;
  bool json = false;
};

void PrintEntry(uint64_t index, const std::string& leaf, Format format) {
  if (format.json) {
    std::printf("%s", EntryJson(index, leaf, format.raw).c_str());
    return;
  }
  if (format.raw) {
    std::printf("%s\n", leaf.c_str());
    return;
  }
  absl::StatusOr<note::Note> parsed = note::ParseNote(leaf, note::StatementNoteLimits());
  if (parsed.ok() && note::IsRebuildStatementText(parsed->text)) {
    absl::StatusOr<note::RebuildStatement> rebuild =
        note::ParseRebuildStatement(parsed->text);
    if (rebuild.ok()) {
      // A rebuilder's digest for a release: marked, so that a reader of
      // the listing never takes it for a release.
      std::printf("%llu rebuild by %s: %s %s %s %s\n",
                  static_cast<unsigned long long>(index),
                  rebuild->rebuilder.c_str(), rebuild->vendor.c_str(),
                  rebuild->artifact.c_str(), rebuild->version.c_str(),
                  rebuild->sha256.ToHex().c_str());
      return;
    }
  }
  absl::StatusOr<note::Statement> statement =
      parsed.ok() ? note::ParseStatement(parsed->text)
                  : absl::StatusOr<note::Statement>(parsed.status());
  if (!statement.ok()) {
    std::printf("%llu (not a statement: %s)\n", static_cast<unsigned long long>(index),
                std::string(statement.status().message()).c_str());
    return;
  }
  std::printf("%llu %s %s %s %s\n", static_cast<unsigned long long>(index),
              statement->vendor.c_str(), statement->artifact.c_str(),
              statement->version.c_str(), statement->sha256.ToHex().c_str());
}

// Prints [start, end) in chunks; returns the first failure.
absl::Status PrintRange(client::LogClient& log, uint64_t start, uint64_t end,
                        Format format, Progress& progress) {
  // From 0 the whole prefix is checked against one root, any length; from
  // elsewhere each entry costs an inclusion proof, so keep chunks small.
  const uint64_t chunk = start == 0 ? end : kChunk;
  for (uint64_t from = start; from < end;) {
    const uint64_t to = std::min(end, from + chunk);
    absl::StatusOr<client::Entries> entries = log.GetEntries(from, to);
    if (!entries.ok()) return entries.status();
    for (size_t i = 0; i < entries->leaves.size(); ++i) {
      PrintEntry(from + i, entries->leaves[i], format);
    }
    std::fflush(stdout);
    progress.Add(to - from);
    from = to;
  }
  return absl::OkStatus();
}

int Run(const Flags& flags) {
  if (!flags.positional().empty()) {
    return Fail("entries", absl::InvalidArgumentError("takes no arguments"));
  }
  absl::StatusOr<uint64_t> start = flags.GetUint64("start");
  if (!start.ok()) return Fail("entries", start.status());
  absl::StatusOr<uint64_t> follow_seconds = flags.GetUint64("follow_seconds");
  if (!follow_seconds.ok()) return Fail("entries", follow_seconds.status());
  absl::StatusOr<LogConnection> log = ConnectToLog(flags);
  if (!log.ok()) return Fail("entries", log.status());
  const Format format{flags.GetBool("raw"), flags.GetBool("json")};

  uint64_t end = 0;
  if (flags.Has("end")) {
    absl::StatusOr<uint64_t> given = flags.GetUint64("end");
    if (!given.ok()) return Fail("entries", given.status());
    end = *given;
  } else {
    absl::StatusOr<note::VerifiedCheckpoint> head = log->client->GetCheckpoint();
    if (!head.ok()) return LogFailure("entries", head.status());
    end = head->checkpoint.size;
  }
  if (end < *start) {
    return Fail("entries", absl::InvalidArgumentError("--end is before --start"));
  }
  Progress progress("entries", 0);
  if (absl::Status s = PrintRange(*log->client, *start, end, format, progress); !s.ok()) {
    return LogFailure("entries", s);
  }
  if (!flags.GetBool("follow")) return kExitOk;

  uint64_t next = end;
  absl::Status range_status;
  const absl::Time until = *follow_seconds == 0
                               ? absl::InfiniteFuture()
                               : absl::Now() + absl::Seconds(*follow_seconds);
  absl::Status watched = log->client->WatchCheckpoints(
      next, until, [&](const note::VerifiedCheckpoint& checkpoint) {
        if (checkpoint.checkpoint.size <= next) return true;
        range_status =
            PrintRange(*log->client, next, checkpoint.checkpoint.size, format, progress);
        next = checkpoint.checkpoint.size;
        return range_status.ok();
      });
  progress.Done();
  if (!range_status.ok()) return LogFailure("entries", range_status);
  // Following until the requested time is success.
  if (absl::IsDeadlineExceeded(watched) && *follow_seconds > 0) return kExitOk;
  if (!watched.ok()) return LogFailure("entries", watched);
  return kExitOk;
}

}  // namespace

const Command& EntriesCommand() {
  static const Command command{
      "entries", "print the log's entries, verified (a range, or --follow)",
      "usage: vitrine entries --log=HOST:PORT --log_key=LOG.vkey [--start=N]\n"
      "                       [--end=M] [--follow [--follow_seconds=S]] [--raw] [--json]\n"
      "\n"
      "Prints one line per entry, \"<index> <vendor> <artifact> <version> <sha256>\",\n"
      "after verifying the entries against the log's signed checkpoint. With\n"
      "--follow, keeps printing new entries as the log signs new checkpoints\n"
      "(each proven consistent with the previous one).\n"
      "With --json, prints JSON Lines: one object per entry, {\"index\", \"kind\"\n"
      "(release, rebuild or invalid), the statement's fields, \"signatures\"}.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
