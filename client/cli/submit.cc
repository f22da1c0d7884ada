// vitrine submit: send signed release statements to a log, in batches, and
// write the verified bundle of each next to its artifact. The statement of
// artifact A is expected at A.statement (what `vitrine statement` writes)
// and its bundle goes to A.vitrine.json; a statement file not ending in
// ".statement" gets its bundle at <statement file>.vitrine.json. A release
// that rebuilders already rebuilt (a statement submitted again) gets their
// rebuild statements in its bundle (issue 15).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/bundle_file.h"
#include "client/cli/command.h"
#include "client/cli/log_flags.h"
#include "client/cli/progress.h"
#include "client/verifier.h"
#include "common/file.h"
#include "log/note/note.h"
#include "log/note/statement.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    kLogFlag, kLogKeyFlag, kStateFlag, kTimeoutFlag,
    {"batch", "500", "statements per Add call (the log takes at most 1000 by default)"},
    {"rebuilds", "true", "look up (one FindByDigest per statement) and attach the "
                         "rebuild statements logged about each release "
                         "(--rebuilds=false: bundles that verifiers older than "
                         "rebuild statements can read)", true},
};

constexpr absl::string_view kStatementSuffix = ".statement";

std::string BundlePathForStatement(absl::string_view statement_path) {
  absl::string_view artifact = statement_path;
  if (!absl::ConsumeSuffix(&artifact, kStatementSuffix) || artifact.empty()) {
    artifact = statement_path;
  }
  return client::BundlePathFor(artifact);
}

// Returns `added` with the rebuild statements the log holds about its
// release attached - the release and its rebuilds then proven against the
// log's latest checkpoint, as a bundle's rebuilds must share its
// checkpoint - or `added` itself when there are none (the usual case for a
// release just logged: rebuilders follow the log) or it is no release
// statement. A Refusal means the log answered something that does not
// verify.
absl::StatusOr<v1::Bundle> WithRebuilds(client::LogClient& log,
                                        const v1::Bundle& added) {
  absl::StatusOr<note::Note> parsed = note::ParseNote(added.statement());
  absl::StatusOr<note::Statement> release =
      parsed.ok() ? note::ParseStatement(parsed->text)
                  : absl::StatusOr<note::Statement>(parsed.status());
  if (!release.ok()) return added;
  absl::StatusOr<std::vector<v1::Bundle>> found = log.FindByDigest(release->sha256);
  if (!found.ok()) return found.status();
  absl::StatusOr<v1::Bundle> bundle =
      client::ReleaseBundleWithRebuilds(*found, added.leaf_index());
  if (!bundle.ok()) return bundle.status();
  // Nothing to attach: keep the Add answer, as submit always wrote it.
  if (bundle->rebuilds_size() == 0) return added;
  return bundle;
}

// Returns " with K rebuild statements", or "" for none.
std::string RebuildsNote(const v1::Bundle& bundle) {
  if (bundle.rebuilds_size() == 0) return "";
  return absl::StrCat(" with ", bundle.rebuilds_size(), " rebuild statement",
                      bundle.rebuilds_size() == 1 ? "" : "s");
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
  const bool with_rebuilds = flags.GetBool("rebuilds");

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
      absl::StatusOr<v1::Bundle> bundle = *outcome.bundle;
      if (with_rebuilds) bundle = WithRebuilds(*log->client, *outcome.bundle);
      if (!bundle.ok()) {
        // A log that answers unverifiable bundles stops everything, as
        // with Add; a failed lookup only costs the rebuilds.
        if (client::GetRefusal(bundle.status()) != client::Refusal::kNone) {
          return LogFailure("submit", bundle.status());
        }
        std::fprintf(stderr, "%s%s: written without rebuild statements: %s\n",
                     progress.enabled() ? "\n" : "", file.c_str(),
                     EscapeForTerminal(bundle.status().message()).c_str());
        bundle = *outcome.bundle;
      }
      const std::string bundle_path = BundlePathForStatement(file);
      if (absl::Status s = client::WriteBundleFile(bundle_path, *bundle); !s.ok()) {
        return Fail("submit", s);
      }
      std::printf("%s: logged at index %llu%s%s\n", bundle_path.c_str(),
                  static_cast<unsigned long long>(bundle->leaf_index()),
                  outcome.duplicate ? " (already logged)" : "",
                  RebuildsNote(*bundle).c_str());
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
      "answer is verified against the pinned log key first. A release that\n"
      "rebuilders already rebuilt (submitted again) gets their rebuild\n"
      "statements in its bundle (\"... with K rebuild statements\"), the\n"
      "whole proven against the log's latest checkpoint. Exit 1 when the\n"
      "log refused a statement (the others are still written) or answered\n"
      "with a bundle that does not verify.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
