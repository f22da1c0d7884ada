// The GetEntries stream (proto/vitrine/v1/log.proto) over a log/storage
// Store, shared by vitrine-log and by vitrine-monitor serving its verified
// copies, which keep the log's layout: one implementation of the limits,
// the codes and the flow control, so a mirror's answers are the log's.
//
//   absl::Status valid = CheckEntriesRange(start, end, tree_size,
//                                          kMaxEntriesPerCall, "the log's size");
//   EntriesSource source{store, &shutting_down, "the log",
//                        [](const grpc::Status& s) { /* count it */ }};
//   return StreamEntries(source, start, end, valid);   // from GetEntries
//
// Bounded work per call: entries are read kEntriesPerRead at a time (one
// entry tile: one short sequential scan, at most 4 MiB of statements held)
// and written one message at a time - gRPC calls OnWriteDone when the
// client's flow control lets the next one go, so a slow client holds one
// chunk of memory, never the whole range, and no thread waits for it.
//
// Thread-safety: the stream runs on gRPC's callback threads; each
// EntriesSource pointer must outlive every stream started with it (for a
// server: shut the gRPC server down before destroying what they point to).
#ifndef VITRINE_LOG_SERVING_ENTRIES_STREAM_H_
#define VITRINE_LOG_SERVING_ENTRIES_STREAM_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "log/storage/store.h"
#include "proto/vitrine/v1/log.pb.h"

namespace vitrine::serving {

// Entries per GetEntries call, as log.proto documents (a server may lower
// it): about 10-160 MB of statements, one tile-aligned stream.
inline constexpr uint64_t kMaxEntriesPerCall = 10000;

// Entries read from the store per read: one entry tile's worth.
inline constexpr uint64_t kEntriesPerRead = 256;

// Returns why [start, end) cannot be streamed from a tree of `size` leaves:
// InvalidArgument for start > end or more than `max_per_call` entries
// (naming the limit and the range to ask first), OutOfRange for end > size
// ("end E is beyond <size_name> S"); OK otherwise (start == end included).
absl::Status CheckEntriesRange(uint64_t start, uint64_t end, uint64_t size,
                               uint64_t max_per_call,
                               absl::string_view size_name);

// Where a stream reads and how it ends.
struct EntriesSource {
  // Holds the entries streamed. Required unless the stream is refused
  // (StreamEntries' `valid` not OK), when nothing is read.
  const storage::Store* store = nullptr;
  // The server's shutdown flag, or null: once true, a stream ends
  // UNAVAILABLE after its write in flight, "<who> is shutting down; resume
  // with start N", so clients reconnect instead of seeing CANCELLED.
  const std::atomic<bool>* stopping = nullptr;
  std::string who = "the server";
  // Called once per stream with the status it finished with (metrics); may
  // be empty.
  std::function<void(const grpc::Status&)> on_done;
};

// Returns the reactor of a GetEntries call streaming the leaves [start,
// end) of source.store, or finishing at once with `valid` when it is not OK
// (end must then be within the store: check with CheckEntriesRange against
// a size the store holds). Read errors end the stream with their code.
grpc::ServerWriteReactor<vitrine::v1::Entry>* StreamEntries(
    const EntriesSource& source, uint64_t start, uint64_t end,
    const absl::Status& valid);

}  // namespace vitrine::serving

#endif  // VITRINE_LOG_SERVING_ENTRIES_STREAM_H_
