// vitrine statement: hash an artifact and write its release statement
// signed by the vendor (DESIGN.md format 6), or, with --cosign, add an
// independent supervisor's signature to an existing statement.
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/cli/command.h"
#include "client/file_digest.h"
#include "common/file.h"
#include "common/status_macros.h"
#include "log/note/key_file.h"
#include "log/note/keys.h"
#include "log/note/statement.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    {"key", "", "the vendor's (or, with --cosign, the supervisor's) signer key file"},
    {"artifact", "", "the released file, hashed with SHA-256"},
    {"name", "", "the artifact name in the statement (default: the file's base name)"},
    {"version", "", "the released version"},
    {"source", "", "where the source for audit lives (optional)"},
    {"out", "", "where to write the statement (default: ARTIFACT.statement; with "
                "--cosign: STATEMENT_FILE itself)"},
    {"cosign", "false", "add a supervisor signature to STATEMENT_FILE", true},
};

absl::StatusOr<std::unique_ptr<note::Signer>> LoadSigner(const Flags& flags) {
  VITRINE_ASSIGN_OR_RETURN(std::string path, flags.Require("key"));
  VITRINE_ASSIGN_OR_RETURN(std::string key, note::ReadSignerKeyFile(path));
  return note::NewSigner(key);
}

// Writes a new statement; returns the file written.
absl::StatusOr<std::string> Sign(const Flags& flags) {
  if (!flags.positional().empty()) {
    return absl::InvalidArgumentError("takes no arguments (use --artifact=FILE)");
  }
  VITRINE_ASSIGN_OR_RETURN(std::string artifact, flags.Require("artifact"));
  VITRINE_ASSIGN_OR_RETURN(std::string version, flags.Require("version"));
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> vendor, LoadSigner(flags));
  note::Statement statement;
  statement.vendor = vendor->Name();
  statement.artifact = flags.Has("name") ? flags.Get("name") : BaseName(artifact);
  statement.version = version;
  VITRINE_ASSIGN_OR_RETURN(statement.sha256, client::HashFile(artifact));
  if (flags.Has("source")) statement.source = flags.Get("source");
  VITRINE_ASSIGN_OR_RETURN(std::string note, note::SignStatement(statement, *vendor));
  const std::string out =
      flags.Has("out") ? flags.Get("out") : absl::StrCat(artifact, ".statement");
  VITRINE_RETURN_IF_ERROR(WriteFileAtomically(out, note, 0644));
  return out;
}

// Adds a supervisor signature; returns the file written.
absl::StatusOr<std::string> Cosign(const Flags& flags) {
  if (flags.positional().size() != 1) {
    return absl::InvalidArgumentError("--cosign wants one STATEMENT_FILE argument");
  }
  const std::string& in = flags.positional()[0];
  VITRINE_ASSIGN_OR_RETURN(std::unique_ptr<note::Signer> supervisor, LoadSigner(flags));
  VITRINE_ASSIGN_OR_RETURN(std::string note, ReadSmallFile(in, kMaxInputFileSize));
  VITRINE_ASSIGN_OR_RETURN(note, note::CosignStatement(note, *supervisor));
  const std::string out = flags.Has("out") ? flags.Get("out") : in;
  VITRINE_RETURN_IF_ERROR(WriteFileAtomically(out, note, 0644));
  return out;
}

int Run(const Flags& flags) {
  absl::StatusOr<std::string> out = flags.GetBool("cosign") ? Cosign(flags) : Sign(flags);
  if (!out.ok()) return Fail("statement", out.status());
  std::printf("%s\n", out->c_str());
  return kExitOk;
}

}  // namespace

const Command& StatementCommand() {
  static const Command command{
      "statement", "write a signed release statement for a file (or cosign one)",
      "usage: vitrine statement --key=VENDOR.key --artifact=FILE --version=V\n"
      "                         [--name=NAME] [--source=URL] [--out=FILE]\n"
      "       vitrine statement --cosign --key=SUPERVISOR.key STATEMENT_FILE\n"
      "\n"
      "Hashes FILE (SHA-256, streamed) and writes a release statement signed by\n"
      "the vendor key, whose name is the statement's vendor, to\n"
      "FILE.statement, and prints the file written. With --cosign, a\n"
      "supervisor (for example a reproducible-build checker) appends its\n"
      "signature to an existing statement, in place unless --out is given.\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
