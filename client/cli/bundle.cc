// vitrine bundle: fetch a fresh verified bundle for an artifact (by file or
// by SHA-256) - for example to ship an older artifact with a proof against
// a newer, more widely witnessed checkpoint.
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
    {"artifact", "", "the artifact file (its SHA-256 is looked up)"},
    {"sha256", "", "or the artifact's SHA-256, 64 hex digits"},
    {"out", "", "where to write the bundle (default: ARTIFACT.vitrine.json; with "
                "--sha256: standard output)"},
};

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
  absl::StatusOr<std::vector<v1::Bundle>> bundles = log->client->FindByDigest(*digest);
  if (!bundles.ok()) return LogFailure("bundle", bundles.status());
  if (bundles->empty()) {
    return Fail("bundle", absl::NotFoundError(absl::StrCat(
                              "the log holds no statement for ", digest->ToHex())));
  }
  // The newest statement for the digest: the highest index.
  const v1::Bundle* newest = &bundles->front();
  for (const v1::Bundle& b : *bundles) {
    if (b.leaf_index() > newest->leaf_index()) newest = &b;
  }
  absl::StatusOr<v1::Bundle> witnessed_bundle;
  if (witnessed) {
    // The same leaf, proven against the latest witnessed checkpoint
    // (OutOfRange until one covers it).
    witnessed_bundle =
        log->client->GetBundle(newest->leaf_index(), /*witnessed=*/true);
    if (!witnessed_bundle.ok()) {
      return LogFailure("bundle", witnessed_bundle.status());
    }
    newest = &*witnessed_bundle;
  }
  std::string out = flags.Get("out");
  if (out.empty() && flags.Has("artifact")) out = client::BundlePathFor(flags.Get("artifact"));
  if (out.empty() || out == "-") {
    absl::StatusOr<std::string> json = client::FormatBundleJson(*newest);
    if (!json.ok()) return Fail("bundle", json.status());
    std::fwrite(json->data(), 1, json->size(), stdout);
    return kExitOk;
  }
  if (absl::Status s = client::WriteBundleFile(out, *newest); !s.ok()) {
    return Fail("bundle", s);
  }
  std::printf("%s: index %llu\n", out.c_str(),
              static_cast<unsigned long long>(newest->leaf_index()));
  return kExitOk;
}

}  // namespace

const Command& BundleCommand() {
  static const Command command{
      "bundle", "fetch a fresh verified bundle for an artifact or a SHA-256",
      "usage: vitrine bundle --log=HOST:PORT --log_key=LOG.vkey\n"
      "                      (--artifact=FILE | --sha256=HEX) [--out=FILE]\n"
      "                      [--witnessed --policy=POLICY]\n"
      "\n"
      "Finds the statements naming the artifact's digest and writes the bundle\n"
      "of the newest one, proven against the log's latest checkpoint; with\n"
      "--witnessed, against the latest checkpoint its witnesses cosigned,\n"
      "checked against the policy's witness keys and quorum (what `vitrine\n"
      "verify` will require of it).\n",
      kFlags, Run};
  return command;
}

}  // namespace vitrine::cli
