#include "rebuilder/report_file.h"

#include "absl/strings/str_cat.h"
#include "common/json_string.h"

namespace vitrine::rebuilder {
namespace {

// The fields both lines open with.
std::string ReleaseFields(absl::string_view origin, uint64_t index,
                          const note::Statement& release) {
  std::string out =
      absl::StrCat("{\"origin\":", JsonString(origin), ",\"release_index\":", index);
  AppendJsonStringField(&out, "vendor", release.vendor);
  AppendJsonStringField(&out, "artifact", release.artifact);
  AppendJsonStringField(&out, "version", release.version);
  AppendJsonStringField(&out, "source", release.source.value_or(""));
  return out;
}

}  // namespace

std::string FormatMismatchLine(absl::string_view origin, uint64_t index,
                               const note::Statement& release, const merkle::Hash& produced,
                               absl::string_view build_log) {
  std::string line = ReleaseFields(origin, index, release);
  AppendJsonStringField(&line, "expected_sha256", release.sha256.ToHex());
  AppendJsonStringField(&line, "produced_sha256", produced.ToHex());
  AppendJsonStringField(&line, "build_log", build_log);
  line += "}\n";
  return line;
}

std::string FormatFailureLine(absl::string_view origin, uint64_t index,
                              const note::Statement& release, absl::string_view outcome,
                              absl::string_view reason, absl::string_view build_log) {
  std::string line = ReleaseFields(origin, index, release);
  AppendJsonStringField(&line, "outcome", outcome);
  AppendJsonStringField(&line, "reason", reason);
  AppendJsonStringField(&line, "build_log", build_log);
  line += "}\n";
  return line;
}

}  // namespace vitrine::rebuilder
