// The trailing metadata through which a witness tells a log which size it
// holds when it answers ABORTED (proto/vitrine/v1/witness.proto; the
// tlog-witness HTTP API sends the same number as a text/x.tlog.size body
// with 409 Conflict). Shared by the Witness service, which writes it, and
// PushCheckpoint, which reads it.
//
//   context->AddTrailingMetadata(kWitnessSizeTrailer, FormatWitnessSize(10));
//   absl::StatusOr<uint64_t> held = ParseWitnessSize("10");   // 10
//
// Functions are thread-safe.
#ifndef VITRINE_MONITOR_WITNESS_SIZE_TRAILER_H_
#define VITRINE_MONITOR_WITNESS_SIZE_TRAILER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vitrine::monitor {

// The metadata key (gRPC keys are lowercase ASCII).
inline constexpr char kWitnessSizeTrailer[] = "vitrine-witness-size";

// Returns `size` in decimal, as the trailer carries it.
std::string FormatWitnessSize(uint64_t size);

// Parses a trailer value: decimal digits only, no sign, no leading zeros
// (except "0"), at most 2^64-1. InvalidArgument otherwise.
absl::StatusOr<uint64_t> ParseWitnessSize(absl::string_view value);

}  // namespace vitrine::monitor

#endif  // VITRINE_MONITOR_WITNESS_SIZE_TRAILER_H_
