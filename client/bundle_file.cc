#include "client/bundle_file.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/file.h"
#include "google/protobuf/util/json_util.h"

namespace vitrine::client {

std::string BundlePathFor(absl::string_view artifact_path) {
  return absl::StrCat(artifact_path, kBundleFileSuffix);
}

absl::StatusOr<std::string> FormatBundleJson(
    const vitrine::v1::Bundle& bundle) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  // Defaults omitted: leafIndex 0 is absent, as proto3 JSON allows; the
  // parser reads it back as 0.
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = false;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(bundle, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("bundle to JSON: ", status.ToString()));
  }
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

absl::StatusOr<vitrine::v1::Bundle> ParseBundleJson(absl::string_view json) {
  if (json.size() > kMaxBundleFileSize) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "bundle JSON of ", json.size(), " bytes, the limit is ",
        kMaxBundleFileSize));
  }
  google::protobuf::util::JsonParseOptions options;
  // A field this reader does not know could be one a newer writer relies
  // on: refuse rather than verify a different bundle than was meant.
  options.ignore_unknown_fields = false;
  vitrine::v1::Bundle bundle;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(json), &bundle, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bundle JSON: ", status.message().ToString()));
  }
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
