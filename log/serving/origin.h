// Which log a read request means (the `origin` field of GetCheckpointRequest
// and GetEntriesRequest, proto/vitrine/v1/log.proto): vitrine-log serves one
// log and a monitor serving its verified copies serves several, and both
// answer a request for a log they do not hold the same way - NOT_FOUND,
// naming it - so that a client pointed at the wrong server learns so at
// once instead of verifying another log's answer and failing later.
//
//   absl::Status mine = serving::CheckOrigin(request.origin(), own_origin);
//   if (!mine.ok()) return Finish(ToGrpcStatus(mine));   // NOT_FOUND
//
// Origins in messages are escaped and cut (common/log_escape.h): they are
// the caller's bytes, and callers log error messages.
//
// Functions are pure and thread-safe.
#ifndef VITRINE_LOG_SERVING_ORIGIN_H_
#define VITRINE_LOG_SERVING_ORIGIN_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace vitrine::serving {

// Returns OK when `requested` is empty (the server's only log) or equals
// `own`; NotFound naming both otherwise.
absl::Status CheckOrigin(absl::string_view requested, absl::string_view own);

// Returns `origin` quoted, escaped and cut for a status message.
std::string QuoteOrigin(absl::string_view origin);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_ORIGIN_H_
