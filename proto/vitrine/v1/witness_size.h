// The trailing metadata through which a witness tells a log which size it
// holds when it answers ABORTED (proto/vitrine/v1/witness.proto; the
// tlog-witness HTTP API sends the same number as a text/x.tlog.size body
// with 409 Conflict). Part of the protocol, so it lives beside the .proto:
// the witness (monitor/witness) writes it, logs and other clients read it.
//
//   context->AddTrailingMetadata(kWitnessSizeTrailer, FormatWitnessSize(10));
//   absl::StatusOr<uint64_t> held = ParseWitnessSize("10");   // 10
//
// Functions are thread-safe.
#ifndef VITRINE_PROTO_VITRINE_V1_WITNESS_SIZE_H_
#define VITRINE_PROTO_VITRINE_V1_WITNESS_SIZE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::v1 {

// The metadata key (gRPC keys are lowercase ASCII).
inline constexpr char kWitnessSizeTrailer[] = "vitrine-witness-size";

// Returns `size` in decimal, as the trailer carries it.
std::string FormatWitnessSize(uint64_t size);

// Parses a trailer value: decimal digits only, no sign, no leading zeros
// (except "0"), at most 2^64-1. InvalidArgument otherwise.
absl::StatusOr<uint64_t> ParseWitnessSize(absl::string_view value);

}  // namespace vitrine::v1

#endif  // VITRINE_PROTO_VITRINE_V1_WITNESS_SIZE_H_
