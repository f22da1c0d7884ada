// vitrine bundle: fetch a fresh verified bundle for an artifact (by file or
// by SHA-256) - for example to ship an older artifact with a proof against
// a newer, more widely witnessed checkpoint - carrying the rebuild
// statements the log holds about its release (issue 15).
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "client/bundle_file.h"
#include "client/cli/command.h"
#include "client/cli/log_flags.h"
#include "client/file_digest.h"

namespace vitrine::cli {
namespace {

const FlagSpec kFlags[] = {
    kLogFlag, kLogKeyFlag, kStateFlag, kTimeoutFlag, kWitnessPolicyFlag,
    {"witnessed", "false", "prove against the latest witnessed checkpoint "
                           "(needs --policy)", true},
    {"rebuilds", "true", "attach the rebuild statements the log holds about the "
                         "release (--rebuilds=false: a bundle that verifiers "
                         "older than rebuild statements can read)", true},
    {"artifact", "", "the artifact file (its SHA-256 is looked up)"},
    {"sha256", "", "or the artifact's SHA-256, 64 hex digits"},
    {"out", "", "where to write the bundle (default: ARTIFACT.vitrine.json; with "
                "--sha256: standard output)"},
};

// Returns the bundle of the newest release statement naming `digest`, with
// the rebuilds of the same answer (all proven against the log's latest
// checkpoint) when `rebuilds`, re-proven against the latest witnessed
// checkpoint when `witnessed`.
absl::StatusOr<v1::Bundle> FetchReleaseBundle(client::LogClient& log,
                                              const merkle::Hash& digest,
                                              bool witnessed, bool rebuilds) {
  absl::StatusOr<std::vector<v1::Bundle>> found = log.FindByDigest(digest);
  if (!found.ok()) return found.status();
  absl::StatusOr<uint64_t> newest = client::NewestReleaseIndex(*found, digest);
  if (!newest.ok()) {
    return absl::NotFoundError(absl::StrCat(
        "the log holds no release statement for ", digest.ToHex(),
        " (only rebuild statements name it)"));
  }
  absl::StatusOr<v1::Bundle> bundle =
      client::ReleaseBundleWithRebuilds(*found, *newest);
  if (!bundle.ok()) return bundle.status();
  if (!rebuilds) bundle->clear_rebuilds();
  // The same leaves, proven against the latest witnessed checkpoint
  // (OutOfRange until one covers the release).
  if (witnessed) return log.ReproveWitnessed(*bundle);
  return bundle;
}

int Run(const Flags& flags) {
  if (!flags.positional().empty() || flags.Has("artifact") == flags.Has("sha256")) {
    return Fail("bundle",
                absl::InvalidArgumentError("wants exactly one of --artifact or --sha256"));
  }
  absl::StatusOr<merkle::Hash> digest =
      flags.Has("artifact") ? client::HashFile(flags.Get("artifact"))
                            : merkle::Hash::FromHex(flags.Get("sha256"));
  if (!digest.ok()) return Fail("bundle", digest.status());
  const bool witnessed = flags.GetBool("witnessed");
  if (witnessed && !flags.Has("policy")) {
    return Fail("bundle", absl::InvalidArgumentError(
                              "--witnessed needs --policy (the witness keys "
                              "and quorum to check)"));
  }
  absl::StatusOr<LogConnection> log = ConnectToLog(flags);
  if (!log.ok()) return Fail("bundle", log.status());
  absl::StatusOr<v1::Bundle> bundle = FetchReleaseBundle(
      *log->client, *digest, witnessed, flags.GetBool("rebuilds"));
  if (!bundle.ok()) return LogFailure("bundle", bundle.status());
  std::string out = flags.Get("out");
  if (out.empty() && flags.Has("artifact")) out = client::BundlePathFor(flags.Get("artifact"));
  if (out.empty() || out == "-") {
    absl::StatusOr<std::string> json = client::FormatBundleJson(*bundle);
    if (!json.ok()) return Fail("bundle", json.status());
    std::fwrite(json->data(), 1, json->size(), stdout);
    return kExitOk;
  }
  if (absl::Status s = client::WriteBundleFile(out, *bundle); !s.ok()) {
    return Fail("bundle", s);
  }
  const std::string with_rebuilds =
      bundle->rebuilds_size() == 0
          ? ""
          : absl::StrCat(" with ", bundle->rebuilds_size(), " rebuild statement",
                         bundle->rebuilds_size() == 1 ? "" : "s");
  std::printf("%s: index %llu%s\n", out.c_str(),
              static_cast<unsigned long long>(bundle->leaf_index()),
              with_rebuilds.c_str());
  return kExitOk;
}

}  // namespace

const Command& BundleCommand() {
  static const Command command{
      "bundle", "fetch a fresh verified bundle for an artifact or a SHA-256",
      "usage: vitrine bundle --log=HOST:PORT --log_key=LOG.vkey\n"
      "                      (--artifact=FILE | --sha256=HEX) [--out=FILE]\n"
      "                      [--witnessed --policy=POLICY] [--rebuilds=false]\n"
      "\n"
      "Finds the statements naming the artifact's digest and writes the bundle\n"
      "of the newest release statement, proven against the log's latest\n"
      "checkpoint, with the rebuild statements logged about that release -\n"
      "agreeing or not - so that `vitrine verify` can apply a policy's\n"
      "rebuild-quorum offline; with --witnessed, all of it against the latest\n"
      "checkpoint its witnesses cosigned, checked against the policy's witness\n"
      "keys and quorum (what `vitrine verify` will require of it); rebuilds\n"
      "logged after that checkpoint are left out. Prints\n"
      "  <bundle>: index N [with K rebuild statements]\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
