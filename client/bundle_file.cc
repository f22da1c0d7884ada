#include "client/bundle_file.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "common/proto_json.h"

namespace vitrine::client {

std::string BundlePathFor(absl::string_view artifact_path) {
  return absl::StrCat(artifact_path, kBundleFileSuffix);
}

absl::StatusOr<std::string> FormatBundleJson(
    const vitrine::v1::Bundle& bundle) {
  // Defaults omitted: leafIndex 0 is absent, as proto3 JSON allows; the
  // parser reads it back as 0.
  absl::StatusOr<std::string> json = FormatProtoJson(bundle, "bundle");
  if (json.ok() && json->size() > kMaxBundleFileSize) {
    // Written, it would be refused by every reader, ours first.
    return absl::ResourceExhaustedError(absl::StrCat(
        "bundle JSON of ", json->size(), " bytes (", bundle.rebuilds_size(),
        " rebuild statements) exceeds the ", kMaxBundleFileSize,
        " bytes readers accept"));
  }
  return json;
}

absl::StatusOr<vitrine::v1::Bundle> ParseBundleJson(absl::string_view json) {
  // Strict: a field this reader does not know could be one a newer writer
  // relies on; refuse rather than verify a different bundle than was meant.
  vitrine::v1::Bundle bundle;
  absl::Status parsed = ParseProtoJson(json, kMaxBundleFileSize, "bundle", bundle);
  if (!parsed.ok()) return parsed;
  return bundle;
}

absl::StatusOr<vitrine::v1::Bundle> ReadBundleFile(const std::string& path) {
  absl::StatusOr<std::string> json =
      ReadSmallFile(path, kMaxBundleFileSize);
  if (!json.ok()) return json.status();
  absl::StatusOr<vitrine::v1::Bundle> bundle = ParseBundleJson(*json);
  if (!bundle.ok()) {
    return absl::Status(bundle.status().code(),
                        absl::StrCat("bundle file ", path, ": ",
                                     bundle.status().message()));
  }
  return bundle;
}

absl::Status WriteBundleFile(const std::string& path,
                             const vitrine::v1::Bundle& bundle) {
  absl::StatusOr<std::string> json = FormatBundleJson(bundle);
  if (!json.ok()) return json.status();
  return WriteFileAtomically(path, *json, 0644);
}

}  // namespace vitrine::client
