#include "common/proto_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace vitrine {

absl::StatusOr<std::string> FormatProtoJson(const google::protobuf::Message& message,
                                            absl::string_view what) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = false;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(what, " to JSON: ", status.ToString()));
  }
  if (json.empty() || json.back() != '\n') json.push_back('\n');
  return json;
}

absl::Status ParseProtoJson(absl::string_view json, size_t max_size, absl::string_view what,
                            google::protobuf::Message& message) {
  if (json.size() > max_size) {
    return absl::ResourceExhaustedError(absl::StrCat(what, " JSON of ", json.size(),
                                                     " bytes, the limit is ", max_size));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status =
      google::protobuf::util::JsonStringToMessage(std::string(json), &message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " JSON: ", status.message().ToString()));
  }
  return absl::OkStatus();
}

}  // namespace vitrine
