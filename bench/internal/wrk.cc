#include "bench/internal/wrk.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vitrine::bench {

absl::Status WriteWrkScript(const std::string& file,
                            const std::vector<std::string>& paths) {
  std::ofstream lua(file);
  lua << "local paths = {";
  for (const std::string& path : paths) lua << "\"" << path << "\",";
  lua << "}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n"
      << "  return wrk.format(\"GET\", paths[i])\nend\n";
  lua.close();
  if (!lua) return absl::InternalError(absl::StrCat("cannot write ", file));
  return absl::OkStatus();
}

absl::StatusOr<WrkFigures> RunWrk(const WrkRun& run) {
  const std::string command =
      absl::StrCat(run.binary, " -t", run.threads, " -c", run.connections, " -d",
                   run.seconds, "s -s ", run.script, " http://127.0.0.1:",
                   run.port, "/ 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot run " + command);
  std::string text;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), pipe)) > 0) text.append(chunk, n);
  pclose(pipe);
  WrkFigures figures;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view rest = absl::StripAsciiWhitespace(line);
    if (absl::ConsumePrefix(&rest, "Requests/sec:")) {
      (void)absl::SimpleAtod(absl::StripAsciiWhitespace(rest),
                             &figures.gets_per_second);
    } else if (absl::ConsumePrefix(&rest, "Non-2xx or 3xx responses:")) {
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &figures.non_2xx);
    } else if (absl::ConsumePrefix(&rest, "Socket errors:")) {
      figures.socket_errors = std::string(absl::StripAsciiWhitespace(rest));
    } else if (absl::StartsWith(rest, "Latency ")) {
      figures.latency = std::string(rest);
    }
  }
  if (figures.gets_per_second == 0) {
    return absl::InternalError("wrk printed no rate: " + text);
  }
  return figures;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

}  // namespace vitrine::bench
