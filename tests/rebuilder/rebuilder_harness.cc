#include "tests/rebuilder/rebuilder_harness.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace vitrine::tests {

std::string HelloRecipe(const std::string& tamper) {
  // VITRINE_* values are quoted: they come from the log.
  return absl::StrCat("set -e\n"
         "repo=\"${VITRINE_SOURCE%%#*}\"; rev=\"${VITRINE_SOURCE##*#}\"\n"
         "git -c safe.directory='*' clone -q \"$repo\" src\n"
         "cd src\n"
         "git -c advice.detachedHead=false checkout -q \"$rev\"\n",
         tamper, tamper.empty() ? "" : "\n",
         "export SOURCE_DATE_EPOCH=0\n"
         "gcc -O2 -g0 -ffile-prefix-map=\"$PWD\"=/build "
         "-o \"$VITRINE_OUTPUT/$VITRINE_ARTIFACT\" hello.c\n");
}

std::string MakeHelloRepo(const std::string& dir, const std::string& greeting) {
  const std::string script = absl::StrCat(
      "set -e; mkdir -p \"$1\"; cd \"$1\"; git init -q .\n"
      "printf '#include <stdio.h>\\nint main(void) { puts(\"%s\"); return 0; }\\n' "
      "\"$2\" > hello.c\n"
      "git add hello.c\n"
      "git -c user.email=dev@example.com -c user.name=dev commit -qm release\n"
      "git rev-parse HEAD\n");
  Outcome made = Run("/bin/sh", {"-c", script, "sh", dir, greeting});
  if (made.exit_code != 0) {
    std::fprintf(stderr, "MakeHelloRepo: %s%s\n", made.out.c_str(), made.err.c_str());
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(made.out));
}

std::string VendorBuild(const std::string& work, const std::string& source,
                        const std::string& artifact, const std::string& tamper) {
  // The recipe under the environment a rebuilder gives it.
  const std::string script = absl::StrCat(
      "set -e; mkdir -p \"$1/build\" \"$1/output\"; cd \"$1/build\"\n"
      "export VITRINE_SOURCE=\"$2\" VITRINE_ARTIFACT=\"$3\" "
      "VITRINE_OUTPUT=\"$1/output\"\n",
      HelloRecipe(tamper));
  Outcome built = Run("/bin/sh", {"-c", script, "sh", work, source, artifact});
  if (built.exit_code != 0) {
    std::fprintf(stderr, "VendorBuild: %s%s\n", built.out.c_str(), built.err.c_str());
    return "";
  }
  return absl::StrCat(work, "/output/", artifact);
}

std::string InitRebuilder(const std::string& data, const std::string& name) {
  Outcome init = Run(BinaryPath("rebuilder/vitrine-rebuilder"),
                     {"init", "--data=" + data, "--name=" + name});
  if (init.exit_code != 0) {
    std::fprintf(stderr, "InitRebuilder: %s\n", init.err.c_str());
    return "";
  }
  for (absl::string_view line : absl::StrSplit(init.out, '\n')) {
    if (absl::ConsumePrefix(&line, "verifier key: ")) return std::string(line);
  }
  return "";
}

ServerProcess StartRebuilderLoggingTo(const std::string& data,
                                      const std::vector<std::string>& args,
                                      const std::string& stderr_path) {
  std::vector<std::string> all = {"-c", "f=$1; shift; exec \"$@\" 2>>\"$f\"", "sh",
                                  stderr_path, BinaryPath("rebuilder/vitrine-rebuilder"),
                                  "serve", "--data=" + data, "--http_listen=127.0.0.1:0"};
  all.insert(all.end(), args.begin(), args.end());
  return ServerProcess::Start("/bin/sh", all, "data:");
}

double RebuildCount(const ServerProcess& rebuilder, const std::string& result) {
  return Metric(rebuilder,
                absl::StrCat("vitrine_rebuilder_rebuilds_total{result=\"", result, "\"}"));
}

std::vector<std::string> LinesWith(const std::string& path, const std::string& needle) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(ReadFileOrEmpty(path), '\n')) {
    if (absl::StrContains(line, needle)) lines.emplace_back(line);
  }
  return lines;
}

std::string ListEntries(const std::string& log_address, const std::string& log_vkey_file) {
  Outcome listed =
      RunVitrine({"entries", "--log=" + log_address, "--log_key=" + log_vkey_file});
  if (listed.exit_code != 0) {
    std::fprintf(stderr, "ListEntries: %s\n", listed.err.c_str());
    return "";
  }
  return listed.out;
}

}  // namespace vitrine::tests
