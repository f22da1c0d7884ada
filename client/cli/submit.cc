// vitrine submit: send signed release statements to a log, in batches, and
// write the verified bundle of each next to its artifact. The statement of
// artifact A is expected at A.statement (what `vitrine statement` writes)
// and its bundle goes to A.vitrine.json; a statement file not ending in
// ".statement" gets its bundle at <statement file>.vitrine.json.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/bundle_file.h"
#include "client/cli/command.h"
#include "client/cli/log_flags.h"
#include "client/cli/progress.h"
#include "common/file.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    kLogFlag, kLogKeyFlag, kStateFlag, kTimeoutFlag,
    {"batch", "500", "statements per Add call (the log takes at most 1000 by default)"},
};

constexpr absl::string_view kStatementSuffix = ".statement";

std::string BundlePathForStatement(absl::string_view statement_path) {
  absl::string_view artifact = statement_path;
  if (!absl::ConsumeSuffix(&artifact, kStatementSuffix) || artifact.empty()) {
    artifact = statement_path;
  }
  return client::BundlePathFor(artifact);
}

int Run(const Flags& flags) {
  const std::vector<std::string>& files = flags.positional();
  if (files.empty()) {
    return Fail("submit", absl::InvalidArgumentError("wants STATEMENT_FILE arguments"));
  }
  absl::StatusOr<uint64_t> batch = flags.GetUint64("batch");
  if (!batch.ok()) return Fail("submit", batch.status());
  if (*batch == 0) return Fail("submit", absl::InvalidArgumentError("--batch wants >= 1"));
  std::vector<std::string> statements;
  statements.reserve(files.size());
  for (const std::string& file : files) {
    absl::StatusOr<std::string> statement = ReadSmallFile(file, kMaxInputFileSize);
    if (!statement.ok()) return Fail("submit", statement.status());
    statements.push_back(*std::move(statement));
  }
  absl::StatusOr<LogConnection> log = ConnectToLog(flags);
  if (!log.ok()) return Fail("submit", log.status());

  Progress progress("submitted", files.size());
  int rejected = 0;
  for (size_t begin = 0; begin < statements.size(); begin += *batch) {
    const size_t count = std::min<size_t>(*batch, statements.size() - begin);
    absl::StatusOr<std::vector<client::AddOutcome>> outcomes =
        log->client->Add(absl::MakeConstSpan(statements).subspan(begin, count));
    // A failed call (network, or a bundle that does not verify) stops
    // everything: what was written so far stays written.
    if (!outcomes.ok()) return LogFailure("submit", outcomes.status());
    for (size_t i = 0; i < outcomes->size(); ++i) {
      const std::string& file = files[begin + i];
      const client::AddOutcome& outcome = (*outcomes)[i];
      if (!outcome.bundle.ok()) {
        std::fprintf(stderr, "%s%s: the log refused it: %s\n",
                     progress.enabled() ? "\n" : "", file.c_str(),
                     EscapeForTerminal(outcome.bundle.status().message())
                         .c_str());
        ++rejected;
        continue;
      }
      const std::string bundle_path = BundlePathForStatement(file);
      if (absl::Status s = client::WriteBundleFile(bundle_path, *outcome.bundle);
          !s.ok()) {
        return Fail("submit", s);
      }
      std::printf("%s: logged at index %llu%s\n", bundle_path.c_str(),
                  static_cast<unsigned long long>(outcome.bundle->leaf_index()),
                  outcome.duplicate ? " (already logged)" : "");
    }
    progress.Add(count);
  }
  progress.Done();
  if (rejected > 0) {
    std::fprintf(stderr, "refused: the log refused %d of %zu statements\n", rejected,
                 statements.size());
    return kExitRefused;
  }
  return kExitOk;
}

}  // namespace

const Command& SubmitCommand() {
  static const Command command{
      "submit", "send statements to a log; write each bundle next to its artifact",
      "usage: vitrine submit --log=HOST:PORT --log_key=LOG.vkey [--state=DIR]\n"
      "                      STATEMENT_FILE...\n"
      "\n"
      "Sends the signed statements in batches and writes the verified bundle of\n"
      "ARTIFACT.statement to ARTIFACT.vitrine.json (of any other FILE to\n"
      "FILE.vitrine.json), printing \"<bundle>: logged at index N\". Every\n"
      "answer is verified against the pinned log key first. Exit 1 when the\n"
      "log refused a statement (the others are still written) or answered\n"
      "with a bundle that does not verify.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
