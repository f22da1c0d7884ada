// Protobuf messages as files people can read: proto3 JSON, indented, one
// writer and one strict reader for every such file of the project (bundles,
// evidence).
//
//   VITRINE_ASSIGN_OR_RETURN(std::string json, FormatProtoJson(bundle, "bundle"));
//   vitrine::v1::Bundle read;
//   VITRINE_RETURN_IF_ERROR(ParseProtoJson(json, 4 << 20, "bundle", read));
//
// Thread-safe.
#ifndef VITRINE_COMMON_PROTO_JSON_H_
#define VITRINE_COMMON_PROTO_JSON_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace vitrine {

// Returns `message` as indented proto3 JSON (camelCase names, fields at
// their default omitted, as proto3 JSON allows), ending in a newline.
// Internal, naming `what`, if protobuf cannot format it.
absl::StatusOr<std::string> FormatProtoJson(const google::protobuf::Message& message,
                                            absl::string_view what);

// Parses proto3 JSON into `message`. Strict: a field the reader does not
// know is refused (it could be one the writer relied on), so what is read
// is exactly what was meant. ResourceExhausted over `max_size` bytes;
// InvalidArgument "<what> JSON: ..." otherwise.
absl::Status ParseProtoJson(absl::string_view json, size_t max_size, absl::string_view what,
                            google::protobuf::Message& message);

}  // namespace vitrine

#endif  // VITRINE_COMMON_PROTO_JSON_H_
